"""A conversation's budget, the one owner both faces ask: whose it is (its own, else the
`conversation_budget` setting's: `budget.budget_limit`), what has been spent against it (the
model's cost of its turns where a price was known, plus the running cost of the sandboxes it
created) and the budget each of its turns checks (`TurnBudget`).

Where a conversation's own budget and its turns are kept is its `BudgetLedger`: the store for
the window's (`ConversationBudgets.stored`), memory for the terminal's (`turn_ledger`). The
budget dialog, a stored turn's check, `/budget` and `/cost` all read `ConversationBudgets`, so
the two faces count alike and stop at the same point.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Protocol

from desktop.core.agent.budget import (
    BudgetStatus,
    OwnBudget,
    TurnBudget,
    budget_limit,
    no_sandbox_cost,
)
from desktop.core.store.spending import Spending

if TYPE_CHECKING:
    from desktop.core.store.facade import ConversationRepository

SandboxCost = Callable[[str], Decimal]
"""What the sandboxes conversation `id` created have cost so far (any thread may ask)."""


@dataclass(frozen=True)
class BudgetRecord:
    """What a ledger keeps of one conversation for its budget: its own (None: the setting's)
    and what its turns spent."""

    own: OwnBudget
    spending: Spending


class BudgetLedger(Protocol):
    """Where conversations' own budgets and spending are kept."""

    async def budget_record(self, conversation_id: str) -> BudgetRecord: ...

    async def set_budget(self, conversation_id: str, own: OwnBudget) -> None: ...


class StoredLedger:
    """The conversation store's: the conversation's `budget` column and its turns' totals
    (kept with it, also after its turns are deleted)."""

    def __init__(self, repository: ConversationRepository) -> None:
        self._repository = repository

    async def budget_record(self, conversation_id: str) -> BudgetRecord:
        conversation = await self._repository.get_conversation(conversation_id)
        spending = Spending(
            conversation.usage, conversation.turn_count, conversation.unpriced_turns
        )
        return BudgetRecord(conversation.budget, spending)

    async def set_budget(self, conversation_id: str, own: OwnBudget) -> None:
        await self._repository.set_budget(conversation_id, own)


class ConversationBudgets:
    """`default()`: the `conversation_budget` setting, as in use when asked; `sandbox_cost(id)`:
    what the sandboxes conversation `id` created have cost so far (None: not counted here)."""

    def __init__(
        self,
        ledger: BudgetLedger,
        default: Callable[[], Decimal | None],
        sandbox_cost: SandboxCost | None = None,
    ) -> None:
        self._ledger = ledger
        self._default = default
        self._sandbox_cost = sandbox_cost

    @classmethod
    def stored(
        cls,
        repository: ConversationRepository,
        default: Callable[[], Decimal | None],
        sandbox_cost: SandboxCost | None = None,
    ) -> ConversationBudgets:
        """The budgets of the conversations in the store (the window's)."""
        return cls(StoredLedger(repository), default, sandbox_cost)

    def _sandboxes(self, conversation_id: str) -> Callable[[], Decimal]:
        cost = self._sandbox_cost
        return (lambda: cost(conversation_id)) if cost is not None else no_sandbox_cost

    async def status(self, conversation_id: str) -> BudgetStatus:
        """Its budget and what has been spent against it, as both faces show it."""
        record = await self._ledger.budget_record(conversation_id)
        return BudgetStatus(
            limit=budget_limit(record.own, self._default()),
            own=record.own,
            model=record.spending.usage.cost or Decimal(0),
            sandboxes=self._sandboxes(conversation_id)(),
            unpriced_turns=record.spending.unpriced_turns,
        )

    async def turn_budget(self, conversation_id: str) -> TurnBudget | None:
        """The budget its next turn checks before each model request (None: it has none):
        what its earlier turns spent, its sandboxes' cost asked again at each check."""
        status = await self.status(conversation_id)
        if status.limit is None:
            return None
        return TurnBudget(status.limit, status.model, self._sandboxes(conversation_id))

    async def set(self, conversation_id: str, own: OwnBudget) -> BudgetStatus:
        """Keep `own` with the conversation (its next model request is checked against it)."""
        await self._ledger.set_budget(conversation_id, own)
        return await self.status(conversation_id)
