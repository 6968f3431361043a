"""The one renderer of human tables: aligned columns of text, every cell made visible.

Every table a person reads (the layer table of a scan, ``sbom``'s package list,
``advise``'s ranking, ``rules``...) goes through :func:`pad` or :func:`columns`, so
alignment, the two-space gutter, truncation of the last column and the escaping of
hostile text (names and paths come from images) are decided in one place.
"""

from __future__ import annotations

from collections.abc import Sequence

from hullcheck.report.source_lines import visible

GUTTER = "  "
ELLIPSIS = "…"


def pad(
    head: Sequence[str],
    rows: Sequence[Sequence[str]],
    *,
    right: Sequence[int] = (),
    drop_empty: bool = False,
    last_width: int | None = None,
) -> list[list[str]]:
    """The header and rows with each cell made visible and padded to its column's width.

    ``right``: indexes of right-aligned (numeric) columns.  ``drop_empty``: leave out a
    column whose rows are all empty.  ``last_width``: truncate the last column to that many
    characters (ending in ``…``); the last column is never padded, so lines carry no
    trailing blanks.
    """
    table = [[visible(c) for c in head], *([visible(c) for c in row] for row in rows)]
    ncols = len(head)
    keep = [
        i
        for i in range(ncols)
        if not drop_empty or i == ncols - 1 or any(row[i] for row in table[1:])
    ]
    widths = {i: max(len(row[i]) for row in table) for i in keep}
    out: list[list[str]] = []
    for row in table:
        cells: list[str] = []
        for i in keep:
            cell = row[i]
            if i == ncols - 1:
                if last_width is not None and len(cell) > last_width:
                    cell = cell[: max(last_width - 1, 0)] + ELLIPSIS
                cells.append(cell)
            elif i in right:
                cells.append(cell.rjust(widths[i]))
            else:
                cells.append(cell.ljust(widths[i]))
        out.append(cells)
    return out


def columns(
    head: Sequence[str],
    rows: Sequence[Sequence[str]],
    *,
    right: Sequence[int] = (),
    drop_empty: bool = False,
    last_width: int | None = None,
    indent: str = "",
) -> list[str]:
    """The table as lines of text (no trailing blanks), header first."""
    return [
        (indent + GUTTER.join(cells)).rstrip()
        for cells in pad(head, rows, right=right, drop_empty=drop_empty, last_width=last_width)
    ]


def width_used(padded: Sequence[Sequence[str]]) -> int:
    """Characters the padded columns before the last take, gutters included."""
    if not padded:
        return 0
    return sum(len(c) + len(GUTTER) for c in padded[0][:-1])
