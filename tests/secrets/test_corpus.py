"""Every built-in rule finds its fake secrets; no near miss produces a finding."""

from __future__ import annotations

import pytest

from hullcheck.secrets import BUILTIN_RULES, SecretScanner

from .corpus import NEGATIVES, POSITIVES

SCANNER = SecretScanner()
NO_PREFILTER = SecretScanner(prefilter=False)


def test_every_builtin_rule_has_a_positive_sample() -> None:
    covered = {rule_id for rule_id, _, _ in POSITIVES}
    missing = sorted(r.id for r in BUILTIN_RULES if r.id not in covered)
    assert not missing, f"rules without a fake sample: {missing}"


def test_rule_ids_are_unique() -> None:
    ids = [r.id for r in BUILTIN_RULES]
    assert len(ids) == len(set(ids))


@pytest.mark.parametrize(("rule_id", "content", "path"), POSITIVES, ids=[p[0] for p in POSITIVES])
def test_positive_is_found(rule_id: str, content: str, path: str) -> None:
    matches = SCANNER.scan(content.encode(), path=path)
    assert rule_id in {m.rule.id for m in matches}, [m.rule.id for m in matches]
    for m in matches:
        assert m.secret in content.encode()
        assert m.secret_text not in m.redacted or len(m.secret_text) < 4


@pytest.mark.parametrize(
    ("content", "path"), NEGATIVES, ids=[f"neg{i}" for i in range(len(NEGATIVES))]
)
def test_near_miss_is_quiet(content: str, path: str) -> None:
    matches = SCANNER.scan(content.encode(), path=path)
    assert not matches, [(m.rule.id, m.redacted) for m in matches]


def test_prefilter_changes_speed_not_results() -> None:
    for rule_id, content, path in POSITIVES:
        data = content.encode()
        with_filter = [(m.rule.id, m.start, m.end) for m in SCANNER.scan(data, path=path)]
        without = [(m.rule.id, m.start, m.end) for m in NO_PREFILTER.scan(data, path=path)]
        assert with_filter == without, rule_id
    for content, path in NEGATIVES:
        assert not NO_PREFILTER.scan(content.encode(), path=path)


def test_secret_embedded_among_many_lines_keeps_line_numbers() -> None:
    filler = "".join(f"line {i} nothing to see\n" for i in range(5000))
    _, content, path = next(p for p in POSITIVES if p[0] == "github-token")
    data = (filler + content + "\n" + filler).encode()
    [match] = SCANNER.scan(data, path=path)
    assert match.line == 5001
    assert match.end_line == 5001
