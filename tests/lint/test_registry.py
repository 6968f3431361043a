"""Meta-tests of the rule registry: every module registered, ids unique, every rule tested."""

from __future__ import annotations

import importlib.util
import pkgutil
from pathlib import Path

import pytest

import hullcheck.rules
from hullcheck.rules.registry import MODULES, RULES, SYNTAX_RULE
from tests.support.rule_testing import Case, run_rule, with_pragma

_FRAMEWORK = {"base", "common", "registry"}
_CASE_DIR = Path(__file__).parent / "rules"


def _all_cases() -> list[Case]:
    cases: list[Case] = []
    for path in sorted(_CASE_DIR.glob("test_*.py")):
        spec = importlib.util.spec_from_file_location(f"_rulecases_{path.stem}", path)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        cases.extend(getattr(module, "CASES", ()))
    return cases


CASES = _all_cases()


def test_every_rule_module_is_registered() -> None:
    on_disk = {
        m.name for m in pkgutil.iter_modules(hullcheck.rules.__path__) if m.name not in _FRAMEWORK
    }
    registered = {m.__name__.rsplit(".", 1)[-1] for m in MODULES}
    assert on_disk == registered, f"unregistered: {on_disk - registered}"


def test_rule_ids_unique_and_documented() -> None:
    ids = [r.id for r in RULES]
    assert len(ids) == len(set(ids)), sorted(i for i in ids if ids.count(i) > 1)
    for rule in RULES:
        assert rule.title and rule.explanation and rule.fix, rule.id
        assert not rule.title.endswith("."), rule.id


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.id)
def test_rule_has_firing_case_and_near_miss(rule: object) -> None:
    rule_id = getattr(rule, "id", "")
    fires = [c for c in CASES if c.rule == rule_id and c.lines]
    silent = [c for c in CASES if c.rule == rule_id and not c.lines]
    if rule_id == SYNTAX_RULE.id:
        return  # covered by tests/lint/test_lint.py (parse failures)
    assert fires, f"{rule_id} has no case where it fires"
    assert silent, f"{rule_id} has no near-miss case"


@pytest.mark.parametrize("case", [c for c in CASES if c.lines], ids=str)
def test_pragma_silences(case: Case) -> None:
    trusted, files = case.trusted, case.files
    assert run_rule(case.rule, case.text, trusted, files), "the firing case must fire first"
    assert run_rule(case.rule, with_pragma(case), trusted, files) == []
    rule = next(r for r in RULES if r.id == case.rule)
    fired = run_rule(case.rule, case.text, trusted, files)
    for code in rule.hadolint:
        left = run_rule(case.rule, with_pragma(case, "hadolint", code), trusted, files)
        # a DL pragma silences the findings of that hadolint code (or untagged ones) only
        assert all(f.extra.get("hadolint") not in (None, code) for f in left), code
        tagged = [f for f in fired if f.extra.get("hadolint") in (None, code)]
        assert len(left) == len(fired) - len(tagged), code
