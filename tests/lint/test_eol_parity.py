"""End of life judged the same way by lint (the FROM tag) and scan (the image's
/etc/os-release), for every spelling of a release: codenames, numeric versions, point
releases, suffixed variants and the centos image's ``centosN`` tags."""

from __future__ import annotations

import pytest

from hullcheck.imagerules.baseimage import lookup_release
from hullcheck.rules.base_images import end_of_life
from hullcheck.vulns.eol import current_eol

DATA = current_eol()

# (repository, tag as written in FROM, os-release ID, os-release VERSION_ID of that image)
SPELLINGS = (
    ("library/debian", "stretch", "debian", "9"),
    ("library/debian", "stretch-slim", "debian", "9"),
    ("library/debian", "9.13", "debian", "9"),
    ("library/debian", "buster", "debian", "10"),
    ("library/debian", "buster-20240612", "debian", "10"),
    ("library/debian", "10", "debian", "10"),
    ("library/debian", "12", "debian", "12"),
    ("library/debian", "bookworm-slim", "debian", "12"),
    ("library/debian", "12.5", "debian", "12"),
    ("library/ubuntu", "18.04", "ubuntu", "18.04"),
    ("library/ubuntu", "bionic", "ubuntu", "18.04"),
    ("library/ubuntu", "bionic-20230530", "ubuntu", "18.04"),
    ("library/ubuntu", "xenial", "ubuntu", "16.04"),
    ("library/ubuntu", "jammy", "ubuntu", "22.04"),
    ("library/alpine", "3.12", "alpine", "3.12.12"),
    ("library/alpine", "3.12.12", "alpine", "3.12.12"),
    ("library/alpine", "3.20", "alpine", "3.20.3"),
    ("library/centos", "7", "centos", "7"),
    ("library/centos", "centos7", "centos", "7"),
    ("library/centos", "centos7.9.2009", "centos", "7"),
    ("library/centos", "7.9.2009", "centos", "7"),
    ("library/centos", "centos8", "centos", "8"),
    ("library/rockylinux", "8.9", "rocky", "8.9"),
    ("library/almalinux", "8", "almalinux", "8.9"),
    ("library/amazonlinux", "2", "amzn", "2"),
)


@pytest.mark.parametrize(("repo", "tag", "distro", "version"), SPELLINGS, ids=str)
def test_lint_and_scan_agree(repo: str, tag: str, distro: str, version: str) -> None:
    linted = end_of_life(DATA, repo, tag)
    release = lookup_release(DATA, distro, version)
    assert linted is not None, f"lint cannot date {repo}:{tag}"
    assert release is not None, f"scan cannot date {distro} {version}"
    assert linted[1] == DATA.end_of_support(distro, release), (repo, tag)
    assert linted[0] == f"{distro} {release.key}"


def test_a_tag_that_names_another_image_is_not_read_as_a_version() -> None:
    assert end_of_life(DATA, "library/centos", "latest") is None
    assert end_of_life(DATA, "library/debian", "unstable") is None
