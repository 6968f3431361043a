"""Zero false positives on real Debian filesystems; the planted key is found, even deleted.

Every regular file of every layer is scanned (a superset of the merged view).  The only
secret in these images is the fake ``/root/.ssh/id_rsa`` that make-test-images.sh plants
in python-npm (and deletes again in a later layer of secret-deleted).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from hullcheck.secrets import SecretScanner, sensitive_file

from .image_files import image_files, iter_tar_files

PLANTED = {("private-key", "/root/.ssh/id_rsa")}


def _scan(files: object) -> tuple[set[tuple[str, str]], set[str], SecretScanner]:
    scanner = SecretScanner()
    found: set[tuple[str, str]] = set()
    names: set[str] = set()
    for path, size, data in files:  # type: ignore[attr-defined]
        hint = sensitive_file(path)
        if hint is not None and not hint.needs_content:
            names.add(path)
        if not scanner.wants(path, size) or data is None:
            continue
        found.update((m.rule.id, m.path) for m in scanner.scan(data, path=path))
    return found, names, scanner


@pytest.mark.images
@pytest.mark.parametrize(
    ("image", "expected"),
    [("debian-minbase", set()), ("python-npm", PLANTED), ("secret-deleted", PLANTED)],
)
def test_real_image_has_no_false_positive(
    test_images: Path, image: str, expected: set[tuple[str, str]]
) -> None:
    found, names, scanner = _scan(image_files(test_images / "oci", image, 10 * 1024 * 1024))
    assert found == expected
    assert names == {path for _, path in expected}
    stats = scanner.stats
    assert stats.files_scanned > 2500
    # the skip accounting is reported, not silent
    assert stats.skipped_files["package-docs"] > 1000
    # executables are read too, with the rules that cannot fire on compiled code
    assert stats.binary_files_scanned > 100
    # the prefilter keeps most files away from every regex
    assert stats.files_without_keywords > stats.files_scanned / 2


ROOTFS = Path(
    os.environ.get(
        "HULLCHECK_SECRETS_ROOTFS",
        Path(os.environ.get("HULLCHECK_TEST_IMAGES", "/nonexistent")).parent
        / "secrets-images"
        / "debian-python-nodejs.tar",
    )
)


@pytest.mark.images
def test_debian_python3_nodejs_rootfs_is_clean() -> None:
    """A rootfs with Debian's python3 and nodejs packages (stdlib, node's bundled npm).

    Built with ``mmdebstrap --variant=minbase --include=python3,nodejs bookworm X.tar``;
    that needs the Debian mirror, so CI (no network in tests) skips unless it is cached.
    """
    if not ROOTFS.is_file():
        pytest.skip(
            f"no Debian python3+nodejs rootfs at {ROOTFS} (build it with mmdebstrap, "
            "see docs/secrets.md; set HULLCHECK_SECRETS_ROOTFS)"
        )
    found, names, scanner = _scan(iter_tar_files(ROOTFS, 10 * 1024 * 1024))
    assert found == set()
    assert names == set()
    assert scanner.stats.files_scanned > 3000
