"""The one rule catalogue: every kind listed, names and ids unique, aliases resolving,
and docs/rules.md generated from it (regenerate: ``python scripts/rule-docs.py``)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from hullcheck import rulebook
from hullcheck.imagerules.registry import all_rules as image_rules
from hullcheck.rules.registry import RULES
from hullcheck.secrets.builtin import BUILTIN_RULES

ROOT = Path(__file__).resolve().parents[1]


def test_every_rule_of_every_kind_is_listed_once() -> None:
    rules = rulebook.all_rules()
    ids = [r.id for r in rules]
    names = [r.name for r in rules]
    assert len(ids) == len(set(ids)), sorted(i for i in ids if ids.count(i) > 1)
    assert len(names) == len(set(names)), sorted(n for n in names if names.count(n) > 1)
    assert {r.id for r in RULES} <= set(ids)
    assert {r.id for r in image_rules()} <= set(ids)
    assert {"HC8410", "HC8411", "HC8412", "HC8413", "HC8414"} <= set(ids)
    assert {f"secret:{r.id}" for r in BUILTIN_RULES} <= set(ids)
    assert {r.kind for r in rules} == set(rulebook.KINDS)


def test_every_rule_is_documented() -> None:
    for rule in rulebook.all_rules():
        assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", rule.name), rule.id
        assert rule.title and rule.explanation and rule.fix, rule.id
        assert not rule.title.endswith("."), rule.id


def test_hc_ids_follow_their_practice() -> None:
    # HC2xxx privileges, HC5xxx provenance, HC6xxx secrets: the ranges say the practice
    ranges = {"2": {"privileges"}, "5": {"provenance"}, "6": {"secrets"}, "1": {"base-image"}}
    for rule in RULES:
        allowed = ranges.get(rule.id[2])
        assert allowed is None or rule.practice.value in allowed, rule.id


@pytest.mark.parametrize(
    ("key", "found"),
    [
        ("HC6006", ["HC6006"]),
        ("HC6004", ["HC6004"]),
        ("hc2007", ["HC6006"]),
        ("password-set-in-image", ["HC6006"]),
        ("HC5003", ["HC3047"]),
        ("DL3020", ["HC3047"]),
        ("dl3008", ["HC3003"]),
        ("container-runs-as-root", ["HC8001"]),
        ("aws-access-key-id", ["secret:aws-access-key-id"]),
        ("secret:aws-access-key-id", ["secret:aws-access-key-id"]),
        ("CVE-2024-3094", ["vulnerability"]),
        ("aws-acess-key-id", []),
        ("HC9999", []),
    ],
)
def test_find(key: str, found: list[str]) -> None:
    assert [r.id for r in rulebook.find(key)] == found


def test_rules_doc_is_current() -> None:
    doc = (ROOT / "docs" / "rules.md").read_text(encoding="utf-8")
    assert doc == rulebook.markdown(), "docs/rules.md is stale: run `python scripts/rule-docs.py`"


def test_doc_script_writes_what_the_test_expects(tmp_path: Path) -> None:
    # the script is what contributors run: it must write exactly the generated text
    copy = tmp_path / "repo"
    (copy / "docs").mkdir(parents=True)
    (copy / "scripts").mkdir()
    (copy / "scripts" / "rule-docs.py").write_text(
        (ROOT / "scripts" / "rule-docs.py").read_text(encoding="utf-8"), encoding="utf-8"
    )
    (copy / "src").symlink_to(ROOT / "src")
    subprocess.run(
        [sys.executable, str(copy / "scripts" / "rule-docs.py")], check=True, capture_output=True
    )
    assert (copy / "docs" / "rules.md").read_text(encoding="utf-8") == rulebook.markdown()


def test_a_policy_file_may_name_every_hc_rule(tmp_path: Path) -> None:
    # the provenance checks (HC8410-HC8414) included: a strict config must not reject them
    from hullcheck.policy import config as config_mod

    ids = [r.id for r in rulebook.all_rules() if r.id.startswith("HC")]
    path = tmp_path / ".hullcheck.yaml"
    path.write_text("rules:\n  ignore: [" + ", ".join(ids) + "]\n", encoding="utf-8")
    assert set(config_mod.load(path).ignored) == set(ids)
    assert {"HC8410", "HC8414"} <= set(ids)
