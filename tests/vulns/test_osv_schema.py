"""The hand-written OSV check agrees with the real JSON Schema (OSV 1.7.5) on every shared
record, and refuses mutated ones that the schema refuses."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from hullcheck.errors import DatabaseError
from hullcheck.vulns.osv import check_record, load_record, parse_advisory


@pytest.fixture(scope="module")
def validator(shared_dir: Path) -> jsonschema.Draft202012Validator:
    schema = json.loads((shared_dir / "osv/schema/osv-schema.json").read_text())
    return jsonschema.Draft202012Validator(schema)


def _records(shared: Path) -> list[tuple[str, Any]]:
    osv = shared / "osv"
    paths = [
        *sorted((osv / "pypi").rglob("PYSEC-*.yaml")),
        *sorted((osv / "go").rglob("GO-*.json")),
        *sorted((osv / "redhat").rglob("*.json")),
        *sorted((osv / "ubuntu").rglob("*.json")),
        *sorted((osv / "samples").rglob("*.osv.json")),
    ]
    return [(p.name, load_record(p.read_bytes(), p.name)) for p in paths]


def test_agrees_with_jsonschema_on_real_records(
    shared_dir: Path, validator: jsonschema.Draft202012Validator
) -> None:
    records = _records(shared_dir)
    assert len(records) > 2900
    disagreements = []
    rejected = 0
    for name, rec in records:
        ours = check_record(rec) is None
        theirs = validator.is_valid(rec)
        rejected += not ours
        # our check covers what matching uses; the schema's ecosystem enum is wider
        if ours != theirs:
            disagreements.append((name, check_record(rec), next(validator.iter_errors(rec), None)))
    assert disagreements == []
    assert rejected == 7  # PYSEC records whose GIT events are not full commit hashes


MUTATIONS = [
    lambda r: r.pop("id"),
    lambda r: r.pop("modified"),
    lambda r: r.__setitem__("modified", "yesterday"),
    lambda r: r["affected"][0]["ranges"][0].__setitem__("type", "RANGE"),
    lambda r: r["affected"][0]["ranges"][0]["events"].append({"last_affected": "9"}),
    lambda r: r["affected"][0]["ranges"][0].__setitem__("events", [{"fixed": "1.0"}]),
    lambda r: r["affected"][0]["ranges"][0]["events"].append({"fixed": "1", "limit": "2"}),
    lambda r: r["affected"][0]["package"].pop("name"),
    lambda r: r.__setitem__("aliases", "CVE-1"),
    lambda r: r.__setitem__("severity", [{"type": "CVSS_V3", "score": "7.5"}]),
    lambda r: r["affected"][0]["ranges"][0]["events"][0].__setitem__("introduced", 0),
]


@pytest.mark.parametrize("mutate", range(len(MUTATIONS)))
def test_mutated_records_are_refused_by_both(
    mutate: int, validator: jsonschema.Draft202012Validator
) -> None:
    base = {
        "id": "PYSEC-2099-1",
        "modified": "2024-01-01T00:00:00Z",
        "affected": [
            {
                "package": {"ecosystem": "PyPI", "name": "x"},
                "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "2"}]}],
            }
        ],
    }
    assert check_record(base) is None and validator.is_valid(base)
    rec = copy.deepcopy(base)
    MUTATIONS[mutate](rec)
    assert check_record(rec) is not None
    assert not validator.is_valid(rec)


def test_yaml_scalars_stay_strings() -> None:
    rec = load_record(b"id: X-1\nmodified: 2024-01-01T00:00:00Z\nversions: [1.10, 2.0]\n", "a.yaml")
    assert rec["versions"] == ["1.10", "2.0"] and rec["modified"] == "2024-01-01T00:00:00Z"


def test_yaml_alias_bomb_is_refused() -> None:
    bomb = b"a: &a [x, x, x, x, x, x, x, x, x, x]\n"
    for i in range(1, 9):
        bomb += f"{chr(97 + i)}: &{chr(97 + i)} [{', '.join(['*' + chr(96 + i)] * 10)}]\n".encode()
    with pytest.raises(DatabaseError, match="too many nodes"):
        load_record(bomb, "bomb.yaml")


def test_garbage_is_a_database_error() -> None:
    with pytest.raises(DatabaseError):
        load_record(b"\xff\xfe{", "x.json")
    with pytest.raises(DatabaseError):
        load_record(b"[" * 100000, "deep.json")


def test_parse_keeps_what_matching_needs(shared_dir: Path) -> None:
    path = shared_dir / "osv/redhat/osv-schema-fixtures/RHSA-2024_6220.json"
    adv = parse_advisory(load_record(path.read_bytes(), path.name))
    assert adv.id == "RHSA-2024:6220" and adv.upstream and len(adv.affected) == 228
    assert adv.severity[0][0] == "CVSS_V3"
