"""Every fixer, in the order they are tried: one import and one entry per fix family."""

from __future__ import annotations

from hullcheck.fix import cleanup, final_stage, flags, forms, pin, pipefail
from hullcheck.fix.base import Fixer

FIXERS: tuple[Fixer, ...] = (
    *flags.FIXERS,
    *cleanup.FIXERS,
    *pipefail.FIXERS,
    *forms.FIXERS,
    *pin.FIXERS,
    *final_stage.FIXERS,
)


def select(ids: list[str] | None, unsafe: bool, resolver: bool) -> tuple[Fixer, ...]:
    """The fixers to run: those named by id or rule id (all when none), unsafe ones only
    with ``unsafe``, the digest pin only with registry access.  ``KeyError`` for an
    unknown name."""
    wanted = {i.upper() for i in ids or ()}
    known = {f.id.upper() for f in FIXERS} | {f.rule for f in FIXERS if f.rule}
    unknown = wanted - known
    if unknown:
        raise KeyError(sorted(unknown)[0])
    out = []
    for fixer in FIXERS:
        if wanted and fixer.id.upper() not in wanted and (fixer.rule or "") not in wanted:
            continue
        if fixer.unsafe and not unsafe:
            continue
        if fixer.needs_resolver and not resolver:
            continue
        out.append(fixer)
    return tuple(out)
