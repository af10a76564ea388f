"""A stored conversation's budget as the window reads and sets it (`budget.BudgetStatus`): its
own amount or the setting's, what its model turns and its sandboxes have cost."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import TYPE_CHECKING

from desktop.core.agent.budget import BudgetStatus, OwnBudget, budget_limit

if TYPE_CHECKING:
    from desktop.core.store.facade import ConversationRepository

SandboxCost = Callable[[str], Decimal]


class ConversationBudgets:
    """`default()`: the `conversation_budget` setting, as in use; `sandbox_cost(id)`: what the
    sandboxes conversation `id` created have cost so far (None: not counted here)."""

    def __init__(
        self,
        repository: ConversationRepository,
        default: Callable[[], Decimal | None],
        sandbox_cost: SandboxCost | None = None,
    ) -> None:
        self._repository = repository
        self._default = default
        self._sandbox_cost = sandbox_cost

    async def status(self, conversation_id: str) -> BudgetStatus:
        conversation = await self._repository.get_conversation(conversation_id)
        own = conversation.budget
        return BudgetStatus(
            limit=budget_limit(own, self._default()),
            own=own,
            model=conversation.usage.cost or Decimal(0),
            sandboxes=self._sandbox_cost(conversation_id) if self._sandbox_cost else Decimal(0),
            unpriced_turns=conversation.unpriced_turns,
        )

    async def set(self, conversation_id: str, own: OwnBudget) -> BudgetStatus:
        """Keep `own` with the conversation (its next model request is checked against it)."""
        await self._repository.set_budget(conversation_id, own)
        return await self.status(conversation_id)
