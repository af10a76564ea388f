"""A stored turn cut off from outside (its task cancelled, as at shutdown): kept as stopped."""

from __future__ import annotations

import asyncio
from pathlib import Path

from desktop.core.agent.events import TextDelta
from desktop.core.conversations.persistent import ConversationChange
from desktop.core.store.records import TurnRecord
from tests.fakes.harness import FakeServices
from tests.fakes.openai_script import Reply
from tests.integration.chat_helpers import run
from tests.integration.conversation_helpers import chat_for, open_store


def test_a_turn_cut_off_from_outside_is_stored_as_stopped(
    fake_services: FakeServices, tmp_path: Path
) -> None:
    fake_services.openai.script.push(
        Reply.slow_text("alpha beta gamma delta epsilon zeta", delay_per_chunk=0.3)
    )

    changes: list[ConversationChange] = []

    async def scenario() -> tuple[list[TurnRecord], int, str | None, str | None]:
        store = await open_store(tmp_path / "c.sqlite3")
        chat = chat_for(fake_services, store, on_change=changes.append)
        got_text = asyncio.Event()

        async def consume() -> None:
            async for event in chat.run_turn("Say Greek letters"):
                if isinstance(event, TextDelta):
                    got_text.set()

        try:
            task = asyncio.ensure_future(consume())
            await asyncio.wait_for(got_text.wait(), 10)
            task.cancel()  # as at shutdown: no Stop, the task itself is cancelled
            await asyncio.gather(task, return_exceptions=True)
            cid = chat.conversation_id
            assert cid is not None
            stored_router_id = (await store.get_conversation(cid)).router_session_id
            return (
                await store.turns(cid),
                len(await store.history(cid)),
                stored_router_id,
                chat.session.router_session_id,
            )
        finally:
            await chat.aclose()
            await store.aclose()

    [turn], history_length, stored_router_id, router_id = run(scenario())
    assert turn.status == "cancelled"
    assert turn.text.startswith("alph")
    assert turn.error is None
    # Kept as Stop keeps it (issue 10 item 9; before, nothing was): the prompt and the partial
    # reply, which the model sees on the next turn.
    assert history_length == 2
    assert changes[-1] == ConversationChange(
        turn.conversation_id, created=False, turn_id=turn.id, completed=True
    )
    assert router_id is not None and stored_router_id == router_id
