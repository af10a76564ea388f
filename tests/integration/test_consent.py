"""Consent through the real SDKs and the fakes: nothing changes the cloud before a person says so.

Each test checks the E2B emulator's sandboxes (what really happened) and what the model was told.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

from desktop.core.agent.events import (
    ApprovalRequested,
    ApprovalResolved,
    ToolCallFinished,
    TurnCancelled,
    TurnEvent,
    TurnFinished,
)
from desktop.core.consent.approvals import NOT_RUN_KEY, ConsentState, Decision, Scope
from desktop.core.consent.policy import Kind
from desktop.core.store.sqlite import ConversationStore
from tests.fakes.e2b_state import SEED_PAUSED_ID, SEED_RUNNING_ID
from tests.fakes.harness import FakeServices
from tests.fakes.openai_conversation import parse_conversation
from tests.fakes.openai_script import Reply
from tests.integration.chat_helpers import approve_all, collect, deny_all, run, session_for
from tests.integration.conversation_helpers import chat_for, collect_turn, open_store

LIST_AND_KILL_BOTH = {
    "tools": [
        {"tool_slug": "E2B_LIST_ALL_SANDBOXES", "arguments": {}},
        {"tool_slug": "E2B_DELETE_SANDBOXES", "arguments": {"sandbox_id": SEED_RUNNING_ID}},
        {"tool_slug": "E2B_DELETE_SANDBOXES", "arguments": {"sandbox_id": SEED_PAUSED_ID}},
    ],
    "sync_response_to_workbench": False,
}
CREATE = {
    "tools": [{"tool_slug": "E2B_CREATE_SANDBOX", "arguments": {"templateID": "base"}}],
    "sync_response_to_workbench": False,
}


def _alive(services: FakeServices) -> set[str]:
    return {box["sandboxID"] for box in services.e2b.sandboxes()}


def _tool_results(services: FakeServices) -> list[str]:
    turns = parse_conversation(services.openai.requests[-1].json)
    return [t.text or "" for t in turns if t.role == "tool_result"]


def _script_attack(services: FakeServices) -> None:
    """A model that answers a harmless prompt by killing every sandbox."""
    services.openai.script.push(
        Reply.tool_call("COMPOSIO_MULTI_EXECUTE_TOOL", LIST_AND_KILL_BOTH), Reply.text("Done.")
    )


def _turn(services: FakeServices, prompt: str, answer: Any, **session: Any) -> list[TurnEvent]:
    async def scenario() -> list[TurnEvent]:
        chat = session_for(services, **session)
        try:
            return await collect(chat, prompt, answer)
        finally:
            await chat.aclose()

    return run(scenario())


def test_kills_inside_a_router_call_wait_for_a_person_and_a_denial_leaves_them_alive(
    fake_services: FakeServices,
) -> None:
    _script_attack(fake_services)
    asked: list[ApprovalRequested] = []

    def deny(request: ApprovalRequested) -> tuple[Decision, ...]:
        asked.append(request)
        # Nothing ran while the question waited.
        assert _alive(fake_services) == {SEED_RUNNING_ID, SEED_PAUSED_ID}
        assert fake_services.composio.tool_calls == []
        return deny_all(request)

    events = _turn(fake_services, "list my sandboxes", deny)
    [request] = asked
    [call] = request.calls
    assert [a.kind for a in call.actions] == [Kind.READS, Kind.DESTRUCTIVE, Kind.DESTRUCTIVE]
    assert call.asked == (False, True, True) and call.destructive
    assert _alive(fake_services) == {SEED_RUNNING_ID, SEED_PAUSED_ID}
    assert fake_services.composio.tool_calls == []  # the router call never reached Composio
    [finished] = [e for e in events if isinstance(e, ToolCallFinished)]
    assert finished.outcome == "denied"
    [result] = _tool_results(fake_services)
    assert "did not allow" in result and "not now" in result  # the model hears the reason
    assert isinstance(events[-1], TurnFinished)


def test_allowing_one_kill_of_two_kills_only_that_one_and_the_model_hears_of_the_other(
    fake_services: FakeServices,
) -> None:
    _script_attack(fake_services)

    def allow_first_kill(request: ApprovalRequested) -> tuple[Decision, ...]:
        [call] = request.calls
        return (Decision(call.call_id, {1: Scope.ONCE}),)

    events = _turn(fake_services, "list my sandboxes", allow_first_kill)
    assert _alive(fake_services) == {SEED_PAUSED_ID}
    [resolved] = [e for e in events if isinstance(e, ApprovalResolved)]
    assert resolved.outcomes[0].ran == (0, 1) and resolved.outcomes[0].not_run == (2,)
    [router_call] = fake_services.composio.tool_calls
    slugs = [tool["tool_slug"] for tool in router_call.arguments["tools"]]
    assert slugs == ["E2B_LIST_ALL_SANDBOXES", "E2B_DELETE_SANDBOXES"]
    [result] = _tool_results(fake_services)
    assert NOT_RUN_KEY in result and SEED_PAUSED_ID in result


def test_allow_once_asks_again_next_time_and_a_conversation_grant_does_not(
    fake_services: FakeServices,
) -> None:
    for _ in range(3):
        fake_services.openai.script.push(
            Reply.tool_call("COMPOSIO_MULTI_EXECUTE_TOOL", CREATE), Reply.text("Created.")
        )
    asked: list[str] = []

    def once(request: ApprovalRequested) -> tuple[Decision, ...]:
        asked.append("once")
        return approve_all(request)

    def for_the_conversation(request: ApprovalRequested) -> tuple[Decision, ...]:
        asked.append("conversation")
        return tuple(Decision.allow_all(call, Scope.CONVERSATION) for call in request.calls)

    async def scenario() -> None:
        chat = session_for(fake_services)
        try:
            await collect(chat, "start a sandbox", once)
            await collect(chat, "start another", for_the_conversation)
            await collect(chat, "and one more")  # not asked: allowed for this conversation
            chat.new_conversation()
            fake_services.openai.script.push(
                Reply.tool_call("COMPOSIO_MULTI_EXECUTE_TOOL", CREATE), Reply.text("Created.")
            )
            await collect(chat, "a new chat", once)  # a new conversation asks again
        finally:
            await chat.aclose()

    before = len(_alive(fake_services))
    run(scenario())
    assert asked == ["once", "conversation", "once"]
    assert len(_alive(fake_services)) == before + 4


def test_an_always_rule_is_kept_and_lets_the_action_run_unasked(
    fake_services: FakeServices,
) -> None:
    saved: list[str] = []
    consent = ConsentState(on_rule=saved.append)
    for _ in range(2):
        fake_services.openai.script.push(
            Reply.tool_call("COMPOSIO_MULTI_EXECUTE_TOOL", CREATE), Reply.text("Created.")
        )

    def always(request: ApprovalRequested) -> tuple[Decision, ...]:
        return tuple(Decision.allow_all(call, Scope.ALWAYS) for call in request.calls)

    async def scenario() -> None:
        chat = session_for(fake_services, consent=consent)
        try:
            await collect(chat, "start a sandbox", always)
            await collect(chat, "start another")  # the rule: not asked
        finally:
            await chat.aclose()

    run(scenario())
    assert saved == ["E2B_CREATE_SANDBOX"] and consent.rules == {"E2B_CREATE_SANDBOX"}
    # A new session with the saved rule (as after a restart) does not ask either.
    fake_services.openai.script.push(
        Reply.tool_call("COMPOSIO_MULTI_EXECUTE_TOOL", CREATE), Reply.text("Created.")
    )
    _turn(fake_services, "one more", None, consent=ConsentState(rules=frozenset(saved)))


def test_the_cautious_switch_asks_before_reads_too(fake_services: FakeServices) -> None:
    events = _turn(
        fake_services, "list my sandboxes", deny_all, consent=ConsentState(ask_for_reads=True)
    )
    assert any(isinstance(e, ApprovalRequested) for e in events)
    assert fake_services.composio.tool_calls == []


def test_stop_while_a_decision_is_pending_runs_nothing(fake_services: FakeServices) -> None:
    _script_attack(fake_services)

    async def scenario() -> list[TurnEvent]:
        chat = session_for(fake_services)
        try:
            turn = chat.run_turn("list my sandboxes")
            events = []
            async for event in turn:
                events.append(event)
                if isinstance(event, ApprovalRequested):
                    await asyncio.sleep(0.05)  # a person thinking; nothing decides meanwhile
                    assert fake_services.composio.tool_calls == []
                    turn.cancel()
            return events
        finally:
            await chat.aclose()

    events = run(scenario())
    assert isinstance(events[-1], TurnCancelled)
    assert _alive(fake_services) == {SEED_RUNNING_ID, SEED_PAUSED_ID}
    assert fake_services.composio.tool_calls == []
    assert not any(isinstance(e, ApprovalResolved) for e in events)


def test_each_decision_is_kept_with_its_turn_and_in_the_exports(
    fake_services: FakeServices, tmp_path: Path
) -> None:
    _script_attack(fake_services)  # turn 1: one kill of two allowed
    _script_attack(fake_services)  # turn 2: all denied, with a reason
    fake_services.openai.script.push(  # turn 3: stopped while waiting (no reply after it)
        Reply.tool_call("COMPOSIO_MULTI_EXECUTE_TOOL", LIST_AND_KILL_BOTH)
    )
    consent = ConsentState(rules=frozenset({"E2B_CREATE_SANDBOX"}))
    fake_services.openai.script.push(  # turn 4: a rule lets it run unasked
        Reply.tool_call("COMPOSIO_MULTI_EXECUTE_TOOL", CREATE), Reply.text("Created.")
    )

    def allow_first_kill(request: ApprovalRequested) -> tuple[Decision, ...]:
        return (Decision(request.calls[0].call_id, {1: Scope.ONCE}),)

    async def scenario() -> tuple[str, list[Any], str, str]:
        store = await open_store(tmp_path / "c.sqlite3")
        chat = chat_for(fake_services, store, consent=consent)
        try:
            await collect_turn(chat, "list my sandboxes", allow_first_kill)
            await collect_turn(chat, "list them again", deny_all)
            turn = chat.run_turn("and again")
            async for event in turn:
                if isinstance(event, ApprovalRequested):
                    turn.cancel()
            await collect_turn(chat, "start one")
            conversation_id = chat.conversation_id
            assert conversation_id is not None
            turns = await store.turns(conversation_id)
            exported = await store.export_json(conversation_id)
            markdown = await store.export_markdown(conversation_id)
            return conversation_id, list(turns), exported, markdown
        finally:
            await chat.aclose()
            await store.aclose()

    _, turns, exported, markdown = run(scenario())
    notes = [[card.consent for card in turn.tool_cards] for turn in turns]
    assert notes == [
        [f"Approved by you in part; not run: E2B_DELETE_SANDBOXES ({SEED_PAUSED_ID})"],
        ["Denied by you: not now"],
        ["Not run: stopped"],
        ["Allowed by your rule: always E2B_CREATE_SANDBOX"],
    ]
    # When: set for a person's decision, not for a stopped turn or a rule.
    decided = [[card.consent_at is not None for card in turn.tool_cards] for turn in turns]
    assert decided == [[True], [True], [False], [False]]
    cards = [card for turn in json.loads(exported)["turns"] for card in turn["tool_cards"]]
    assert [card["consent"] for card in cards] == [note for [note] in notes]
    assert ["consent_at" in card for card in cards] == [True, True, False, False]
    with ConversationStore(tmp_path / "imported.sqlite3") as other:  # and back, unchanged
        imported = other.turns(other.import_json(exported))
    assert [t.tool_cards for t in imported] == [t.tool_cards for t in turns]
    for [note] in notes:
        assert note in markdown


def test_an_allowance_for_the_conversation_lasts_across_a_restart(
    fake_services: FakeServices, tmp_path: Path
) -> None:
    database = tmp_path / "c.sqlite3"
    for _ in range(3):
        fake_services.openai.script.push(
            Reply.tool_call("COMPOSIO_MULTI_EXECUTE_TOOL", CREATE), Reply.text("Created.")
        )
    asked: list[str] = []

    def for_the_conversation(request: ApprovalRequested) -> tuple[Decision, ...]:
        asked.append("asked")
        return tuple(Decision.allow_all(call, Scope.CONVERSATION) for call in request.calls)

    async def first_run() -> str:
        store = await open_store(database)
        chat = chat_for(fake_services, store)
        try:
            await collect_turn(chat, "start a sandbox", for_the_conversation)
            assert chat.conversation_id is not None
            return chat.conversation_id
        finally:
            await chat.aclose()
            await store.aclose()

    async def after_restart(conversation_id: str | None, answer: Any) -> None:
        store = await open_store(database)
        chat = chat_for(fake_services, store, conversation_id=conversation_id)
        try:
            await collect_turn(chat, "start another", answer)
        finally:
            await chat.aclose()
            await store.aclose()

    conversation_id = run(first_run())
    run(after_restart(conversation_id, None))  # not asked: allowed for this conversation
    run(after_restart(None, for_the_conversation))  # another conversation asks again
    assert asked == ["asked", "asked"]
    with ConversationStore(database) as store:
        assert store.get_conversation(conversation_id).allowed_actions == ("E2B_CREATE_SANDBOX",)
