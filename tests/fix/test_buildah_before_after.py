"""A Dockerfile built with buildah before and after ``hullcheck fix --unsafe``: both build,
the packages are the same, and the fixed image runs as the user and command the fix set.

Offline on purpose (no apt-get: tests reach nothing but 127.0.0.1); bench/fix_buildah.py
builds ten real Dockerfiles with their package installs."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from hullcheck.cli.main import main
from hullcheck.fix.engine import FixEngine
from hullcheck.fix.registry import select
from hullcheck.policy.config import DEFAULT
from tests.fixtures.buildah import Buildah

BASE = "localhost/hullcheck/debian-minbase:12"
DOCKERFILE = f"""\
FROM {BASE}
# what the build needs
RUN cat /etc/os-release | grep -q '^ID=debian' \\
    && mkdir -p /app
ADD app.sh /app/app.sh
RUN dpkg-query -W -f '${{Package}}\\n' | sort | head -n 3 > /app/first-packages
CMD sh /app/app.sh
"""


@pytest.mark.images
@pytest.mark.timeout(1200)
def test_fixed_dockerfile_builds_the_same_packages(
    test_images: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    why = Buildah.usable()
    if why is not None:
        if os.environ.get("CI"):
            pytest.fail(why)
        pytest.skip(why)
    ctx = tmp_path / "ctx"
    ctx.mkdir()
    (ctx / "app.sh").write_text("echo hello\n")
    before = ctx / "Dockerfile.before"
    before.write_text(DOCKERFILE)
    result = FixEngine(select(None, unsafe=True, resolver=False), config=DEFAULT).fix_text(
        DOCKERFILE, str(before)
    )
    assert {c.fixer for c in result.applied} == {
        "pipefail", "add-to-copy", "exec-form", "oci-labels", "non-root-user",
    }  # fmt: skip
    after = ctx / "Dockerfile.after"
    after.write_text(result.text)
    buildah = Buildah(tmp_path / "buildah")
    try:
        buildah.load(test_images / "docker-archive" / "debian-minbase.tar", BASE)
        old = buildah.build(ctx, before, "before")
        new = buildah.build(ctx, after, "after")
        again = buildah.build(ctx, before, "again")  # the same source, built a second time
        assert again.ok, again.log
        assert old.layout is not None
        code = main(["diff", f"oci:{old.layout}:before", f"oci:{old.layout}:again",
                     "--reproducible", "--no-vulns", "-f", "json"])  # fmt: skip
        repro = json.loads(capsys.readouterr().out)["reproducible"]
    finally:
        buildah.close()
        shutil.rmtree(tmp_path / "buildah" / "oci", ignore_errors=True)
    assert code == 0
    # the base layer is the same bytes; the build's own layer is not, and diff says why
    assert repro["layers"][0] == {"index": 0, "identical": True}
    assert not repro["identical"]
    top = repro["layers"][-1]
    assert not top["identical"] and top["files_total"] > 0
    known = {"timestamps", "logs", "caches", "content", "metadata", "only in one build",
             "ordering", "tar headers", "pyc", "generated keys"}  # fmt: skip
    assert set(top["causes"]) <= known
    assert "timestamps" in top["causes"]
    assert old.ok, old.log
    assert new.ok, new.log
    assert len(old.packages) > 50
    assert new.packages == old.packages
    assert new.config.get("User") == "10001:10001"
    assert new.config.get("Cmd") == ["sh", "/app/app.sh"]
    assert old.config.get("User") in (None, "")
