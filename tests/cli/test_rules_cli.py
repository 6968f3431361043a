"""``hullcheck rules`` and ``hullcheck rules explain``, run as a user runs them."""

from __future__ import annotations

import json

from tests.cli.helpers import hullcheck


def test_rules_table_lists_every_kind() -> None:
    run = hullcheck("rules")
    assert run.code == 0, run.stderr
    lines = run.stdout.splitlines()
    assert lines[0].split() == ["ID", "NAME", "PRACTICE", "SEVERITY", "ALIASES"]
    rows = {line.split()[0]: line for line in lines[1:]}
    assert "password-set-in-image" in rows["HC6006"] and "HC2007" in rows["HC6006"]
    assert "DL3008" in rows["HC3003"]
    assert "container-runs-as-root" in rows["HC8001"]
    assert "secret:aws-access-key-id" in rows
    assert "per advisory" in rows["vulnerability"]


def test_rules_json_and_kind_filter() -> None:
    run = hullcheck("rules", "--format", "json", "--kind", "image")
    assert run.code == 0, run.stderr
    rules = json.loads(run.stdout)
    assert rules and {r["kind"] for r in rules} == {"image"}
    first = rules[0]
    assert set(first) == {
        "id", "name", "kind", "practice", "severity", "title", "explanation", "fix",
        "hadolint", "aliases",
    }  # fmt: skip


def test_explain_by_id_name_and_alias_prints_the_same_rule() -> None:
    outputs = {
        hullcheck("rules", "explain", key).stdout
        for key in ("HC3047", "add-for-local-files", "HC5003", "dl3020")
    }
    assert len(outputs) == 1
    text = outputs.pop()
    assert text.startswith("HC3047 add-for-local-files: ADD used for local files\n")
    assert "hadolint: DL3020" in text and "aliases: HC0016, HC5003" in text
    assert "\nWhy: " in text and "\nFix: " in text


def test_explain_json() -> None:
    run = hullcheck("rules", "explain", "HC8001", "--format", "json")
    assert run.code == 0
    assert [r["name"] for r in json.loads(run.stdout)] == ["container-runs-as-root"]


def test_explain_unknown_is_one_line_and_exit_2() -> None:
    run = hullcheck("rules", "explain", "aws-acess-key-id")
    assert run.code == 2
    assert run.stdout == ""
    assert run.err_lines == [
        "hullcheck: error: no rule has the id, name or alias 'aws-acess-key-id'; did you mean"
        " aws-access-key-id?"
    ]
