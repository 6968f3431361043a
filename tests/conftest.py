"""Shared test fixtures: where shared/ and the real test images live."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

# the `browser` fixture (a real headless Chromium) and `postgres_server` (one real
# PostgreSQL for the session, shared by every package that needs one)
pytest_plugins = ["tests.support.browser", "tests.fixtures.postgres"]

ROOT = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("HULLCHECK_SHARED", ROOT.parent / "shared"))
TEST_IMAGES = Path(os.environ.get("HULLCHECK_TEST_IMAGES", ROOT / ".cache" / "test-images"))

# Tests must not see the developer's cache, database, registry credentials or engine: a
# stored EOL table or OSV database there would change verdicts from one machine to the next.
_USER_STATE = (
    "HULLCHECK_CACHE_DIR",
    "HULLCHECK_DB",
    "HULLCHECK_OSV_MIRROR",
    "HULLCHECK_INSECURE_REGISTRIES",
    "DOCKER_CONFIG",
    "REGISTRY_AUTH_FILE",
    "DOCKER_HOST",
    "CONTAINER_HOST",
)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    """Under ``CI`` a skip is a failure: a missing tool, image or data set must not pass
    unnoticed as "skipped" (outside CI it stays a skip, with its one-line reason)."""
    outcome = yield
    report = outcome.get_result()
    if os.environ.get("CI") and report.skipped and not hasattr(report, "wasxfail"):
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else report.longrepr
        report.outcome = "failed"
        report.longrepr = f"skipped under CI, which must run every test: {reason}"


@pytest.fixture(scope="session", autouse=True)
def _hermetic_user_state(tmp_path_factory: pytest.TempPathFactory) -> None:
    for name in _USER_STATE:
        os.environ.pop(name, None)
    os.environ["XDG_CACHE_HOME"] = str(tmp_path_factory.mktemp("xdg-cache"))
    docker_config = tmp_path_factory.mktemp("docker-config")
    (docker_config / "config.json").write_text('{"auths": {}}\n')  # buildah insists on one
    os.environ["DOCKER_CONFIG"] = str(docker_config)


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    """The read-only shared/ folder (corpus, OSV records, version vectors, tools)."""
    if not SHARED.is_dir():
        pytest.skip(
            f"shared data sets (corpus/, osv/, provenance/, versions/) not found at {SHARED}:"
            " put the shared folder beside the clone or set HULLCHECK_SHARED"
        )
    return SHARED


@pytest.fixture(scope="session")
def test_images() -> Path:
    """The images built by scripts/make-test-images.sh (scripts/test.sh builds them)."""
    if not (TEST_IMAGES / "MANIFEST.txt").is_file():
        if os.environ.get("CI"):
            pytest.fail(f"test images missing at {TEST_IMAGES}: scripts/test.sh builds them")
        pytest.skip(f"test images not built at {TEST_IMAGES}")
    return TEST_IMAGES
