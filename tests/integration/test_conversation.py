"""Stored conversations over the loopback fakes: PersistentChat with the real SQLite store."""

from __future__ import annotations

from pathlib import Path

from desktop.core.agent.events import (
    TextDelta,
    ToolCallStarted,
    TurnCancelled,
    TurnEvent,
    TurnFailed,
    TurnFinished,
)
from desktop.core.conversations.persistent import ConversationChange
from desktop.core.store.records import TurnRecord
from tests.fakes.e2b_emulator import SEED_RUNNING_ID
from tests.fakes.harness import FakeServices
from tests.fakes.openai_conversation import parse_conversation, user_messages
from tests.fakes.openai_script import Reply
from tests.integration.chat_helpers import approve_all, run
from tests.integration.conversation_helpers import (
    chat_for,
    collect_turn,
    open_store,
    sessions_created,
    sessions_resumed,
)


def _users_in_last_request(services: FakeServices) -> list[str]:
    return user_messages(parse_conversation(services.openai.requests[-1].json))


def test_the_first_prompt_creates_the_conversation_and_every_turn_is_stored(
    fake_services: FakeServices, tmp_path: Path
) -> None:
    changes: list[ConversationChange] = []

    async def scenario() -> tuple[list[TurnEvent], list[TurnRecord], str, str | None, str]:
        store = await open_store(tmp_path / "c.sqlite3")
        chat = chat_for(fake_services, store, on_change=changes.append)
        try:
            assert chat.conversation_id is None
            events = await collect_turn(chat, "List my sandboxes\nand say which run")
            cid = chat.conversation_id
            assert cid is not None
            conversation = await store.get_conversation(cid)
            session_id = chat.session.router_session_id
            return events, await store.turns(cid), conversation.title, session_id, cid
        finally:
            await chat.aclose()
            await store.aclose()

    events, turns, title, session_id, cid = run(scenario())
    assert isinstance(events[-1], TurnFinished)
    assert title == "List my sandboxes"
    [turn] = turns
    assert turn.status == "complete"
    assert turn.prompt == "List my sandboxes\nand say which run"
    assert SEED_RUNNING_ID in turn.text
    assert [card.actions[0].slug for card in turn.tool_cards] == ["E2B_LIST_ALL_SANDBOXES"]
    assert turn.tool_cards[0].outcome == "success"
    assert turn.usage.requests == 2
    assert session_id is not None
    assert changes == [
        ConversationChange(cid, created=True, turn_id=turn.id),
        ConversationChange(cid, created=False, turn_id=turn.id, completed=True),
    ]


def test_a_reopened_conversation_continues_with_its_history_and_router_session(
    fake_services: FakeServices, tmp_path: Path
) -> None:
    db = tmp_path / "c.sqlite3"

    async def first_run() -> tuple[str, str | None]:
        store = await open_store(db)
        chat = chat_for(fake_services, store)
        try:
            await collect_turn(chat, "Hello there, I am testing the agent")
            assert chat.conversation_id is not None
            return chat.conversation_id, chat.session.router_session_id
        finally:
            await chat.aclose()
            await store.aclose()

    async def after_restart(cid: str) -> tuple[list[TurnEvent], str | None, str | None]:
        store = await open_store(db)  # a new process would do just this
        stored = (await store.get_conversation(cid)).router_session_id
        chat = chat_for(fake_services, store)
        try:
            chat.open_conversation(cid)
            events = await collect_turn(chat, "What did I just ask?")
            return events, stored, chat.session.router_session_id
        finally:
            await chat.aclose()
            await store.aclose()

    cid, session_id = run(first_run())
    events, stored, resumed = run(after_restart(cid))
    final = events[-1]
    assert isinstance(final, TurnFinished)
    assert "Hello there, I am testing the agent" in final.text
    assert _users_in_last_request(fake_services) == [
        "Hello there, I am testing the agent",
        "What did I just ask?",
    ]
    assert stored == session_id == resumed
    assert sessions_created(fake_services) == 1
    assert session_id is not None and sessions_resumed(fake_services, session_id) >= 1


def test_a_forgotten_router_session_is_replaced_and_the_new_one_stored(
    fake_services: FakeServices, tmp_path: Path
) -> None:
    async def scenario() -> tuple[str | None, str | None, list[TurnEvent]]:
        store = await open_store(tmp_path / "c.sqlite3")
        first = chat_for(fake_services, store)
        try:
            await collect_turn(first, "hello")
            cid = first.conversation_id
            assert cid is not None
            old = first.session.router_session_id
        finally:
            await first.aclose()
        assert old is not None
        fake_services.composio.remove_session(old)  # the backend forgot it
        again = chat_for(fake_services, store, conversation_id=cid)
        try:
            events = await collect_turn(again, "What did I just ask?")
            new = (await store.get_conversation(cid)).router_session_id
            return old, new, events
        finally:
            await again.aclose()
            await store.aclose()

    old, new, events = run(scenario())
    assert isinstance(events[-1], TurnFinished)
    assert "hello" in events[-1].text  # the history survived the new session
    assert new is not None and new != old
    assert sessions_created(fake_services) == 2


