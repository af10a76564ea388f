"""A reply that ends without saying how: one sentence live, stored and shown again."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import AsyncIterator, Sequence
from pathlib import Path

from pydantic_ai.messages import ModelMessage

from desktop.core.agent.events import TextDelta, TurnEvent
from desktop.core.consent.approvals import ConsentState
from desktop.core.conversations.history import items_from_turn
from desktop.core.conversations.persistent import PersistentChat
from desktop.core.conversations.transcript import ErrorItem
from desktop.core.errors import REPLY_ENDED_MESSAGE
from desktop.core.router.types import ConnectionInfo
from desktop.core.store.facade import AsyncConversationStore


class _EndsEarly:
    """A session's turn that stops after some text, with no outcome (a broken contract)."""

    def __aiter__(self) -> AsyncIterator[TurnEvent]:
        return self._events()

    async def _events(self) -> AsyncIterator[TurnEvent]:
        yield TextDelta("part of it")

    def cancel(self) -> None:
        pass

    async def aclose(self) -> None:
        pass


class _Session:
    router_session_id: str | None = None

    def __init__(self) -> None:
        self.consent = ConsentState()

    async def check(self) -> ConnectionInfo:
        raise AssertionError("not needed")

    async def connect(self) -> ConnectionInfo:
        raise AssertionError("not needed")

    def run_turn(self, prompt: str) -> _EndsEarly:
        return _EndsEarly()

    def new_conversation(self) -> None:
        pass

    def load_history(self, messages: Sequence[ModelMessage]) -> None:
        pass

    async def aclose(self) -> None:
        pass


def test_a_reply_without_an_outcome_fails_with_the_one_sentence(tmp_path: Path) -> None:
    async def scenario() -> None:
        store = await AsyncConversationStore.open(tmp_path / "c.sqlite3")
        try:
            chat = PersistentChat(store, lambda _id, _history: _Session(), model="openai:gpt-5")
            events = [event async for event in chat.run_turn("go")]
            assert events == [TextDelta("part of it")]  # the face says how it ended, live
            assert chat.conversation_id is not None
            [turn] = await store.turns(chat.conversation_id)
            assert (turn.status, turn.error) == ("failed", REPLY_ENDED_MESSAGE)
            assert items_from_turn(turn)[-1] == ErrorItem(REPLY_ENDED_MESSAGE)
            # A failed turn stored without its reason says the same.
            no_reason = items_from_turn(dataclasses.replace(turn, error=None))
            assert no_reason[-1] == ErrorItem(REPLY_ENDED_MESSAGE)
        finally:
            await store.aclose()

    asyncio.run(scenario())
