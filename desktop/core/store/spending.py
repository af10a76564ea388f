"""What the model cost, summed from the stored turns: a conversation's total is kept with it
(`conversations` columns, also after its turns are deleted); a day's is summed from the turns
completed that day (a deleted turn no longer counts there)."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from decimal import Decimal

from desktop.core.agent.events import Usage
from desktop.core.store.codec import usage_columns, usage_from_columns


@dataclass(frozen=True)
class Spending:
    """Tokens and money of some turns. `usage.cost` sums the turns whose price was known
    (None when none was); `unpriced_turns` used tokens at a price nobody knew, so a face says
    "price unknown" for them rather than counting them as free."""

    usage: Usage = field(default_factory=Usage)
    turns: int = 0
    unpriced_turns: int = 0

    @property
    def priced_cost(self) -> Decimal | None:
        """What the priced turns cost, as both faces say it: $0 when none was priced and none
        used tokens at an unknown price (nothing known to be spent), None when only such
        turns were (the price is unknown)."""
        if self.usage.cost is None and not self.unpriced_turns:
            return Decimal(0)
        return self.usage.cost


def spending_of(turns: Iterable[Usage]) -> Spending:
    """What `turns` spent, each counted once; the one rule of a turn at an unknown price (it
    used tokens and nobody knew their price) in Python, as `rows.CONVERSATION_COLUMNS` is in
    SQL."""
    total = Usage()
    count = unpriced = 0
    for usage in turns:
        total += usage
        count += 1
        unpriced += usage.cost is None and usage.input_tokens + usage.output_tokens > 0
    return Spending(total, count, unpriced)


def day_bounds(moment: datetime) -> tuple[float, float]:
    """The local calendar day of `moment` (aware), as epoch seconds [start, end)."""
    local = moment.astimezone()
    start = datetime.combine(local.date(), time(0), tzinfo=local.tzinfo)
    return start.timestamp(), (start + timedelta(days=1)).timestamp()


# Read through the index `turns_by_completed` (schema v7): no scan of every turn ever stored.
BETWEEN_SQL = (
    "SELECT input_tokens, output_tokens, requests, tool_calls, cost FROM turns"
    " WHERE completed_at >= ? AND completed_at < ?"
)


def spending_between(conn: sqlite3.Connection, start: float, end: float) -> Spending:
    rows = conn.execute(BETWEEN_SQL, (start, end)).fetchall()
    return spending_of(usage_from_columns(*row) for row in rows)


def add_to_conversation(conn: sqlite3.Connection, pk: int, usage: Usage, now: float) -> None:
    """Add a completed turn's usage to its conversation's totals."""
    row = conn.execute(
        "SELECT input_tokens, output_tokens, requests, tool_calls, cost"
        " FROM conversations WHERE pk = ?",
        (pk,),
    ).fetchone()
    total = usage_from_columns(*row) + usage
    conn.execute(
        "UPDATE conversations SET input_tokens = ?, output_tokens = ?, requests = ?,"
        " tool_calls = ?, cost = ?, updated_at = ? WHERE pk = ?",
        (*usage_columns(total), now, pk),
    )