def test_stopping_stores_what_arrived_and_the_model_sees_it_next(
    fake_services: FakeServices, tmp_path: Path
) -> None:
    fake_services.openai.script.push(
        Reply.slow_text("one two three four five six seven eight nine ten", delay_per_chunk=0.2)
    )

    async def scenario() -> tuple[list[TurnRecord], list[TurnEvent]]:
        store = await open_store(tmp_path / "c.sqlite3")
        chat = chat_for(fake_services, store)
        try:
            turn = chat.run_turn("Count slowly")
            events = []
            async for event in turn:
                events.append(event)
                if isinstance(event, TextDelta):
                    turn.cancel()
            await collect_turn(chat, "What did I just ask?")
            assert chat.conversation_id is not None
            return await store.turns(chat.conversation_id), events
        finally:
            await chat.aclose()
            await store.aclose()

    turns, events = run(scenario())
    assert isinstance(events[-1], TurnCancelled)
    stopped, answered = turns
    assert stopped.status == "cancelled"
    assert stopped.text.startswith("one") and "ten" not in stopped.text
    assert answered.status == "complete" and "Count slowly" in answered.text
    request = parse_conversation(fake_services.openai.requests[-1].json)
    assert any(t.role == "assistant" and t.text.startswith("one") for t in request)


def test_a_failed_turn_keeps_the_prompt_and_the_error_but_not_in_the_history(
    fake_services: FakeServices, tmp_path: Path
) -> None:
    fake_services.openai.script.push(Reply.error(400, message="Unsupported value: 'nope'"))

    async def scenario() -> tuple[list[TurnRecord], list[TurnEvent]]:
        store = await open_store(tmp_path / "c.sqlite3")
        chat = chat_for(fake_services, store)
        try:
            events = await collect_turn(chat, "This one fails")
            await collect_turn(chat, "What did I just ask?")
            assert chat.conversation_id is not None
            return await store.turns(chat.conversation_id), events
        finally:
            await chat.aclose()
            await store.aclose()

    turns, events = run(scenario())
    assert isinstance(events[-1], TurnFailed)
    failed, answered = turns
    assert failed.status == "failed" and failed.prompt == "This one fails"
    assert failed.error == events[-1].message
    assert answered.status == "complete"
    assert _users_in_last_request(fake_services) == ["What did I just ask?"]


def test_new_conversation_starts_a_separate_stored_conversation(
    fake_services: FakeServices, tmp_path: Path
) -> None:
    async def scenario() -> tuple[str | None, str | None, int]:
        store = await open_store(tmp_path / "c.sqlite3")
        chat = chat_for(fake_services, store)
        try:
            await collect_turn(chat, "First topic")
            first = chat.conversation_id
            chat.new_conversation()
            assert chat.conversation_id is None
            await collect_turn(chat, "What did I just ask?")
            return first, chat.conversation_id, len(await store.list_conversations())
        finally:
            await chat.aclose()
            await store.aclose()

    first, second, count = run(scenario())
    assert first and second and first != second
    assert count == 2
    assert _users_in_last_request(fake_services) == ["What did I just ask?"]
    assert sessions_created(fake_services) == 1  # a new chat keeps the connection


def test_deleting_the_last_turn_and_reopening_rebuilds_the_history(
    fake_services: FakeServices, tmp_path: Path
) -> None:
    async def scenario() -> list[TurnRecord]:
        store = await open_store(tmp_path / "c.sqlite3")
        chat = chat_for(fake_services, store)
        try:
            await collect_turn(chat, "Remember the word apple")
            await collect_turn(chat, "Remember the word pear")
            cid = chat.conversation_id
            assert cid is not None
            removed = await store.delete_last_turn(cid)
            assert removed is not None and removed.prompt == "Remember the word pear"
            chat.open_conversation(cid)  # what regenerate / edit do
            await collect_turn(chat, "Remember the word plum")
            return await store.turns(cid)
        finally:
            await chat.aclose()
            await store.aclose()

    turns = run(scenario())
    assert [t.prompt for t in turns] == ["Remember the word apple", "Remember the word plum"]
    assert _users_in_last_request(fake_services) == [
        "Remember the word apple",
        "Remember the word plum",
    ]


