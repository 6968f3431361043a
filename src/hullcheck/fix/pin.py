"""HC1002: FROM (and COPY --from, RUN --mount from) pinned to registry digests.

The resolving and the token rewrite are ``hullcheck pin``'s
(:mod:`hullcheck.provenance.pin`); this fixer only turns each pin into an edit of the
one line it changes, so it goes through the same proof as every other fix.  It runs
only when registry access is given (``fix --pin``).
"""

from __future__ import annotations

from collections.abc import Iterator

from hullcheck.errors import HullcheckError
from hullcheck.fix.base import Change, Edit, FixContext, Fixer
from hullcheck.provenance.pin import find_images, plan, rewrite


def _plan(ctx: FixContext) -> Iterator[Change]:
    if ctx.resolver is None:
        return
    lines = ctx.hit_lines("HC1002")
    uses = [u for u in find_images(ctx.dockerfile) if u.line in lines and not u.pinned]
    if not uses:
        return
    try:
        changes, _notes = plan(uses, ctx.resolver, update=False)
    except HullcheckError:
        raise
    for change in changes:
        use = change.use
        old_lines = ctx.text.split("\n")
        new_lines = rewrite(ctx.text, [change]).split("\n")
        for idx in range(use.line - 1, min(use.end_line, len(old_lines))):
            if old_lines[idx] != new_lines[idx]:
                start = ctx.starts[idx]
                yield Change(
                    "pin-digest",
                    use.line,
                    f"pin {use.text} to {change.new_digest}",
                    (Edit(start, start + len(old_lines[idx]), new_lines[idx]),),
                    key=f"pin-digest:{use.line}:{use.text}",
                )
                break


FIXER = Fixer(
    "pin-digest",
    "FROM pinned to a digest (hullcheck pin)",
    _plan,
    rule="HC1002",
    needs_resolver=True,
)
FIXERS = (FIXER,)
