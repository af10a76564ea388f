"""The optional money budget of a conversation: the agent stops before a model request that
would start past it.

What counts: the model's cost of the conversation's earlier turns and of the running one (as
Pydantic AI prices it from genai-prices; a model without a known price adds nothing, which the
faces say as "price unknown"), plus the running cost so far of the sandboxes the conversation
created (`desktop.core.sandboxes`). The check runs before each model request of a turn
(`run_capabilities.BudgetGuard`), so a turn already under way stops at its next request: the
tool calls it made stay in the conversation. Reaching the budget is a `BudgetReachedError`, a
user-facing error whose `Fix` (`Remedy.RAISE_BUDGET`) each face words for its own controls.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

from desktop.core.errors import ErrorKind, Fix, Remedy, UserFacingError, neutral_text
from desktop.core.money import money_text


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
