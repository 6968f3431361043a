"""TEST-ONLY converters from the native advisory formats in shared/osv to OSV records,
written the way osv.dev's converters map them (kept out of the product on purpose):

* Node.js Security WG npm advisories -> one OSV record ``NSWG-ECO-<id>``: each ``||``
  clause of ``vulnerable_versions`` (a node-semver range) becomes a SEMVER range
  (``>=X`` introduced, ``<Y`` fixed, ``<=Y`` last_affected); CVEs become aliases.
* Debian security tracker ``DSA/list`` -> one record per DSA, one affected entry per
  ``[release] - source version`` line, in ecosystem ``Debian:<N>``, ``introduced 0`` /
  ``fixed version``; CVEs go into ``upstream``; ``<not-affected>`` lines are left out.
* Alpine secdb -> one ``ALPINE-<CVE>`` record per CVE and package in ``Alpine:vX.Y``,
  fixed at the secfix version (``0`` fixed versions mean "never affected": left out).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml

from hullcheck.vulns.database import install_embedded
from hullcheck.vulns.importer import import_path

STAMP = "2023-04-01T00:00:00Z"
DEBIAN_RELEASES = {"bookworm": "12", "bullseye": "11", "buster": "10", "stretch": "9"}
_CMP = re.compile(r"^(<=|>=|<|>|=)?\s*v?(\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?)$")


def _npm_ranges(spec: str) -> list[dict[str, Any]] | None:
    ranges = []
    for raw in spec.split("||"):
        clause = raw.strip()
        if clause in ("*", ""):
            ranges.append({"type": "SEMVER", "events": [{"introduced": "0"}]})
            continue
        events: list[dict[str, str]] = []
        lower = "0"
        for token in re.sub(r"(<=|>=|<|>|=)\s+", r"\1", clause).split():
            m = _CMP.match(token)
            if not m:
                return None  # ^, ~, x-ranges: not converted by this fixture
            op, version = m.group(1) or "=", m.group(2)
            if op in (">=", ">"):
                lower = version
            elif op == "<":
                events.append({"fixed": version})
            elif op == "<=":
                events.append({"last_affected": version})
            else:
                lower = version
                events.append({"last_affected": version})
        ranges.append({"type": "SEMVER", "events": [{"introduced": lower}, *events]})
    return ranges


def npm_records(folder: Path) -> Iterator[dict[str, Any]]:
    for path in sorted(folder.glob("*.json")):
        adv = json.loads(path.read_text())
        spec = adv.get("vulnerable_versions")
        if not isinstance(spec, str):
            continue
        ranges = _npm_ranges(spec)
        if ranges is None:
            continue
        rec: dict[str, Any] = {
            "id": f"NSWG-ECO-{adv['id']}",
            "modified": STAMP,
            "summary": adv.get("title") or "",
            "details": adv.get("overview") or "",
            "aliases": list(adv.get("cves") or []),
            "affected": [
                {"package": {"ecosystem": "npm", "name": adv["module_name"]}, "ranges": ranges}
            ],
            "references": [{"type": "WEB", "url": u} for u in adv.get("references") or []],
        }
        vector = adv.get("cvss_vector")
        if isinstance(vector, str) and vector.startswith("CVSS:3"):
            rec["severity"] = [{"type": "CVSS_V3", "score": vector}]
        yield rec


_DSA_HEAD = re.compile(r"^\[(\d{2} \w{3} \d{4})\] ((?:DSA|DLA)-\d+(?:-\d+)?) (\S+) - (.*)$")
_DSA_FIX = re.compile(r"^\s+\[(\w+)\] - (\S+) (\S+)")


def debian_records(list_file: Path) -> Iterator[dict[str, Any]]:
    rec: dict[str, Any] | None = None
    for line in list_file.read_text(encoding="utf-8", errors="replace").splitlines():
        head = _DSA_HEAD.match(line)
        if head:
            if rec and rec["affected"]:
                yield rec
            rec = {
                "id": head.group(2),
                "modified": STAMP,
                "summary": head.group(4),
                "upstream": [],
                "affected": [],
            }
            continue
        if rec is None:
            continue
        cves = re.match(r"^\s+\{(.*)\}", line)
        if cves:
            rec["upstream"] = cves.group(1).split()
            continue
        fix = _DSA_FIX.match(line)
        if fix and fix.group(1) in DEBIAN_RELEASES and not fix.group(3).startswith("<"):
            rec["affected"].append(
                {
                    "package": {
                        "ecosystem": f"Debian:{DEBIAN_RELEASES[fix.group(1)]}",
                        "name": fix.group(2),
                    },
                    "ranges": [
                        {
                            "type": "ECOSYSTEM",
                            "events": [{"introduced": "0"}, {"fixed": fix.group(3)}],
                        }
                    ],
                }
            )
    if rec and rec["affected"]:
        yield rec


def alpine_records(secdb: Path) -> Iterator[dict[str, Any]]:
    doc = yaml.safe_load(secdb.read_text())
    release = doc["distroversion"]
    for entry in doc.get("packages") or []:
        pkg = entry["pkg"]
        for fixed, cves in (pkg.get("secfixes") or {}).items():
            if str(fixed) == "0":
                continue
            for cve in cves or []:
                cve_id = str(cve).split()[0]
                yield {
                    "id": f"ALPINE-{cve_id}-{pkg['name']}-{release}",
                    "modified": STAMP,
                    "upstream": [cve_id],
                    "affected": [
                        {
                            "package": {"ecosystem": f"Alpine:{release}", "name": pkg["name"]},
                            "ranges": [
                                {
                                    "type": "ECOSYSTEM",
                                    "events": [{"introduced": "0"}, {"fixed": str(fixed)}],
                                }
                            ],
                        }
                    ],
                }


def write_records(records: Iterator[dict[str, Any]], folder: Path) -> int:
    folder.mkdir(parents=True, exist_ok=True)
    count = 0
    for rec in records:
        name = re.sub(r"[^A-Za-z0-9._-]", "_", rec["id"])
        (folder / f"{name}.json").write_text(json.dumps(rec))
        count += 1
    return count


def convert_native(osv: Path, out: Path) -> Path:
    """Convert every native-format record of shared/osv (npm security-wg, Debian DSA/DLA
    lists, Alpine secdb) to OSV JSON under ``out``, one folder per source."""
    write_records(npm_records(osv / "npm/nodejs-security-wg/vuln/npm"), out / "npm")
    for kind in ("DSA", "DLA"):
        tracker = osv / f"debian/security-tracker-snapshot-2023-04/data/{kind}/list"
        write_records(debian_records(tracker), out / kind)
    for secdb in sorted((osv / "alpine/alpine-secdb").glob("v*/main.yaml")):
        write_records(alpine_records(secdb), out / "alpine" / secdb.parent.name)
    return out


def debian_11_db(shared: Path, work: Path) -> Path:
    """The embedded snapshot plus shared/osv's Debian DSA list (bullseye, as of 2023-04):
    a database that checks Debian 11 packages and has no advisory for Debian 12."""
    tracker = shared / "osv/debian/security-tracker-snapshot-2023-04/data/DSA/list"
    assert write_records(debian_records(tracker), work / "DSA") > 400  # bullseye alone: 410
    db = work / "db.sqlite3"
    install_embedded(db)
    import_path(db, work / "DSA")
    return db
