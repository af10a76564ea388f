"""A turn that created a sandbox and is then stopped or cut off (as at quit) keeps the call that
ran: its messages on disk hold the prompt, the call and its return, and the model hears of it."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path
from typing import Literal

import pytest

from desktop.core.agent.events import ApprovalRequested, TextDelta, ToolCallFinished
from desktop.core.agent.worker import AgentLoop
from desktop.core.consent.approvals import ConsentState, Decision, Scope
from desktop.core.conversations.rewind_warning import rewind_warning
from desktop.core.conversations.threaded import on_agent_loop
from desktop.core.store.records import TurnRecord
from desktop.core.store.sqlite import ConversationStore
from tests.fakes.e2b_state import SEED_PAUSED_ID, SEED_RUNNING_ID
from tests.fakes.harness import FakeServices
from tests.fakes.openai_script import Reply
from tests.integration.chat_helpers import run
from tests.integration.conversation_helpers import (
    chat_for,
    collect_turn,
    continue_conversation,
    open_store,
)
from tests.integration.test_consent import LIST_AND_KILL_BOTH
from tests.integration.work_kept_helpers import (
    CREATE_PROMPT,
    assert_history_holds_the_create,
    assert_messages_hold_the_create,
    assert_model_was_told,
    created_sandbox,
    sandbox_ids,
    script_create_then_talk,
)

CREATE_ALLOWED = ConsentState(rules=frozenset({"E2B_CREATE_SANDBOX"}))


def _stored_messages(db: Path) -> list[tuple[str, str | None]]:
    with sqlite3.connect(db) as raw:
        return [tuple(row) for row in raw.execute("SELECT status, messages_json FROM turns")]


@pytest.mark.parametrize("how", ["stop", "quit"])
def test_a_turn_stopped_or_quit_after_a_create_keeps_the_call(
    fake_services: FakeServices, tmp_path: Path, how: Literal["stop", "quit"]
) -> None:
    """Stop is the turn's own cancel; quit is the window's shutdown: the face's task awaiting
    the turn across the agent's thread is cancelled (`ChatController.aclose`)."""
    db = tmp_path / "c.sqlite3"
    before = sandbox_ids(fake_services)
    script_create_then_talk(fake_services)

    async def cut_off() -> str:
        store = await open_store(db)
        chat = chat_for(fake_services, store, consent=CREATE_ALLOWED)
        agent_loop = AgentLoop()
        backend = on_agent_loop(agent_loop, chat)
        talking = asyncio.Event()
        try:
            turn = backend.run_turn(CREATE_PROMPT)

            async def consume() -> None:
                finished = False
                async for event in turn:
                    finished = finished or isinstance(event, ToolCallFinished)
                    if finished and isinstance(event, TextDelta):
                        talking.set()

            task = asyncio.ensure_future(consume())
            await asyncio.wait_for(talking.wait(), 20)
            if how == "stop":
                turn.cancel()
            else:
                task.cancel()
            await asyncio.gather(task, return_exceptions=True)
            assert chat.conversation_id is not None
            return chat.conversation_id
        finally:
            await backend.aclose()
            await agent_loop.aclose()
            await store.aclose()

    conversation_id = run(cut_off())
    sandbox = created_sandbox(fake_services, before)
    [(status, messages)] = _stored_messages(db)
    assert status == "cancelled"
    assert_messages_hold_the_create(messages, sandbox)
    with ConversationStore(db) as store:
        assert_history_holds_the_create(store.history(conversation_id), sandbox)

    fake_services.openai.script.push(Reply.text("You created one sandbox."))

    run(continue_conversation(fake_services, db, conversation_id, "Which sandbox did you create?"))
    assert_model_was_told(fake_services, sandbox)
    assert sandbox_ids(fake_services) == before | {sandbox}  # nothing created twice


def test_the_warning_names_only_the_actions_that_ran_of_a_call_allowed_in_part(
    fake_services: FakeServices, tmp_path: Path
) -> None:
    fake_services.openai.script.push(
        Reply.tool_call("COMPOSIO_MULTI_EXECUTE_TOOL", LIST_AND_KILL_BOTH), Reply.text("Done.")
    )

    def allow_first_kill(request: ApprovalRequested) -> tuple[Decision, ...]:
        [call] = request.calls
        return (Decision(call.call_id, {1: Scope.ONCE}),)

    async def scenario() -> list[TurnRecord]:
        store = await open_store(tmp_path / "c.sqlite3")
        chat = chat_for(fake_services, store)
        try:
            await collect_turn(chat, "list my sandboxes", allow_first_kill)
            assert chat.conversation_id is not None
            return await store.turns(chat.conversation_id)
        finally:
            await chat.aclose()
            await store.aclose()

    [turn] = run(scenario())
    assert sandbox_ids(fake_services) == {SEED_PAUSED_ID}
    [card] = turn.tool_cards
    assert card.not_run == (2,)  # kept with the card: the second kill was left out
    warning = rewind_warning(turn)
    assert warning is not None
    assert warning.ran == (f"E2B_DELETE_SANDBOXES sandbox_id={SEED_RUNNING_ID}",)
