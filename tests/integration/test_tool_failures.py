"""A tool call that fails mid-session is told in words that say what to do (issue 10, item 10)."""

from __future__ import annotations

import dataclasses

from desktop.core.agent.events import ToolCallFinished, TurnEvent, TurnFailed, TurnFinished
from desktop.core.errors import ErrorKind
from tests.fakes.harness import FakeServices
from tests.fakes.openai_conversation import parse_conversation
from tests.integration.chat_helpers import FAST_TIMEOUTS, collect, run, session_for


def _two_turns(services: FakeServices, between: object) -> tuple[list[TurnEvent], list[TurnEvent]]:
    async def scenario() -> tuple[list[TurnEvent], list[TurnEvent]]:
        session = session_for(services, timeouts=dataclasses.replace(FAST_TIMEOUTS, mcp_read=1.0))
        try:
            first = await collect(session, "list my sandboxes")
            between()  # type: ignore[operator]
            return first, await collect(session, "list my sandboxes")
        finally:
            await session.aclose()

    return run(scenario())


def test_a_call_that_times_out_may_have_run_and_the_model_is_told_so(
    fake_services: FakeServices,
) -> None:
    behaviour = fake_services.composio.behaviour
    behaviour.hanging_tools.add("E2B_LIST_ALL_SANDBOXES")
    _, events = _two_turns(fake_services, lambda: None)
    [finished] = [e for e in events if isinstance(e, ToolCallFinished)]
    assert "did not answer within 1 s" in finished.result_text
    assert "may have run" in finished.result_text
    turns = parse_conversation(fake_services.openai.requests[-1].json)
    results = [t.text or "" for t in turns if t.role == "tool_result"]
    assert "may have run: check" in results[-1]  # the model reads it too
    assert "timed out" not in results[-1]  # not the MCP client's bare "Request timed out"
    assert isinstance(events[-1], TurnFinished)


def test_a_key_refused_mid_session_ends_the_turn_naming_the_key(
    fake_services: FakeServices,
) -> None:
    def refuse() -> None:
        fake_services.composio.behaviour.mcp_rejects_all_keys = True

    first, events = _two_turns(fake_services, refuse)
    assert isinstance(first[-1], TurnFinished)
    failed = events[-1]
    assert isinstance(failed, TurnFailed)
    assert failed.kind is ErrorKind.MCP_KEY_REJECTED
    assert "The Tool Router refused the Composio key" in failed.message
    assert not any(
        isinstance(e, ToolCallFinished) and e.outcome == "retried" for e in events
    )  # not "retried: Server returned an error response"
