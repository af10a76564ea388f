"""Whole turns through the real SDKs and the loopback fakes: tools, history, cancel, resume."""

from __future__ import annotations

import asyncio
import json

import pytest
from pydantic_ai.messages import ModelMessagesTypeAdapter

from desktop.core.agent.events import (
    TextDelta,
    ToolCallFinished,
    ToolCallStarted,
    TurnCancelled,
    TurnEvent,
    TurnFailed,
    TurnFinished,
)
from desktop.core.agent.session import ChatSession
from desktop.core.errors import ErrorKind
from tests.fakes.e2b_emulator import SEED_PAUSED_ID, SEED_RUNNING_ID
from tests.fakes.harness import FakeServices
from tests.fakes.openai_conversation import parse_conversation
from tests.fakes.openai_script import Reply
from tests.integration.chat_helpers import approve_all, collect, run, session_for


def _text(events: list[TurnEvent]) -> str:
    return "".join(e.text for e in events if isinstance(e, TextDelta))


def test_a_turn_lists_sandboxes_through_the_router(fake_services: FakeServices) -> None:
    async def scenario() -> tuple[list[TurnEvent], ChatSession]:
        session = session_for(fake_services)
        try:
            return await collect(session, "List my sandboxes"), session
        finally:
            await session.aclose()

    events, session = run(scenario())
    started = [e for e in events if isinstance(e, ToolCallStarted)]
    finished = [e for e in events if isinstance(e, ToolCallFinished)]
    assert [s.tool_name for s in started] == ["COMPOSIO_MULTI_EXECUTE_TOOL"]
    assert [a.slug for a in started[0].actions] == ["E2B_LIST_ALL_SANDBOXES"]
    assert finished[0].call_id == started[0].call_id
    assert finished[0].outcome == "success"
    assert SEED_RUNNING_ID in finished[0].result_text
    final = events[-1]
    assert isinstance(final, TurnFinished)
    assert SEED_RUNNING_ID in final.text and SEED_PAUSED_ID in final.text
    assert _text(events) == final.text  # streamed text adds up to the reply
    assert len([e for e in events if isinstance(e, TextDelta)]) > 1, "the reply must stream"
    assert final.usage.requests == 2 and final.usage.input_tokens > 0
    assert final.usage.tool_calls == 1
    new = ModelMessagesTypeAdapter.validate_json(final.messages_json)
    assert len(new) == 4  # prompt, tool call, tool result, answer
    assert len(session.history) == 4
    # The E2B action really ran in the emulator, through the Tool Router's MCP endpoint.
    assert [c.name for c in fake_services.composio.tool_calls] == ["COMPOSIO_MULTI_EXECUTE_TOOL"]


def test_history_reaches_the_model_on_the_next_turn(fake_services: FakeServices) -> None:
    async def scenario() -> list[TurnEvent]:
        session = session_for(fake_services)
        try:
            await collect(session, "Hello there, I am testing the agent")
            return await collect(session, "What did I just ask?")
        finally:
            await session.aclose()

    events = run(scenario())
    final = events[-1]
    assert isinstance(final, TurnFinished)
    assert "Hello there, I am testing the agent" in final.text
    turns = parse_conversation(fake_services.openai.requests[-1].json)
    users = [t.text for t in turns if t.role == "user"]
    assert users == ["Hello there, I am testing the agent", "What did I just ask?"]


def test_one_mcp_connection_serves_several_turns(fake_services: FakeServices) -> None:
    async def scenario() -> None:
        session = session_for(fake_services)
        try:
            await collect(session, "list my sandboxes")
            await collect(session, "list my sandboxes again")
        finally:
            await session.aclose()

    run(scenario())
    sessions_created = [
        r for r in fake_services.composio.requests if r.path.endswith("/tool_router/session")
    ]
    assert len(sessions_created) == 1
    mcp_methods = [
        (r.json or {}).get("method") for r in fake_services.composio.requests if "/mcp" in r.path
    ]
    # One handshake and one tool listing serve both turns; only the tool calls repeat.
    assert mcp_methods.count("server/discover") + mcp_methods.count("initialize") == 1
    assert mcp_methods.count("tools/list") == 1
    assert mcp_methods.count("tools/call") == 2


