"""``hullcheck rules`` lists every rule of every kind; ``hullcheck rules explain KEY``
prints one in full (KEY: an id, a name, or an alias such as a hadolint code)."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from hullcheck import rulebook
from hullcheck.diagnostics import suggest
from hullcheck.errors import InputError


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "rules",
        help="list every rule (Dockerfile, image, secret, vulnerability), or explain one",
        description="List every rule hullcheck reports: id, name, practice, default severity "
        "and aliases (hadolint codes, former ids).",
    )
    parser.add_argument("--format", choices=("table", "json"), default="table")
    parser.add_argument("--kind", choices=rulebook.KINDS, help="only rules of this kind")
    actions = parser.add_subparsers(dest="action", metavar="explain")
    explain = actions.add_parser(
        "explain",
        help="print one rule in full",
        description="Print one rule in full: what it checks, why it matters, the fix.",
    )
    explain.add_argument("key", metavar="ID|NAME|ALIAS")
    explain.add_argument("--format", choices=("text", "json"), default="text")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if args.action == "explain":
        return _explain(args.key, args.format)
    rules = [r for r in rulebook.all_rules() if args.kind in (None, r.kind)]
    if args.format == "json":
        sys.stdout.write(json.dumps([rulebook.to_json(r) for r in rules], indent=2) + "\n")
    else:
        sys.stdout.write(rulebook.table(rules))
    return 0


def _explain(key: str, form: str) -> int:
    found = rulebook.find(key)
    if not found:
        shown = key.strip()[:80]
        raise InputError(
            f"no rule has the id, name or alias {shown!r}{suggest(shown, rulebook.keys())}"
        )
    if form == "json":
        sys.stdout.write(json.dumps([rulebook.to_json(r) for r in found], indent=2) + "\n")
    else:
        sys.stdout.write("\n".join(rulebook.explain(r) for r in found))
    return 0
