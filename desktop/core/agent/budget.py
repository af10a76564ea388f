"""The optional money budget of a conversation: the agent stops before a model request that
would start past it.

Whose budget: each conversation may have its own (`OwnBudget`: an amount, "off", or None to
follow the `conversation_budget` setting, which is thus the default of every conversation that
was given none, old and new alike); `budget_limit` is the one rule.

What counts: the model's cost of the conversation's turns, finished or not (a turn stopped or
failed counts what its requests cost), and of the running one, as Pydantic AI prices it from
genai-prices, plus the running cost so far of the sandboxes the conversation created
(`desktop.core.sandboxes`). A turn whose price is unknown adds nothing, and says so: the faces
show how many turns the budget could not count (`BudgetStatus`). The check runs before each
model request of a turn (`run_capabilities.BudgetGuard`), so a turn already under way stops at
its next request: the tool calls it made stay in the conversation. Reaching the budget is a
`BudgetReachedError`, a user-facing error whose `Fix` (`Remedy.RAISE_BUDGET`) each face words
for its own controls.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import ROUND_CEILING, Decimal, InvalidOperation
from typing import Annotated, Literal

from annotated_types import Gt, Le

from desktop.core.errors import ErrorKind, Fix, Remedy, UserFacingError, neutral_text
from desktop.core.money import CENT, money_text

MAX_BUDGET = Decimal(1_000_000)
NO_BUDGET: Literal["off"] = "off"

Amount = Annotated[Decimal, Gt(0), Le(MAX_BUDGET)]
OwnBudget = Amount | Literal["off"] | None
"""A conversation's own budget: an amount (USD), "off" (none, whatever the setting says), or
None: the `conversation_budget` setting's (every conversation stored before this was kept)."""


def budget_limit(own: OwnBudget, default: Decimal | None) -> Decimal | None:
    """The most a conversation may spend (None: no budget): its own, else the setting's."""
    if own is None:
        return default
    return None if own == NO_BUDGET else Decimal(own)


_THOUSANDS = re.compile(r"\d{1,3}(,\d{3})+(\.\d+)?")


def parse_amount(text: str) -> Decimal:
    """A budget typed by a person ("2.50", "$2.50", "1,000"): ValueError with the sentence to
    show when it is not an amount over $0 and up to the most allowed."""
    cleaned = text.strip().removeprefix("$").strip()
    if "," in cleaned:
        if not _THOUSANDS.fullmatch(cleaned):  # "1,50": cents after a comma, not $150
            raise ValueError(
                "Write cents after a point, like 1.50; a comma only between thousands."
            )
        cleaned = cleaned.replace(",", "")
    try:
        amount = Decimal(cleaned)
    except InvalidOperation:
        amount = Decimal("NaN")
    if not amount.is_finite() or not 0 < amount <= MAX_BUDGET:
        raise ValueError(
            f"A budget is an amount in US dollars over $0 and up to {money_text(MAX_BUDGET)}, "
            'like 2.50 (or "off" for none).'
        )
    return amount


def raised_amount(limit: Decimal | None, spent: Decimal) -> Decimal:
    """What the raise dialog offers: twice what was allowed (or spent, if more), in whole
    cents, and at least one cent above what was spent."""
    base = max(limit or Decimal(0), spent)
    offered = (base * 2).quantize(CENT, rounding=ROUND_CEILING)
    return min(max(offered, (spent + CENT).quantize(CENT, rounding=ROUND_CEILING)), MAX_BUDGET)


@dataclass(frozen=True)
class BudgetStatus:
    """A conversation's budget and spending, as both faces show it. `model`: what its turns
    cost where the price was known; `unpriced_turns`: turns at a price nobody knew, which the
    budget cannot count (said, never a silent $0); `sandboxes`: its sandboxes' running cost."""

    limit: Decimal | None
    own: OwnBudget = None
    model: Decimal = Decimal(0)
    sandboxes: Decimal = Decimal(0)
    unpriced_turns: int = 0

    @property
    def spent(self) -> Decimal:
        return self.model + self.sandboxes

    @property
    def reached(self) -> bool:
        return self.limit is not None and self.spent >= self.limit

    def offered(self, raising: bool) -> Decimal:
        """The amount a face offers to set: a higher one when raising (or when reached), else
        the one in force; $1.00 for a chat with none (or more, if it spent that already)."""
        if self.limit is None:
            return max(Decimal(1), raised_amount(None, self.spent))
        if raising or self.reached:
            return raised_amount(self.limit, self.spent)
        return self.limit

    def words(self) -> str:
        """ "$0.42 of its $2.50 budget spent (model $0.40, sandboxes $0.02)", or that it has
        none; with the turns it could not count."""
        parts = f"model {money_text(self.model)}, sandboxes {money_text(self.sandboxes)}"
        if self.limit is None:
            said = f"No budget: {money_text(self.spent)} spent ({parts})"
        else:
            said = (
                f"{money_text(self.spent)} of its {money_text(self.limit)} budget spent ({parts})"
            )
            if self.own is None:
                said += ", the default from the settings"
        if self.unpriced_turns:
            turns = "1 turn" if self.unpriced_turns == 1 else f"{self.unpriced_turns} turns"
            said += f"; {turns} at an unknown price not counted"
        return said + "."


def no_sandbox_cost() -> Decimal:
    """What a conversation's sandboxes cost when nobody counts them (no sandbox service)."""
    return Decimal(0)


@dataclass(frozen=True)
class TurnBudget:
    """A conversation's budget as one turn sees it.

    `limit`: the most the conversation may spend (USD); `spent_before`: what its earlier turns'
    model requests cost (known prices only); `sandboxes`: what its sandboxes have cost so far,
    asked again before each request (they cost while the turn runs).
    """

    limit: Decimal
    spent_before: Decimal = Decimal(0)
    sandboxes: Callable[[], Decimal] = field(default=no_sandbox_cost, compare=False)

    def spent(self, run_cost: Decimal | None) -> Decimal:
        """The conversation's spending with the running turn's model cost so far."""
        return self.spent_before + (run_cost or Decimal(0)) + self.sandboxes()

    def check(self, run_cost: Decimal | None) -> None:
        """Raise `BudgetReachedError` when the next model request would start at or past the
        budget."""
        spent = self.spent(run_cost)
        if spent >= self.limit:
            raise BudgetReachedError(spent, self.limit)


class BudgetReachedError(UserFacingError):
    """The conversation has spent its budget: the agent was stopped before a model request."""

    def __init__(self, spent: Decimal, limit: Decimal) -> None:
        self.spent = spent
        self.limit = limit
        fix = Fix(
            Remedy.RAISE_BUDGET,
            f"This conversation has spent {money_text(spent)} of its {money_text(limit)} "
            "budget, so the agent stopped before asking the model again",
        )
        super().__init__(ErrorKind.BUDGET_REACHED, neutral_text(fix), fix)
