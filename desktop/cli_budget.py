"""The terminal's `/budget`: shows (`/budget`), sets (`/budget 2.50`) or removes (`/budget off`)
the budget of the terminal's conversation, which each of its turns checks (`MemoryChat`).

Every rule is the core's `ConversationBudgets` (the window's too): the conversation's own
budget, else the `conversation_budget` setting's; what counts is what its turns spent (kept in
memory by a `TurnLedger`, as the terminal's conversation is) and what its sandboxes have cost.
Its own budget lasts as long as the terminal does.
"""

from __future__ import annotations

from collections.abc import Callable

from desktop.core.agent.budget import NO_BUDGET, BudgetStatus, OwnBudget, parse_amount
from desktop.core.conversations.budgets import ConversationBudgets
from desktop.terminal import Terminal

COMMAND = "/budget"
USAGE = f"Type {COMMAND} to see it, {COMMAND} AMOUNT (dollars, like 2.50) or {COMMAND} off."


class BudgetCommand:
    """The budget of the conversation `conversation_id()` names, as `budgets` has it."""

    def __init__(
        self,
        term: Terminal,
        budgets: ConversationBudgets,
        conversation_id: Callable[[], str],
    ) -> None:
        self.term = term
        self.budgets = budgets
        self._conversation_id = conversation_id

    @staticmethod
    def handles(line: str) -> bool:
        words = line.split()
        return bool(words) and words[0].lower() == COMMAND

    async def status(self) -> BudgetStatus:
        return await self.budgets.status(self._conversation_id())

    async def run(self, line: str) -> None:
        args = line.split()[1:]
        if len(args) > 1:
            self.term.error(USAGE)
            return
        if args:
            own: OwnBudget
            if args[0].lower() in (NO_BUDGET, "none"):
                own = NO_BUDGET
            else:
                try:
                    own = parse_amount(args[0])
                except ValueError as exc:
                    self.term.error(f"{exc} {USAGE}")
                    return
            status = await self.budgets.set(self._conversation_id(), own)
        else:
            status = await self.status()
        lead = "Budget of this conversation" if not args else "Budget set"
        self.term.line(f"{lead}: {status.words()}")
        if status.reached:
            self.term.dim(f"  (reached: the agent stops before asking the model; {USAGE})")
        elif not args:
            self.term.dim(f"  ({COMMAND} AMOUNT sets it, {COMMAND} off removes it.)")