def test_stop_keeps_the_partial_reply_and_the_session_usable(
    fake_services: FakeServices,
) -> None:
    fake_services.openai.script.push(
        Reply.slow_text("one two three four five six seven eight nine ten", delay_per_chunk=0.3)
    )

    async def scenario() -> tuple[list[TurnEvent], list[TurnEvent], ChatSession]:
        session = session_for(fake_services)
        try:
            first: list[TurnEvent] = []
            turn = session.run_turn("Count slowly")
            async for event in turn:
                first.append(event)
                if isinstance(event, TextDelta):
                    turn.cancel()
            second = await collect(session, "What did I just ask?")
            return first, second, session
        finally:
            await session.aclose()

    first, second, _session = run(scenario())
    cancelled = first[-1]
    assert isinstance(cancelled, TurnCancelled)
    assert cancelled.partial_text.startswith("one")
    assert "ten" not in cancelled.partial_text
    assert cancelled.messages_json, "the partial reply is kept as messages"
    assert isinstance(second[-1], TurnFinished)
    assert "Count slowly" in second[-1].text
    # The partial reply went back to the model as history.
    turns = parse_conversation(fake_services.openai.requests[-1].json)
    assistant = [t.text for t in turns if t.role == "assistant"]
    assert any(a and a.startswith("one") for a in assistant)


def test_stop_during_a_hanging_tool_call_returns_promptly(fake_services: FakeServices) -> None:
    fake_services.composio.behaviour.hanging_tools.add("E2B_LIST_ALL_SANDBOXES")

    async def scenario() -> list[TurnEvent]:
        session = session_for(fake_services)
        events: list[TurnEvent] = []
        try:
            turn = session.run_turn("list my sandboxes")
            async for event in turn:
                events.append(event)
                if isinstance(event, ToolCallStarted):
                    asyncio.get_running_loop().call_later(0.2, turn.cancel)
            # The session stays usable after the interrupted tool call.
            fake_services.composio.behaviour.hanging_tools.clear()
            events.extend(await collect(session, "What did I just ask?"))
            return events
        finally:
            await session.aclose()

    events = run(scenario())
    kinds = [type(e).__name__ for e in events]
    assert "TurnCancelled" in kinds
    assert isinstance(events[-1], TurnFinished)


def test_connect_link_flow_when_e2b_is_not_connected(fake_services_factory) -> None:  # type: ignore[no-untyped-def]
    services: FakeServices = fake_services_factory(e2b_connected=False)

    async def scenario() -> list[TurnEvent]:
        session = session_for(services)
        try:
            failed = await collect(session, "list my sandboxes")
            linked = await collect(session, "connect e2b")
            return failed + linked
        finally:
            await session.aclose()

    events = run(scenario())
    results = [e for e in events if isinstance(e, ToolCallFinished)]
    assert "no active connection" in results[0].result_text.lower()
    # The router call went through, but its E2B action did not: the user sees a failure.
    assert results[0].outcome == "failed"
    assert results[0].errors and results[0].errors[0].startswith("E2B_LIST_ALL_SANDBOXES: ")
    assert results[1].outcome == "success" and results[1].errors == ()
    links = [link for e in results for link in e.connect_links]
    assert links and links[0].url.startswith(services.composio_base_url)
    assert links[0].toolkit == "e2b"


def test_html_in_tool_output_arrives_as_plain_text(fake_services: FakeServices) -> None:
    payload = '<img src="http://127.0.0.1:9/x.png"><script>alert("x")</script>'
    fake_services.composio.behaviour.raw_results["COMPOSIO_MULTI_EXECUTE_TOOL"] = payload

    async def scenario() -> list[TurnEvent]:
        session = session_for(fake_services)
        try:
            return await collect(session, "list my sandboxes")
        finally:
            await session.aclose()

    events = run(scenario())
    finished = [e for e in events if isinstance(e, ToolCallFinished)]
    assert finished[0].result_text == payload


def test_keys_never_reach_the_model(fake_services: FakeServices) -> None:
    async def scenario() -> None:
        session = session_for(fake_services)
        try:
            await collect(session, "list my sandboxes")
        finally:
            await session.aclose()

    run(scenario())
    env = fake_services.env()
    for request in fake_services.openai.requests:
        body = json.dumps(request.json)
        assert env["COMPOSIO_API_KEY"] not in body
        assert env["OPENAI_API_KEY"] not in body


def test_empty_and_huge_prompts_are_refused_with_a_reason(fake_services: FakeServices) -> None:
    async def scenario() -> list[TurnEvent]:
        session = session_for(fake_services)
        try:
            return await collect(session, "   ") + await collect(session, "x" * 100_001)
        finally:
            await session.aclose()

    events = run(scenario())
    assert all(isinstance(e, TurnFailed) and e.kind is ErrorKind.BAD_INPUT for e in events)
    assert "100,000" in events[1].message  # type: ignore[union-attr]
    assert fake_services.openai.requests == []


def test_resuming_a_forgotten_router_session_creates_a_new_one(
    fake_services: FakeServices,
) -> None:
    async def scenario() -> tuple[list[TurnEvent], str | None]:
        session = ChatSession(
            session_for(fake_services).settings,
            session_for(fake_services)._credentials,
            session_for(fake_services).endpoints,
            session_for(fake_services).timeouts,
            router_session_id="trs_forgotten_long_ago",
        )
        try:
            return await collect(session, "list my sandboxes"), session.router_session_id
        finally:
            await session.aclose()

    events, session_id = run(scenario())
    assert isinstance(events[-1], TurnFinished)
    assert session_id and session_id != "trs_forgotten_long_ago"


