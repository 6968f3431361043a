"""HC1005: a base image whose release no longer gets security fixes.

The official images of distributions (``debian``, ``ubuntu``, ``alpine``...) and language
runtimes (``python``, ``node``, ``php``, ``ruby``) are looked up in the same dated
end-of-life data the image rules use (:func:`hullcheck.vulns.eol.current_eol`: the
shipped ``eol.json``, or a newer copy ``hullcheck db update`` stored), and compared with
the lint's clock, so a release turns into a finding the day its free support ends.  A
runtime tag that names its OS (``python:3.12-bullseye``, ``node:20-alpine3.18``) is
judged on both.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterator

from hullcheck.model import Practice, Severity
from hullcheck.rules.base import Hit, Rule, RuleContext
from hullcheck.vulns.eol import EolData, current_eol

_VERSION = re.compile(r"^v?(\d+(?:\.\d+)?)")
_ALPINE_TAG = re.compile(r"^alpine(\d+\.\d+)$")
# official image repository -> (product in the EOL data, is it a runtime)
_PRODUCTS = {
    "library/debian": ("debian", False),
    "library/ubuntu": ("ubuntu", False),
    "library/alpine": ("alpine", False),
    "library/centos": ("centos", False),
    "library/rockylinux": ("rocky", False),
    "library/almalinux": ("almalinux", False),
    "library/amazonlinux": ("amzn", False),
    "library/python": ("python", True),
    "library/node": ("node", True),
    "library/php": ("php", True),
    "library/ruby": ("ruby", True),
}
_OS_CODENAMES = ("debian", "ubuntu")


def _os_in_tag(data: EolData, tag: str) -> tuple[str, str] | None:
    """The (distribution, release) a tag names: ``bullseye``, ``jammy``, ``alpine3.18``."""
    for part in re.split(r"[-_]", tag.lower()):
        for distro in _OS_CODENAMES:
            key = data.codenames(distro).get(part)
            if key is not None:
                return distro, key
        alpine = _ALPINE_TAG.match(part)
        if alpine:
            return "alpine", alpine.group(1)
    return None


def end_of_life(data: EolData, repository: str, tag: str) -> tuple[str, datetime.date] | None:
    """(what, last day of free support) for an official image tag, the earliest of the
    runtime's and the OS's when the tag names both; None when unknown."""
    product = _PRODUCTS.get(repository)
    if product is None:
        return None
    name, runtime = product
    ends: list[tuple[datetime.date, str]] = []
    os_named = _os_in_tag(data, tag)
    if os_named is not None and (runtime or os_named[0] == name):
        release = data.find(os_named[0], os_named[1])
        if release is not None:
            ends.append((data.end_of_support(os_named[0], release), f"{os_named[0]} {release.key}"))
    if os_named is None or runtime:
        match = _VERSION.match(tag)
        if match is not None:
            release = data.find(name, match.group(1), runtime=runtime, series=True)
            if release is not None:
                ends.append((data.end_of_support(name, release), f"{name} {release.key}"))
    if not ends:
        return None
    end, what = min(ends)
    return what, end


def _check(ctx: RuleContext) -> Iterator[Hit]:
    today = ctx.today or datetime.datetime.now(datetime.UTC).date()
    data = ctx.eol or current_eol()
    for stage in ctx.dockerfile.stages:
        ref = stage.ref
        if ref is None or ref.has_variables or ref.registry != "docker.io" or not ref.tag:
            continue
        found = end_of_life(data, ref.repository, ref.tag)
        if found is not None and found[1] < today:
            what, end = found
            yield Hit(
                stage.from_.line,
                stage.from_.line,
                f"{ref.raw} ({what}) reached end of life on {end.isoformat()}: no security "
                "fixes since",
                extra={"eol": end.isoformat(), "eol_data_as_of": data.as_of.isoformat()},
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
