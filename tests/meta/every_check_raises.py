"""A pytest plugin (``-p tests.meta.every_check_raises``) that makes every check crash.

Loaded into a child pytest run by ``test_crashes_fail_the_suite``: every lint rule's
``check``, every image rule family's analyser and every cataloger's ``parse`` raises.
A test suite that still passes under it would pass whatever the checks do, so the
meta-test demands that the rule and image-rule suites fail.  ``HULLCHECK_RAISE`` picks
what raises: ``rules``, ``analysers``, ``catalogers`` (comma-separated; default all).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

import pytest


class Boom(RuntimeError):
    """The crash every patched check raises."""


def _boom(*args: Any, **kwargs: Any) -> Any:
    raise Boom("every check raises (tests.meta.every_check_raises)")


class _CrashingAnalyser:
    def subscriptions(self, image: Any) -> Sequence[Any]:
        return ()

    def finish(self, image: Any, walk: Any) -> Any:
        _boom()


def pytest_configure(config: pytest.Config) -> None:
    what = set(os.environ.get("HULLCHECK_RAISE", "rules,analysers,catalogers").split(","))
    if "rules" in what:
        from hullcheck.rules import registry as rules

        for rule in rules.RULES:
            object.__setattr__(rule, "check", _boom)
    if "analysers" in what:
        from hullcheck.imagerules import registry as imagerules

        for family in imagerules.FAMILIES:
            family.analyser = lambda settings: _CrashingAnalyser()  # type: ignore[attr-defined]
    if "catalogers" in what:
        from hullcheck.catalog import registry as catalogs

        for cataloger in catalogs.CATALOGERS:
            try:
                object.__setattr__(cataloger, "parse", _boom)
            except (AttributeError, TypeError):
                type(cataloger).parse = _boom  # type: ignore[method-assign]
