"""HC1005: a base image whose release no longer gets security fixes.

A small table of end-of-life dates for the most used official images (distribution
releases and language runtimes), compared with today's date, so a release turns into a
finding the day its support ends.  Dates are the upstream projects' published
end-of-support (security) dates.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterator

from hullcheck.model import Practice, Severity
from hullcheck.rules.base import Hit, Rule, RuleContext, at_line

_VERSION = re.compile(r"^v?(\d+)(?:\.(\d+))?")
_D = datetime.date
_Entry = tuple[int, int | None, datetime.date]


def _minors(major: int, pairs: tuple[tuple[int, datetime.date], ...]) -> list[_Entry]:
    return [(major, minor, date) for minor, date in pairs]


def _majors(pairs: tuple[tuple[int, datetime.date], ...]) -> list[_Entry]:
    return [(major, None, date) for major, date in pairs]


# repository -> [(major, minor or None, end of support)]; minor None matches any minor
_EOL: dict[str, list[_Entry]] = {
    "library/debian": [(8, None, _D(2020, 6, 30)), (9, None, _D(2022, 6, 30)),
                       (10, None, _D(2024, 6, 30)), (11, None, _D(2026, 8, 31))],
    "library/ubuntu": [(14, 4, _D(2019, 4, 30)), (16, 4, _D(2021, 4, 30)),
                       (18, 4, _D(2023, 5, 31)), (20, 4, _D(2025, 5, 31)),
                       (21, None, _D(2022, 7, 14)), (22, 10, _D(2023, 7, 20)),
                       (23, None, _D(2024, 7, 11)), (24, 10, _D(2025, 7, 10)),
                       (25, 4, _D(2026, 1, 15))],
    "library/centos": [(6, None, _D(2020, 11, 30)), (7, None, _D(2024, 6, 30)),
                       (8, None, _D(2021, 12, 31))],
    "library/alpine": _minors(3, (
        (12, _D(2022, 5, 1)), (13, _D(2022, 11, 1)), (14, _D(2023, 5, 1)),
        (15, _D(2023, 11, 1)), (16, _D(2024, 5, 23)), (17, _D(2024, 11, 22)),
        (18, _D(2025, 5, 9)), (19, _D(2025, 11, 1)), (20, _D(2026, 4, 1)),
        (21, _D(2026, 11, 1)))) + _minors(3, tuple((m, _D(2022, 5, 1)) for m in range(12))),
    "library/python": _majors(((2, _D(2020, 1, 1)),)) + _minors(3, (
        (5, _D(2020, 9, 13)), (6, _D(2021, 12, 23)), (7, _D(2023, 6, 27)),
        (8, _D(2024, 10, 7)), (9, _D(2025, 10, 31)))),
    "library/node": _majors((
        (10, _D(2021, 4, 30)), (12, _D(2022, 4, 30)), (14, _D(2023, 4, 30)),
        (16, _D(2023, 9, 11)), (18, _D(2025, 4, 30)), (20, _D(2026, 4, 30))))
    + _majors(tuple((v, _D(2021, 1, 1)) for v in range(10))),
    "library/php": [(5, None, _D(2018, 12, 31)), (7, None, _D(2022, 11, 28)),
                    (8, 0, _D(2023, 11, 26)), (8, 1, _D(2025, 12, 31))],
    "library/ruby": [(2, None, _D(2023, 3, 31)), (3, 0, _D(2024, 4, 23)),
                     (3, 1, _D(2025, 3, 26)), (3, 2, _D(2026, 3, 31))],
}  # fmt: skip
_CODENAMES = {
    "jessie": "8", "stretch": "9", "buster": "10", "bullseye": "11",
    "trusty": "14.04", "xenial": "16.04", "bionic": "18.04", "focal": "20.04",
}  # fmt: skip


def _end_of_life(repository: str, tag: str) -> datetime.date | None:
    table = _EOL.get(repository)
    if table is None:
        return None
    for part in re.split(r"[-_]", tag):
        if part in _CODENAMES:
            tag = _CODENAMES[part]
            if repository != "library/debian" and not repository.endswith("ubuntu"):
                # python:3.12-bullseye: the runtime is fine, the OS underneath is not
                return _end_of_life(
                    "library/debian"
                    if part in ("jessie", "stretch", "buster", "bullseye")
                    else "library/ubuntu",
                    tag,
                )
            break
    match = _VERSION.match(tag)
    if match is None:
        return None
    major = int(match.group(1))
    minor = int(match.group(2)) if match.group(2) is not None else None
    for t_major, t_minor, date in table:
        if t_major == major and (t_minor is None or t_minor == minor):
            return date
    return None


def _check(ctx: RuleContext) -> Iterator[Hit]:
    today = datetime.date.today()
    for stage in ctx.dockerfile.stages:
        ref = stage.ref
        if ref is None or ref.has_variables or ref.registry != "docker.io" or not ref.tag:
            continue
        eol = _end_of_life(ref.repository, ref.tag)
        if eol is not None and eol <= today:
            yield at_line(
                stage.from_,
                f"{ref.raw} reached end of life on {eol.isoformat()}: no security fixes since",
            )


EOL_BASE = Rule(
    id="HC1005",
    title="Base image past end of life",
    severity=Severity.MEDIUM,
    practice=Practice.BASE_IMAGE,
    explanation=(
        "Once a distribution release or language runtime is out of support, new"
        " vulnerabilities in it are never fixed: every rebuild ships them, and scanners"
        " report them forever."
    ),
    fix="Move to a supported release (e.g. `debian:12-slim`, `python:3.12-slim`, `node:22`).",
    check=_check,
)

RULES = (EOL_BASE,)
