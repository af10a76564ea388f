"""A reply that ends without saying how: one sentence live, stored and shown again."""

from __future__ import annotations

import asyncio
import dataclasses
from pathlib import Path

from desktop.core.agent.events import TextDelta
from desktop.core.conversations.history import items_from_turn
from desktop.core.conversations.persistent import PersistentChat
from desktop.core.conversations.transcript import ErrorItem
from desktop.core.errors import REPLY_ENDED_MESSAGE
from desktop.core.store.facade import AsyncConversationStore
from tests.unit.conversations.scripted_session import ScriptedSession


def test_a_reply_without_an_outcome_fails_with_the_one_sentence(tmp_path: Path) -> None:
    async def scenario() -> None:
        store = await AsyncConversationStore.open(tmp_path / "c.sqlite3")
        try:
            chat = PersistentChat(
                store,
                lambda _id, _history: ScriptedSession(TextDelta("part of it")),
                model="openai:gpt-5",
            )
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
