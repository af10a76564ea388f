"""The terminal's `/budget`: shows (`/budget`), sets (`/budget 2.50`) or removes (`/budget off`)
the budget of the terminal's conversation, and gives each turn its budget to check.

The terminal's conversation lives in memory, so its own budget lasts as long as the terminal
does; without one, the `conversation_budget` setting applies (`budget.budget_limit`). What
counts is what `SandboxCommands` saw its turns spend and what its sandboxes have cost.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Protocol

from desktop.core.agent.budget import (
    NO_BUDGET,
    BudgetStatus,
    OwnBudget,
    TurnBudget,
    budget_limit,
    parse_amount,
)
from desktop.core.agent.events import Usage

COMMAND = "/budget"
USAGE = f"Type {COMMAND} to see it, {COMMAND} AMOUNT (dollars, like 2.50) or {COMMAND} off."


class Lines(Protocol):
    def line(self, text: str = "") -> None: ...

    def dim(self, text: str) -> None: ...

    def error(self, text: str) -> None: ...


class BudgetCommand:
    """`turns`: the usage of each turn of the conversation so far; `sandbox_cost()`: what its
    sandboxes have cost; `default`: the setting's budget (None: none)."""

    def __init__(
        self,
        term: Lines,
        *,
        default: Decimal | None,
        turns: Callable[[], list[Usage]],
        sandbox_cost: Callable[[], Decimal],
    ) -> None:
        self.term = term
        self.default = default
        self.own: OwnBudget = None  # the conversation's own, set by /budget
        self._turns = turns
        self._sandbox_cost = sandbox_cost

    @staticmethod
    def handles(line: str) -> bool:
        words = line.split()
        return bool(words) and words[0].lower() == COMMAND

    def status(self) -> BudgetStatus:
        turns = self._turns()
        known = (usage.cost for usage in turns if usage.cost is not None)
        unpriced = sum(1 for u in turns if u.cost is None and u.input_tokens + u.output_tokens)
        return BudgetStatus(
            limit=budget_limit(self.own, self.default),
            own=self.own,
            model=sum(known, Decimal(0)),
            sandboxes=self._sandbox_cost(),
            unpriced_turns=unpriced,
        )

    def budget(self) -> TurnBudget | None:
        """The conversation's budget for its next turn (None: it has none)."""
        status = self.status()
        if status.limit is None:
            return None
        return TurnBudget(status.limit, status.model, self._sandbox_cost)

    def run(self, line: str) -> None:
        args = line.split()[1:]
        if len(args) > 1:
            self.term.error(USAGE)
            return
        if args:
            if args[0].lower() in (NO_BUDGET, "none"):
                self.own = NO_BUDGET
            else:
                try:
                    self.own = parse_amount(args[0])
                except ValueError as exc:
                    self.term.error(f"{exc} {USAGE}")
                    return
        status = self.status()
        lead = "Budget of this conversation" if not args else "Budget set"
        self.term.line(f"{lead}: {status.words()}")
        if status.reached:
            self.term.dim(f"  (reached: the agent stops before asking the model; {USAGE})")
        elif not args:
            self.term.dim(f"  ({COMMAND} AMOUNT sets it, {COMMAND} off removes it.)")
