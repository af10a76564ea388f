"""A table for the terminal that fits its width instead of wrapping every line in two.

The free-text column (the sandboxes' metadata) is cut to the room left; when even that does not
fit, whole columns are left out, the least needed first, and the caller says which.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from desktop.core.sandboxes.shown import cut

GAP = 2  # spaces between columns
LEAST_CUT = 12  # a cut column narrower than this is left out instead


@dataclass(frozen=True)
class FittedTable:
    lines: tuple[str, ...]
    left_out: tuple[str, ...]  # the headings of the columns not shown


def fit_table(
    rows: Sequence[Sequence[str]],
    width: int | None,
    *,
    leave_out_first: Sequence[int] = (),
    cuttable: int | None = None,
) -> FittedTable:
    """`rows[0]` is the header. With `width` None (not a terminal: a pipe, a file), every
    column is shown whole. Otherwise the `cuttable` column gives up characters first, then the
    columns of `leave_out_first` go, in that order, until each line fits."""
    shown = list(range(len(rows[0])))
    natural = [max(len(row[i]) for row in rows) for i in shown]

    def room_for(column: int, columns: list[int]) -> int:
        others = [natural[i] for i in columns if i != column]
        return (width or 0) - sum(others) - GAP * (len(columns) - 1)

    limit = list(natural)
    if width is not None:
        for victim in (*leave_out_first, None):
            if sum(limit[i] for i in shown) + GAP * (len(shown) - 1) <= width:
                break
            if cuttable in shown and (room := room_for(cuttable, shown)) >= LEAST_CUT:
                limit[cuttable] = min(natural[cuttable], room)
                break
            if victim is None:
                break  # nothing more to leave out: the lines wrap
            if victim in shown:
                shown.remove(victim)
    lines = []
    for row in rows:
        cells = [cut(row[i], limit[i]) if i == cuttable else row[i] for i in shown]
        padded = [cell.ljust(limit[i]) for cell, i in zip(cells[:-1], shown, strict=False)]
        lines.append((" " * GAP).join([*padded, cells[-1]]).rstrip())
    left_out = tuple(rows[0][i] for i in range(len(rows[0])) if i not in shown)
    return FittedTable(tuple(lines), left_out)
