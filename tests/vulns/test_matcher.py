"""Matching real packages against real advisories.  Every expectation below was written by
reading the advisory files in shared/osv (ranges and fixed versions quoted in comments),
not from hullcheck's output."""

from __future__ import annotations

import json
import re
import tarfile
from pathlib import Path
from types import SimpleNamespace

import pytest

from hullcheck.model import Package, Practice, Severity
from hullcheck.vulns.distro import Distro, parse_os_release
from hullcheck.vulns.matcher import MatchStats, headline, match_packages
from hullcheck.vulns.store import VulnDatabase


def pypi(name: str, version: str) -> Package:
    return Package(name, version, "pypi", f"pkg:pypi/{name.lower()}@{version}")


def npm(name: str, version: str) -> Package:
    return Package(name, version, "npm", f"pkg:npm/{name}@{version}")


def found(findings: list, name: str) -> dict[str, str | None]:  # type: ignore[type-arg]
    return {
        f.rule: f.extra["fixed_version"]
        for f in findings
        if f.extra["package"]["name"].lower() == name.lower()
    }


# pypa/advisory-database, vulns/<pkg>/PYSEC-*.yaml (ECOSYSTEM ranges):
EXPECTED_PYPI = {
    # requests: 2014-13/14 fixed 2.3.0 and 2015-17 [2.1.0, 2.6.0) do not apply to 2.19.1
    ("requests", "2.19.1"): {"PYSEC-2018-28": "2.20.0", "PYSEC-2023-74": "2.31.0"},
    # urllib3: 2018-32 is fixed *in* 1.23; 2017-98 [1.17,1.18.1), 2020-149 [1.25.2,1.25.8)
    # and 2021-59 [1.26.0,1.26.4) do not cover 1.23.  2023-192/212 have two ranges each.
    ("urllib3", "1.23"): {
        "PYSEC-2019-132": "1.24.3",
        "PYSEC-2019-133": "1.24.2",
        "PYSEC-2020-148": "1.25.9",
        "PYSEC-2021-108": "1.26.5",
        "PYSEC-2023-192": "1.26.17",
        "PYSEC-2023-207": "1.24.2",
        "PYSEC-2023-212": "1.26.18",
    },
    # Jinja2: 2014-8 (<2.7.2), 2014-82 (<2.7.3), 2019-220 (<2.8.1) are older
    ("Jinja2", "2.10"): {"PYSEC-2019-217": "2.10.1", "PYSEC-2021-66": "2.11.3"},
    # PyYAML: 2018-49 fixed 5.1 and 2020-176 [5.1, 5.2b1) are below 5.3
    ("PyYAML", "5.3"): {"PYSEC-2020-96": "5.3.1", "PYSEC-2021-142": "5.4"},
    # certifi: 2022-42986 [2017.11.5, 2022.12.7), 2023-135 [2015.4.28, 2023.7.22)
    ("certifi", "2018.4.16"): {"PYSEC-2022-42986": "2022.12.7", "PYSEC-2023-135": "2023.7.22"},
    ("idna", "2.7"): {"PYSEC-2024-60": "3.7"},  # [0.1, 3.7)
    ("chardet", "3.0.4"): {},  # no records
    ("MarkupSafe", "1.1.1"): {},  # no records
    ("setuptools", "66.1.1"): {},  # 2022-43012 fixed 65.5.1, 2013-22 fixed 0.7
}


def test_pypi_packages_of_the_python_npm_image(full_db: VulnDatabase) -> None:
    packages = [pypi(n, v) for n, v in EXPECTED_PYPI]
    findings = match_packages(packages, full_db)
    for (name, _), expected in EXPECTED_PYPI.items():
        assert found(findings, name) == expected, name
    for f in findings:
        assert f.practice is Practice.VULNERABILITIES
        assert f.extra["package"]["type"] == "pypi"


def test_fixed_versions_outside_ranges_match_nothing(full_db: VulnDatabase) -> None:
    packages = [
        pypi("requests", "2.31.0"),
        pypi("urllib3", "1.26.18"),
        pypi("Jinja2", "2.11.3"),
        pypi("PyYAML", "5.4"),
        pypi("requests", "2.3.0"),
        pypi("idna", "3.7"),
    ]
    # requests 2.3.0 is the fix of 2014-13/14 and the start of 2023-74 [2.3.0, 2.31.0)
    findings = match_packages(packages, full_db)
    assert {(f.extra["package"]["version"], f.rule) for f in findings} == {
        ("2.3.0", "PYSEC-2023-74"),
        ("2.3.0", "PYSEC-2018-28"),
        ("2.3.0", "PYSEC-2015-17"),  # [2.1.0, 2.6.0)
    }