def test_opening_a_conversation_deleted_meanwhile_starts_a_new_one(
    fake_services: FakeServices, tmp_path: Path
) -> None:
    async def scenario() -> tuple[str, str | None, list[TurnEvent]]:
        store = await open_store(tmp_path / "c.sqlite3")
        chat = chat_for(fake_services, store)
        try:
            gone = await store.create_conversation("openai:gpt-5")
            chat.open_conversation(gone)
            await store.delete(gone)
            events = await collect_turn(chat, "hello")
            return gone, chat.conversation_id, events
        finally:
            await chat.aclose()
            await store.aclose()

    gone, now, events = run(scenario())
    assert isinstance(events[-1], TurnFinished)
    assert now is not None and now != gone


def test_a_conversation_deleted_while_on_screen_is_not_sent_to_the_model(
    fake_services: FakeServices, tmp_path: Path
) -> None:
    async def scenario() -> tuple[str | None, str | None]:
        store = await open_store(tmp_path / "c.sqlite3")
        chat = chat_for(fake_services, store)
        try:
            await collect_turn(chat, "my secret word is zebra")
            gone = chat.conversation_id
            assert gone is not None
            await store.delete(gone)  # e.g. from another window
            await collect_turn(chat, "hello again")
            return gone, chat.conversation_id
        finally:
            await chat.aclose()
            await store.aclose()

    gone, now = run(scenario())
    assert now is not None and now != gone
    assert _users_in_last_request(fake_services) == ["hello again"]


def test_tool_cards_and_text_are_recorded_in_order(
    fake_services: FakeServices, tmp_path: Path
) -> None:
    async def scenario() -> tuple[list[TurnEvent], list[TurnRecord]]:
        store = await open_store(tmp_path / "c.sqlite3")
        chat = chat_for(fake_services, store)
        try:
            events = await collect_turn(chat, "list my sandboxes")
            assert chat.conversation_id is not None
            return events, await store.turns(chat.conversation_id)
        finally:
            await chat.aclose()
            await store.aclose()

    events, [turn] = run(scenario())
    started = [e for e in events if isinstance(e, ToolCallStarted)]
    assert [c.call_id for c in turn.tool_cards] == [s.call_id for s in started]
    final = events[-1]
    assert isinstance(final, TurnFinished)
    assert turn.text == final.text.strip()


def test_a_sandbox_created_before_a_failure_is_remembered_after_a_restart(
    fake_services: FakeServices, tmp_path: Path
) -> None:
    fake_services.openai.script.push(
        Reply.tool_call(
            "COMPOSIO_MULTI_EXECUTE_TOOL",
            {
                "tools": [{"tool_slug": "E2B_CREATE_SANDBOX", "arguments": {"templateID": "base"}}],
                "sync_response_to_workbench": False,
            },
        ),
        Reply.error(500),
    )
    database = tmp_path / "c.sqlite3"

    async def scenario() -> str:
        store = await open_store(database)
        chat = chat_for(fake_services, store)
        try:
            events = await collect_turn(chat, "create a sandbox", approve_all)
            assert isinstance(events[-1], TurnFailed)
            assert chat.conversation_id is not None
            return chat.conversation_id
        finally:
            await chat.aclose()
            await store.aclose()

    async def after_restart(conversation_id: str) -> None:
        store = await open_store(database)
        chat = chat_for(fake_services, store, conversation_id=conversation_id)
        try:
            await collect_turn(chat, "which sandbox did you create?", approve_all)
        finally:
            await chat.aclose()
            await store.aclose()

    conversation_id = run(scenario())
    run(after_restart(conversation_id))
    turns = parse_conversation(fake_services.openai.requests[-1].json)
    results = [t for t in turns if t.role == "tool_result"]
    assert results and "sandboxID" in (results[0].text or "")


def test_a_failed_e2b_action_is_stored_with_its_reason_and_duration(
    fake_services_factory,
    tmp_path: Path,  # type: ignore[no-untyped-def]
) -> None:
    services: FakeServices = fake_services_factory(e2b_connected=False)

    async def scenario() -> list[TurnRecord]:
        store = await open_store(tmp_path / "c.sqlite3")
        chat = chat_for(services, store)
        try:
            await collect_turn(chat, "list my sandboxes")
            assert chat.conversation_id is not None
            return await store.turns(chat.conversation_id)
        finally:
            await chat.aclose()
            await store.aclose()

    [turn] = run(scenario())
    [card] = turn.tool_cards
    assert card.outcome == "failed"
    assert card.errors and card.errors[0].startswith("E2B_LIST_ALL_SANDBOXES: ")
    assert "connection" in card.errors[0].lower()
    assert card.seconds is not None and card.seconds >= 0
