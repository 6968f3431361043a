"""Rule ids are grouped by practice, and an id a rule had before still names it."""

from __future__ import annotations

import pytest

from hullcheck.imagerules.registry import all_rules
from hullcheck.rulebook import find
from hullcheck.rulemeta import RULE_ID, renamed
from hullcheck.rules.registry import RULES

DOCKERFILE_RANGES = {
    "0": "syntax", "1": "base-image", "2": "privileges", "3": "build",
    "4": "layer-hygiene", "5": "provenance", "6": "secrets", "7": "audit",
}  # fmt: skip
IMAGE_RANGES = {
    "0": "privileges", "1": "layer-hygiene", "2": "build", "3": "base-image",
    "4": "provenance", "5": "audit",
}  # fmt: skip


def test_every_dockerfile_rule_id_is_in_its_practice_range() -> None:
    wrong = [
        (r.id, r.practice.value)
        for r in RULES
        if DOCKERFILE_RANGES.get(r.id[2]) != r.practice.value
    ]
    assert not wrong


def test_every_image_rule_id_is_in_its_practice_sub_range() -> None:
    rules = all_rules()
    assert all(RULE_ID.match(r.id) and r.id.startswith("HC8") for r in rules if r.id[:2] == "HC")
    wrong = [
        (r.id, r.practice.value)
        for r in rules
        if r.id.startswith("HC8") and IMAGE_RANGES.get(r.id[3]) != r.practice.value
    ]
    assert not wrong


@pytest.mark.parametrize(
    ("old", "new"),
    [("HC0002", "HC3040"), ("HC0016", "HC3047"), ("HC5003", "HC3047"), ("HC3001", "HC4010"),
     ("HC3015", "HC4013"), ("HC4003", "HC3048"), ("HC8404", "HC8502"), ("HC8204", "HC8415")],
)  # fmt: skip
def test_a_former_id_still_names_the_rule(old: str, new: str) -> None:
    assert renamed([*RULES, *all_rules()])[old] == new
    assert [r.id for r in find(old)] == [new]
