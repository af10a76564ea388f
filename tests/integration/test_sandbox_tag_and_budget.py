"""Through the real SDKs and the fakes: each sandbox the agent creates carries its
conversation (shown in the approval card, kept by the emulator), and a conversation's budget
stops the agent before its next model request."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

from desktop.core.agent.budget import TurnBudget
from desktop.core.agent.events import (
    ApprovalRequested,
    ToolCallFinished,
    ToolCallStarted,
    TurnEvent,
    TurnFailed,
    TurnFinished,
)
from desktop.core.agent.sandbox_tag import CONVERSATION_KEY
from desktop.core.errors import ErrorKind, Remedy
from tests.fakes.e2b_emulator import SEED_PAUSED_ID, SEED_RUNNING_ID
from tests.fakes.harness import FakeServices
from tests.fakes.openai_script import Reply
from tests.integration.chat_helpers import approve_all, collect, run, session_for
from tests.integration.conversation_helpers import chat_for, collect_turn, open_store

MULTI = "COMPOSIO_MULTI_EXECUTE_TOOL"


def _created(services: FakeServices) -> list[dict[str, Any]]:
    """The emulator's sandboxes other than its two seeds: those the agent created."""
    seeds = {SEED_RUNNING_ID, SEED_PAUSED_ID}
    return [box for box in services.e2b.sandboxes() if box["sandboxID"] not in seeds]


def _inner_arguments(arguments: Any) -> dict[str, Any]:
    return dict(arguments["tools"][0]["arguments"])


def test_a_sandbox_the_agent_creates_is_tagged_with_its_conversation(
    fake_services: FakeServices,
) -> None:
    asked: list[ApprovalRequested] = []

    def answer(request: ApprovalRequested) -> Any:
        asked.append(request)
        return approve_all(request)

    async def scenario() -> tuple[list[TurnEvent], str]:
        session = session_for(fake_services)
        try:
            return await collect(session, "create a sandbox", answer), session.conversation_id
        finally:
            await session.aclose()

    events, conversation_id = run(scenario())
    tag = {CONVERSATION_KEY: conversation_id}
    # What the person approved shows the tag: the card reads these arguments.
    (request,) = asked
    (call,) = request.calls
    assert _inner_arguments(call.arguments)["metadata"] == tag
    assert dict(call.actions[0].arguments)["metadata"] == tag
    started = next(e for e in events if isinstance(e, ToolCallStarted))
    assert dict(started.actions[0].arguments)["metadata"] == tag
    assert isinstance(events[-1], TurnFinished)
    # And the sandbox E2B made carries it.
    (box,) = _created(fake_services)
    assert box["metadata"] == tag
    # The Tool Router received the call as it was shown.
    call_sent = fake_services.composio.tool_calls[-1]
    assert _inner_arguments(call_sent.arguments)["metadata"] == tag


def test_a_stored_conversation_tags_with_its_own_id_and_the_users_key_is_kept(
    fake_services: FakeServices, tmp_path: Path
) -> None:
    mine = {
        "tools": [
            {
                "tool_slug": "E2B_CREATE_SANDBOX",
                "arguments": {"templateID": "base", "metadata": {CONVERSATION_KEY: "my-own"}},
            }
        ]
    }

    async def scenario() -> str:
        store = await open_store(tmp_path / "c.sqlite3")
        chat = chat_for(fake_services, store)
        try:
            await collect_turn(chat, "create a sandbox", approve_all)
            fake_services.openai.script.push(Reply.tool_call(MULTI, mine), Reply.text("Made."))
            await collect_turn(chat, "make one tagged my-own", approve_all)
            assert chat.conversation_id is not None
            return chat.conversation_id
        finally:
            await chat.aclose()
            await store.aclose()

    conversation_id = run(scenario())
    tags = sorted(box["metadata"][CONVERSATION_KEY] for box in _created(fake_services))
    assert tags == sorted([conversation_id, "my-own"])


def test_a_budget_reached_mid_turn_stops_before_the_next_model_request(
    fake_services: FakeServices,
) -> None:
    async def scenario() -> list[TurnEvent]:
        session = session_for(fake_services)
        try:
            # The first request (the create call) costs about $0.0003: past this budget.
            turn = session.run_turn("create a sandbox", budget=TurnBudget(Decimal("0.0001")))
            events = []
            async for event in turn:
                events.append(event)
                if isinstance(event, ApprovalRequested):
                    turn.decide(approve_all(event))
            return events
        finally:
            await session.aclose()

    events = run(scenario())
    assert len(fake_services.openai.requests) == 1  # the answer after the call was never asked
    failed = events[-1]
    assert isinstance(failed, TurnFailed) and failed.kind is ErrorKind.BUDGET_REACHED
    assert failed.fix is not None and failed.fix.remedy is Remedy.RAISE_BUDGET
    assert "of its $0.0001 budget" in failed.message
    # What ran stays: the sandbox exists and the turn keeps the call for the history.
    assert any(isinstance(e, ToolCallFinished) and e.outcome == "success" for e in events)
    assert len(_created(fake_services)) == 1
    assert b"E2B_CREATE_SANDBOX" in failed.messages_json


def test_a_conversation_past_its_budget_asks_the_model_nothing(
    fake_services: FakeServices, tmp_path: Path
) -> None:
    async def scenario() -> tuple[list[TurnEvent], list[TurnEvent]]:
        store = await open_store(tmp_path / "c.sqlite3")
        # Its sandboxes have cost $0.20 of its $0.2002; the first turn's $0.0003 goes past it.
        chat = chat_for(
            fake_services,
            store,
            budget=Decimal("0.2002"),
            sandbox_cost=lambda conversation_id: Decimal("0.20"),
        )
        try:
            first = await collect_turn(chat, "hello")
            second = await collect_turn(chat, "hello again")
            return first, second
        finally:
            await chat.aclose()
            await store.aclose()

    first, second = run(scenario())
    assert isinstance(first[-1], TurnFinished)
    assert first[-1].usage.cost is not None and first[-1].usage.cost > Decimal("0.0002")
    requests = len(fake_services.openai.requests)
    assert requests == 1  # the second turn sent nothing
    stopped = second[-1]
    assert isinstance(stopped, TurnFailed) and stopped.kind is ErrorKind.BUDGET_REACHED
