"""The turns of a conversation that lives in memory (the terminal's, the window's without a
store: `memory_chat`), as they ended: what each spent and which of the app's models it went to;
its own budget too. A `BudgetLedger` for `ConversationBudgets`, as the store is for the
window's stored conversations."""

from __future__ import annotations

import threading
from dataclasses import dataclass

from desktop.core.agent.budget import OwnBudget
from desktop.core.agent.events import TurnCancelled, TurnEvent, TurnFailed, TurnFinished, Usage
from desktop.core.conversations.budgets import BudgetRecord
from desktop.core.store.spending import Spending, spending_of


@dataclass(frozen=True)
class LedgerTurn:
    """One turn: its usage, and the model string it went to as the app names it
    ("google:gemini-2.5-flash", not Pydantic AI's "google-gla")."""

    usage: Usage
    model: str = ""


class TurnLedger:
    """Told of every turn event (`observe`); keeps the turns that spent, per conversation."""

    def __init__(self) -> None:
        self._turns: dict[str, list[LedgerTurn]] = {}
        self._own: dict[str, OwnBudget] = {}
        # The window's turns are told on the agent's thread, its budget dialog reads on its own.
        self._lock = threading.Lock()

    def observe(self, conversation_id: str, event: TurnEvent) -> None:
        """A turn's event: its end is kept when the turn finished, or stopped or failed after
        asking the model (what those requests cost counts all the same)."""
        if isinstance(event, TurnFinished) or (
            isinstance(event, TurnCancelled | TurnFailed) and event.usage.requests
        ):
            turn = LedgerTurn(event.usage, event.model)
            with self._lock:
                self._turns.setdefault(conversation_id, []).append(turn)

    def turns(self, conversation_id: str) -> tuple[LedgerTurn, ...]:
        with self._lock:
            return tuple(self._turns.get(conversation_id, ()))

    def spending(self, conversation_id: str) -> Spending:
        return spending_of(turn.usage for turn in self.turns(conversation_id))

    def last_reply(self, conversation_id: str) -> str | None:
        """Which model wrote the conversation's last reply (None before any)."""
        answered = (t.model for t in reversed(self.turns(conversation_id)) if t.usage.requests)
        return next((model for model in answered if model), None)

    async def budget_record(self, conversation_id: str) -> BudgetRecord:
        with self._lock:
            own = self._own.get(conversation_id)
        return BudgetRecord(own, self.spending(conversation_id))

    async def set_budget(self, conversation_id: str, own: OwnBudget) -> None:
        with self._lock:
            self._own[conversation_id] = own