def test_pypi_name_normalisation_and_aliases_merged(full_db: VulnDatabase) -> None:
    findings = match_packages([pypi("pyyaml", "5.3"), pypi("Py_YAML", "5.3")], full_db)
    assert found(findings, "pyyaml") == EXPECTED_PYPI[("PyYAML", "5.3")]
    # PYSEC-2021-142 aliases CVE-2020-14343 and GHSA-8q59-q68h-6hv4: one finding
    f = next(f for f in findings if f.rule == "PYSEC-2021-142")
    assert f.extra["aliases"] == ["GHSA-8q59-q68h-6hv4", "CVE-2020-14343"]
    # PEP 503 turns Py_YAML into py-yaml: another project, no records
    assert found(findings, "Py_YAML") == {}
    upper = match_packages([Package("PYYAML", "5.3", "pypi", "pkg:pypi/PYYAML@5.3")], full_db)
    assert found(upper, "PYYAML") == EXPECTED_PYPI[("PyYAML", "5.3")]


def test_severity_from_cvss_with_source(full_db: VulnDatabase) -> None:
    findings = match_packages([pypi("urllib3", "1.23")], full_db)
    by_id = {f.rule: f for f in findings}
    # PYSEC-2023-192: CVSS:3.1/AV:N/AC:H/PR:H/UI:N/S:U/C:H/I:H/A:H... read from the file
    sev = by_id["PYSEC-2023-192"]
    assert sev.extra["severity_source"].startswith("CVSS_V3 base score")
    assert sev.extra["cvss"]["vector"].startswith("CVSS:3")
    unknown = by_id["PYSEC-2019-132"]  # no severity field in that record
    assert unknown.severity is Severity.UNKNOWN  # never invented
    assert unknown.extra["severity_source"].startswith("no severity in the advisory")


def test_npm_lodash_and_minimist(full_db: VulnDatabase) -> None:
    # security-wg 368 (<4.17.5), 493 (<4.17.11), 516 (>=4.17.15 <4.17.19); none for
    # minimist or mkdirp in that dataset
    findings = match_packages(
        [npm("lodash", "4.17.4"), npm("minimist", "0.0.8"), npm("mkdirp", "0.5.1")], full_db
    )
    assert found(findings, "lodash") == {"NSWG-ECO-368": "4.17.5", "NSWG-ECO-493": "4.17.11"}
    assert found(findings, "minimist") == {}
    later = match_packages([npm("lodash", "4.17.16")], full_db)
    assert found(later, "lodash") == {"NSWG-ECO-516": "4.17.19"}
    # 493's vector CVSS:3.0/AV:L/AC:L/PR:N/UI:N/S:C/C:L/I:L/A:N, by the v3.0 formulas:
    # impact 7.52*(0.3916-0.029)=2.727, exploitability 2.515, scope changed:
    # roundup(1.08*5.242) = 5.7 -> medium
    f493 = next(f for f in findings if f.rule == "NSWG-ECO-493")
    assert f493.severity is Severity.MEDIUM and f493.extra["cvss"]["score"] == 5.7


BULLSEYE = Distro("debian", "11", "bullseye")

# A dpkg status excerpt with older real bullseye versions (binary names differ from the
# source packages the DSAs name; libcurl4 carries a binNMU suffix).
DPKG_STATUS = """\
Package: libssl1.1
Status: install ok installed
Source: openssl
Version: 1.1.1n-0+deb11u3

Package: libcurl4
Status: install ok installed
Source: curl (7.74.0-1.3+deb11u3)
Version: 7.74.0-1.3+deb11u3+b1

Package: apr-util-bin
Status: install ok installed
Source: apr-util
Version: 1.6.1-5+deb11u1
"""


def _dpkg_packages(text: str) -> list[Package]:
    out = []
    for stanza in text.strip().split("\n\n"):
        fields = dict(line.split(": ", 1) for line in stanza.splitlines())
        src = re.match(r"^(\S+)(?: \((.+)\))?$", fields.get("Source", fields["Package"]))
        assert src
        out.append(
            Package(
                fields["Package"],
                fields["Version"],
                "deb",
                f"pkg:deb/debian/{fields['Package']}@{fields['Version']}?distro=debian-11",
                source_name=src.group(1),
                source_version=src.group(2) or fields["Version"],
            )
        )
    return out