def test_resuming_a_known_router_session_reuses_it(fake_services: FakeServices) -> None:
    async def scenario() -> tuple[str | None, str | None]:
        first = session_for(fake_services)
        await first.connect()
        known = first.router_session_id
        await first.aclose()
        again = ChatSession(
            first.settings,
            first._credentials,
            first.endpoints,
            first.timeouts,
            router_session_id=known,
        )
        try:
            await collect(again, "hello")
            return known, again.router_session_id
        finally:
            await again.aclose()

    known, reused = run(scenario())
    assert known == reused
    creates = [r for r in fake_services.composio.requests if r.path.endswith("/session")]
    assert len(creates) == 1


def test_actions_taken_before_a_model_failure_stay_in_history(
    fake_services: FakeServices,
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

    async def scenario() -> tuple[list[TurnEvent], int, list[TurnEvent]]:
        session = session_for(fake_services)
        try:
            failed = await collect(session, "create a sandbox", approve_all)
            return failed, await collect(session, "what did I just ask?")
        finally:
            await session.aclose()

    failed, after = run(scenario())
    failure = failed[-1]
    assert isinstance(failure, TurnFailed)
    assert failure.messages_json, "the tool call that ran is kept"
    assert isinstance(after[-1], TurnFinished)
    # The model is told about the sandbox it created, though the turn failed afterwards.
    turns = parse_conversation(fake_services.openai.requests[-1].json)
    results = [t for t in turns if t.role == "tool_result"]
    assert results and "sandboxID" in (results[0].text or "")


def test_a_failure_before_any_tool_ran_leaves_history_unchanged(
    fake_services: FakeServices,
) -> None:
    fake_services.openai.script.push(Reply.error(500))

    async def scenario() -> tuple[TurnEvent, int]:
        session = session_for(fake_services)
        try:
            events = await collect(session, "hello")
            return events[-1], len(session.history)
        finally:
            await session.aclose()

    failure, history_length = run(scenario())
    assert isinstance(failure, TurnFailed) and failure.messages_json == b""
    assert history_length == 0


def test_stop_while_the_agent_is_still_loading(
    fake_services: FakeServices, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The first turn can be stopped while the agent's libraries import; the next one runs."""
    import desktop.core.agent.session as chat

    loading = asyncio.Event()
    loaded = asyncio.Event()

    async def slow_import(modules: object) -> None:  # the import thread, still busy
        loading.set()
        await loaded.wait()

    monkeypatch.setattr(chat, "import_off_loop", slow_import)

    async def scenario() -> tuple[list[TurnEvent], int, list[TurnEvent]]:
        session = session_for(fake_services)
        try:
            turn = session.run_turn("list my sandboxes")
            events: list[TurnEvent] = []

            async def consume() -> None:
                events.extend([event async for event in turn])

            task = asyncio.ensure_future(consume())
            await loading.wait()
            turn.cancel()
            await asyncio.wait_for(task, 5)  # at once: nothing to wind down yet
            asked = len(fake_services.openai.requests)
            loaded.set()
            return events, asked, await collect(session, "list my sandboxes")
        finally:
            await session.aclose()

    stopped, asked, after = run(scenario())
    assert len(stopped) == 1 and isinstance(stopped[0], TurnCancelled)
    assert stopped[0].partial_text == "" and not stopped[0].messages_json
    assert asked == 0  # the model was never asked
    assert isinstance(after[-1], TurnFinished)
    assert SEED_RUNNING_ID in after[-1].text


def test_stop_while_a_failure_is_cleaned_up_still_ends_the_turn(
    fake_services: FakeServices, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A turn always ends with a terminal event, even when Stop cuts off its failure path."""
    session = session_for(fake_services)

    async def broken_connect() -> None:
        raise RuntimeError("the transport broke")

    cleaning = asyncio.Event()

    async def slow_cleanup(exc: BaseException) -> None:  # closing a stuck connection
        cleaning.set()
        await asyncio.sleep(5)

    monkeypatch.setattr(session, "connect", broken_connect)
    monkeypatch.setattr(session, "after_failure", slow_cleanup)

    async def scenario() -> list[TurnEvent]:
        turn = session.run_turn("list my sandboxes")

        async def stop_while_cleaning() -> None:
            await cleaning.wait()
            turn.cancel()

        stopper = asyncio.ensure_future(stop_while_cleaning())
        try:
            return await asyncio.wait_for(_all(turn), 4)
        finally:
            stopper.cancel()
            await session.aclose()

    async def _all(turn: object) -> list[TurnEvent]:
        return [event async for event in turn]  # type: ignore[attr-defined]

    events = run(scenario())
    assert [type(e) for e in events] == [TurnCancelled]
    assert session.history == ()
