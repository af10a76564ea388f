"""A conversation kept in memory (`MemoryChat`): each turn is given the budget
`ConversationBudgets` has for the conversation before it starts, its end is counted in the
conversation's ledger (also when it is cut off from outside), its history is kept for the next
backend, and a new chat starts afresh."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from decimal import Decimal
from typing import Any, cast

from pydantic_ai.messages import ModelMessage, ModelRequest, ModelResponse, TextPart, UserPromptPart

from desktop.core.agent.budget import TurnBudget
from desktop.core.agent.events import TextDelta, TurnCancelled, TurnEvent, TurnFinished, Usage
from desktop.core.conversations.budgets import ConversationBudgets
from desktop.core.conversations.memory_chat import MemoryChat, MemoryConversation, MemorySession
from tests.unit.conversations.scripted_session import ScriptedSession, ScriptedTurn

SPENT = Usage(input_tokens=100, output_tokens=20, requests=1, cost=Decimal("0.004"))
LIMIT = Decimal("0.01")
EXCHANGE = (
    ModelRequest(parts=[UserPromptPart("hello")]),
    ModelResponse(parts=[TextPart("hi")]),
)


class CutOffTurn(ScriptedTurn):
    """A turn whose end is produced but not taken yet when its consumer leaves."""

    def leftover(self) -> list[TurnEvent]:
        return [TurnCancelled("hi", usage=SPENT)]


class RecordingSession(ScriptedSession):
    """Every turn yields `events` and adds `EXCHANGE` to the history; what each was given."""

    def __init__(self, *events: TurnEvent, cut_off: bool = False) -> None:
        super().__init__(*events)
        self.history: tuple[ModelMessage, ...] = ()
        self.given: list[tuple[str | None, object]] = []
        self.cut_off = cut_off
        self.new_conversations = 0

    def run_turn(
        self,
        prompt: str,
        attachments: Sequence[object] = (),
        *,
        conversation_id: str | None = None,
        budget: object = None,
    ) -> ScriptedTurn:
        self.given.append((conversation_id, budget))
        self.history = (*self.history, *EXCHANGE)
        return (CutOffTurn if self.cut_off else ScriptedTurn)(self.events)

    def new_conversation(self) -> None:
        self.new_conversations += 1
        self.history = ()


def _chat(session: RecordingSession, memory: MemoryConversation) -> MemoryChat:
    budgets = ConversationBudgets(memory.ledger, lambda: LIMIT)
    return MemoryChat(cast(MemorySession, session), memory, budgets)


async def _collect(turn: AsyncIterator[TurnEvent]) -> list[TurnEvent]:
    return [event async for event in turn]


def test_each_turn_is_given_its_conversation_s_budget_and_counted_as_it_ends() -> None:
    session = RecordingSession(TextDelta("hi"), TurnFinished("hi", SPENT))
    memory = MemoryConversation()
    chat = _chat(session, memory)

    async def scenario() -> None:
        for prompt in ("hello", "hello again"):
            await _collect(aiter(chat.run_turn(prompt)))

    asyncio.run(scenario())
    cid = memory.conversation_id
    # The first turn may spend the whole budget; the next starts with what the first spent.
    assert session.given == [
        (cid, TurnBudget(LIMIT, Decimal(0))),
        (cid, TurnBudget(LIMIT, Decimal("0.004"))),
    ]
    assert len(memory.ledger.turns(cid)) == 2
    assert memory.history == (*EXCHANGE, *EXCHANGE)  # what a backend on new settings continues


def test_a_turn_cut_off_from_outside_still_counts_what_it_spent() -> None:
    session = RecordingSession(TextDelta("h"), TextDelta("i"), cut_off=True)
    memory = MemoryConversation()
    chat = _chat(session, memory)

    async def scenario() -> None:
        events = aiter(chat.run_turn("hello"))
        await anext(events)
        await cast(Any, events).aclose()  # the consumer left (shutdown, new settings)

    asyncio.run(scenario())
    (turn,) = memory.ledger.turns(memory.conversation_id)
    assert turn.usage == SPENT
    assert memory.history == EXCHANGE


def test_a_new_chat_has_a_new_id_no_history_and_nothing_spent() -> None:
    session = RecordingSession(TurnFinished("hi", SPENT))
    memory = MemoryConversation()
    chat = _chat(session, memory)
    asyncio.run(_collect(aiter(chat.run_turn("hello"))))
    before = memory.conversation_id

    chat.new_conversation()

    assert memory.conversation_id != before and chat.conversation_id == memory.conversation_id
    assert memory.history == () and session.new_conversations == 1
    assert memory.ledger.turns(memory.conversation_id) == ()
    asyncio.run(_collect(aiter(chat.run_turn("hello"))))
    assert session.given[-1] == (memory.conversation_id, TurnBudget(LIMIT, Decimal(0)))