def test_debian_matches_on_source_package(full_db: VulnDatabase) -> None:
    findings = match_packages(_dpkg_packages(DPKG_STATUS), full_db, BULLSEYE)
    # DSA/list: openssl DSA-5343-1 [bullseye] 1.1.1n-0+deb11u4; DSA-5169-1 fixed in u3 (=)
    assert found(findings, "libssl1.1") == {"DSA-5343-1": "1.1.1n-0+deb11u4"}
    # curl: DSA-5365-1 deb11u7, DSA-5330-1 deb11u5; DSA-5197-1 deb11u2 is older
    assert found(findings, "libcurl4") == {
        "DSA-5365-1": "7.74.0-1.3+deb11u7",
        "DSA-5330-1": "7.74.0-1.3+deb11u5",
    }
    # apr-util: DSA-5364-1 fixed in exactly 1.6.1-5+deb11u1
    assert found(findings, "apr-util-bin") == {}
    f = next(f for f in findings if f.rule == "DSA-5343-1")
    assert "CVE-2023-0286" in f.extra["aliases"]
    assert f.extra["package"]["matched_as"]["ecosystem"] == "Debian:11"


def test_debian_release_must_match(full_db: VulnDatabase) -> None:
    packages = _dpkg_packages(DPKG_STATUS)
    # any object with id/version_id/id_like will do (the catalogers' Distro has more fields)
    other = SimpleNamespace(id="debian", version_id="11", id_like=(), pretty_name="Debian 11")
    assert {f.rule for f in match_packages(packages, full_db, other)} == {
        "DSA-5343-1",
        "DSA-5365-1",
        "DSA-5330-1",
    }
    assert match_packages(packages, full_db, Distro("debian", "12", "bookworm")) == []
    stats = MatchStats()
    assert match_packages(packages, full_db, None, stats) == []
    assert sum(stats.unsupported.values()) == 3


def test_alpine_matches_on_origin(full_db: VulnDatabase) -> None:
    distro = parse_os_release('NAME="Alpine Linux"\nID=alpine\nVERSION_ID=3.11.6\n')
    assert distro == Distro("alpine", "3.11.6")
    musl = Package("musl", "1.1.22-r3", "apk", "pkg:apk/alpine/musl@1.1.22-r3", source_name="musl")
    utils = Package(
        "musl-utils", "1.1.24-r2", "apk", "pkg:apk/alpine/musl-utils@1.1.24-r2", source_name="musl"
    )
    findings = match_packages([musl, utils], full_db, distro)
    # v3.11 secdb: musl 1.1.23-r2 fixes CVE-2019-14697; 1.1.15-r4 CVE-2016-8859
    assert {(f.extra["package"]["name"], f.extra["fixed_version"]) for f in findings} == {
        ("musl", "1.1.23-r2")
    }
    assert findings[0].extra["aliases"] == ["CVE-2019-14697"]


def test_red_hat_rpm(full_db: VulnDatabase) -> None:
    distro = Distro("rhel", "8.6", "", ("fedora",))
    old = Package("git-lfs", "0:2.13.3-2.el8", "rpm", "pkg:rpm/redhat/git-lfs@2.13.3-2.el8")
    new = Package("git-lfs", "2.13.3-3.el8_6.1", "rpm", "pkg:rpm/redhat/git-lfs@2.13.3-3.el8_6.1")
    # RHSA-2024:4546: fixed 0:2.13.3-3.el8_6.1 in Red Hat:rhel_*:8.6::appstream
    findings = match_packages([old, new], full_db, distro)
    assert [(f.rule, f.extra["package"]["version"]) for f in findings] == [
        ("RHSA-2024:4546", "0:2.13.3-2.el8")
    ]
    assert findings[0].severity is Severity.HIGH  # CVSS:3.1 .../A:H -> 7.5


def test_go_stdlib_and_modules(full_db: VulnDatabase) -> None:
    stdlib = Package("stdlib", "go1.20.1", "golang", "pkg:golang/stdlib@go1.20.1")
    xnet = Package("golang.org/x/net", "v0.7.0", "golang", "pkg:golang/golang.org/x/net@v0.7.0")
    findings = match_packages([stdlib, xnet], full_db)
    ids = {f.rule for f in findings if f.extra["package"]["name"] == "stdlib"}
    # GO-2023-1621 (crypto/internal/nistec): introduced 0, fixed 1.19.7, 1.20.0 / fixed 1.20.2
    assert "GO-2023-1621" in ids
    f = next(f for f in findings if f.rule == "GO-2023-1621")
    assert f.extra["fixed_version"] == "1.20.2"
    # GO-2023-1571 (x/net/http2 HPACK, CVE-2022-41723): fixed in x/net 0.7.0
    assert "GO-2023-1571" not in {
        f.rule for f in findings if f.extra["package"]["name"] == "golang.org/x/net"
    }


def test_ghsa_converter_samples(full_db: VulnDatabase) -> None:
    # tools/ghsa/testdata: withdrawn.osv.json is withdrawn -> never reported
    path = Path(__file__)
    assert path.exists()
    withdrawn = [
        f for f in match_packages([npm("mixin-deep", "1.0.0")], full_db) if f.extra["aliases"]
    ]
    for f in withdrawn:
        assert "withdrawn" not in f.title.lower()


