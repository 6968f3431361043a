"""Severity from the data only: vectors scored by the cvss library, distribution words,
the highest among a record and its alias records, and ``unknown`` when nothing says."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from hullcheck.model import Package, Severity
from hullcheck.vulns.importer import import_path
from hullcheck.vulns.matcher import match_packages
from hullcheck.vulns.osv import load_record, parse_advisory
from hullcheck.vulns.severity import rate, score_vector
from hullcheck.vulns.store import VulnDatabase

GHSA = Path(__file__).parent / "data" / "ghsa" / "GHSA-8q59-q68h-6hv4.json"


def _pysec(shared: Path) -> Any:
    path = shared / "osv/pypi/pypa-advisory-database/vulns/pyyaml/PYSEC-2021-142.yaml"
    return load_record(path.read_bytes(), path.name)


def test_cvss_v3_and_v4_vectors_are_scored() -> None:
    assert score_vector("CVSS_V3", "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H") == 9.8
    # CVSS v4.0 specification example vector (base score 9.3)
    v4 = "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N"
    assert score_vector("CVSS_V4", v4) == 9.3
    assert score_vector("CVSS_V3", "CVSS:3.1/AV:X") is None


def test_pysec_without_severity_is_unknown_not_medium(shared_dir: Path, tmp_path: Path) -> None:
    rec = _pysec(shared_dir)
    assert "severity" not in rec
    assert rate(parse_advisory(rec)) is None
    src = tmp_path / "only"
    src.mkdir()
    (src / "PYSEC-2021-142.json").write_text(json.dumps(rec))
    import_path(tmp_path / "db", src)
    with VulnDatabase.open(tmp_path / "db") as db:
        (finding,) = match_packages([Package("PyYAML", "5.3", "pypi", "pkg:pypi/pyyaml@5.3")], db)
    assert finding.severity is Severity.UNKNOWN


def test_alias_record_elsewhere_gives_the_severity(shared_dir: Path, tmp_path: Path) -> None:
    """PYSEC-2021-142 aliases GHSA-8q59-q68h-6hv4: when the GHSA record is in the database
    but names no package this scan has (here: its affected list taken away, as a CVE or
    another ecosystem's record would be), its CVSS still rates the finding."""
    src = tmp_path / "recs"
    src.mkdir()
    (src / "PYSEC-2021-142.json").write_text(json.dumps(_pysec(shared_dir)))
    ghsa = json.loads(GHSA.read_text())
    ghsa["affected"] = []
    (src / "GHSA.json").write_text(json.dumps(ghsa))
    import_path(tmp_path / "db", src)
    with VulnDatabase.open(tmp_path / "db") as db:
        (finding,) = match_packages([Package("PyYAML", "5.3", "pypi", "pkg:pypi/pyyaml@5.3")], db)
    assert finding.rule == "PYSEC-2021-142"
    assert finding.severity is Severity.CRITICAL
    assert finding.extra["severity_source"] == "CVSS_V3 base score 9.8 in GHSA-8q59-q68h-6hv4"


def test_highest_of_record_and_aliases_wins(shared_dir: Path, tmp_path: Path) -> None:
    src = tmp_path / "recs"
    src.mkdir()
    rec = _pysec(shared_dir)
    rec["severity"] = [{"type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:H/PR:H/UI:R/S:U/C:L/I:N/A:N"}]
    (src / "PYSEC-2021-142.json").write_text(json.dumps(rec))
    (src / "GHSA.json").write_text(GHSA.read_text())
    import_path(tmp_path / "db", src)
    with VulnDatabase.open(tmp_path / "db") as db:
        (finding,) = match_packages([Package("PyYAML", "5.3", "pypi", "pkg:pypi/pyyaml@5.3")], db)
    assert finding.severity is Severity.CRITICAL


def test_red_hat_impact_from_its_classification_link(shared_dir: Path) -> None:
    path = shared_dir / "osv/redhat/osv-schema-fixtures/RHSA-2024_4546.json"
    rec = json.loads(path.read_text())
    assert rate(parse_advisory(rec)) is not None  # its CVSS vector wins while present
    rec.pop("severity")
    rating = rate(parse_advisory(rec))
    assert rating is not None
    assert (rating.severity, rating.source) == (
        Severity.HIGH,
        "Red Hat impact 'important' in RHSA-2024:4546",
    )


def test_ubuntu_priority(shared_dir: Path) -> None:
    path = shared_dir / "osv/ubuntu/osv.dev-fixtures/UBUNTU-CVE-2025-38094.json"
    rating = rate(parse_advisory(json.loads(path.read_text())))
    assert rating is not None and rating.severity is Severity.MEDIUM
    assert rating.source.startswith("Ubuntu priority 'medium'")


@pytest.mark.parametrize(
    ("urgency", "expected"),
    [("unimportant", Severity.INFO), ("low", Severity.LOW), ("medium", Severity.MEDIUM),
     ("high", Severity.HIGH), ("not yet assigned", None)],
)  # fmt: skip
def test_debian_urgency(shared_dir: Path, urgency: str, expected: Severity | None) -> None:
    """DEBIAN-CVE records carry the tracker's urgency (the shared tracker excerpt has
    apparmor's) in ``ecosystem_specific``."""
    tracker = json.loads(
        (shared_dir / "osv/debian/osv.dev-fixtures/debian_security_tracker_mock.json").read_text()
    )
    seen = {r.get("urgency") for c in tracker["apparmor"].values() for r in c["releases"].values()}
    assert "unimportant" in seen
    rec = {
        "id": "DEBIAN-CVE-2016-1585",
        "modified": "2024-01-01T00:00:00Z",
        "affected": [
            {
                "package": {"ecosystem": "Debian:12", "name": "apparmor"},
                "ecosystem_specific": {"urgency": urgency},
            }
        ],
    }
    adv = parse_advisory(rec)
    rating = rate(adv, adv.affected[0])
    assert (rating.severity if rating else None) is expected