def _image_python_npm_packages(images: Path) -> list[Package]:
    """The pip dist-info and node_modules package.json of the python-npm image's layers."""
    oci = images / "oci"
    index = json.loads((oci / "index.json").read_text())
    desc = next(
        m
        for m in index["manifests"]
        if m["annotations"]["org.opencontainers.image.ref.name"] == "python-npm"
    )
    blob = lambda d: oci / "blobs" / d.replace(":", "/")  # noqa: E731
    manifest = json.loads(blob(desc["digest"]).read_text())
    out = []
    dist = re.compile(r"site-packages/([^/]+)-([^-/]+)\.dist-info/METADATA$")
    for index_, layer in enumerate(manifest["layers"]):
        with tarfile.open(blob(layer["digest"]), "r|*") as tar:
            for member in tar:
                m = dist.search(member.name)
                if m:
                    out.append(
                        Package(
                            m.group(1),
                            m.group(2),
                            "pypi",
                            f"pkg:pypi/{m.group(1).lower()}@{m.group(2)}",
                            layer_index=index_,
                            layer_digest=layer["digest"],
                            files=("/" + member.name.lstrip("./"),),
                        )
                    )
                elif member.name.endswith("package.json") and "/node_modules/" in member.name:
                    parts = member.name.split("/node_modules/")[-1].split("/")
                    if len(parts) != 2:
                        continue
                    fh = tar.extractfile(member)
                    assert fh is not None
                    meta = json.loads(fh.read())
                    out.append(npm(meta["name"], meta["version"]))
    return out


@pytest.mark.images
def test_real_image_python_npm(test_images: Path, full_db: VulnDatabase) -> None:
    packages = _image_python_npm_packages(test_images)
    names = {(p.name.lower(), p.version) for p in packages}
    for name, version in EXPECTED_PYPI:
        assert (name.lower(), version) in names, name
    assert ("lodash", "4.17.4") in names and ("minimist", "0.0.8") in names
    findings = match_packages(packages, full_db)
    for (name, version), expected in EXPECTED_PYPI.items():
        if (name.lower(), version) in names:
            assert found(findings, name) == expected, name
    assert found(findings, "lodash") == {"NSWG-ECO-368": "4.17.5", "NSWG-ECO-493": "4.17.11"}
    pip = next((p for p in packages if p.name == "pip"), None)
    if pip is not None:
        from packaging.version import Version

        # PYSEC-2023-228: pip [0, 23.3); PYSEC-2021-437 [0, 21.1)
        want = {"PYSEC-2023-228"} if Version(pip.version) < Version("23.3") else set()
        if Version(pip.version) < Version("21.1"):
            want.add("PYSEC-2021-437")
        assert set(found(findings, "pip")) >= want
    requests = next(f for f in findings if f.rule == "PYSEC-2018-28")
    assert requests.location.layer_index == 1 and requests.location.file


def test_ubuntu_versions_list_and_priority(full_db: VulnDatabase) -> None:
    # UBUNTU-CVE-2025-38094: Ubuntu:Pro:14.04:LTS, source "linux", introduced 0 (no fix),
    # versions list includes 3.12.0-2.5; severity type Ubuntu "medium"
    distro = Distro("ubuntu", "14.04", "trusty", ("debian",))
    kernel = Package(
        "linux-image-3.12.0-2-generic",
        "3.12.0-2.5",
        "deb",
        "pkg:deb/ubuntu/linux-image-3.12.0-2-generic@3.12.0-2.5",
        source_name="linux",
        source_version="3.12.0-2.5",
    )
    findings = match_packages([kernel], full_db, distro)
    assert [f.rule for f in findings] == ["UBUNTU-CVE-2025-38094"]
    f = findings[0]
    assert f.extra["fixed_version"] is None and f.fix == ""
    assert f.severity is Severity.MEDIUM
    assert f.extra["severity_source"].startswith("Ubuntu priority 'medium'")
    assert f.extra["aliases"] == ["CVE-2025-38094"]
    assert "(source linux 3.12.0-2.5)" in f.message
    assert match_packages([kernel], full_db, Distro("ubuntu", "22.04")) == []


@pytest.mark.parametrize(
    ("details", "title"),
    [
        (
            "urllib3 before 1.24.2 mishandles CA certificates. More text.",
            "urllib3 before 1.24.2 mishandles CA certificates.",
        ),
        ("A short title without a full stop", "A short title without a full stop"),
        ("  spread\nover\n\nlines  ", "spread over lines"),
        ("word " * 60, ("word " * 39).strip() + "…"),
        ("x" * 300, "x" * 199 + "…"),
    ],
)
def test_titles_from_details_end_on_a_sentence_or_a_whole_word(details: str, title: str) -> None:
    assert headline(details) == title
    assert len(headline(details)) <= 200
