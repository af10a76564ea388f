"""Tool results and replies no JSON or UTF-8 codec expects: shown, stored, and the chat goes on."""

from __future__ import annotations

import json
from pathlib import Path

from desktop.core.agent.events import ToolCallFinished, TurnEvent, TurnFinished
from desktop.core.agent.tool_calls import RESULT_TEXT_LIMIT
from desktop.core.store.records import TurnRecord
from tests.fakes.harness import FakeServices
from tests.fakes.openai_script import Reply
from tests.integration.chat_helpers import run
from tests.integration.conversation_helpers import chat_for, collect_turn, open_store

DEEP = '{"a":' * 2000 + '"bottom"' + "}" * 2000


def _turns(
    fake_services: FakeServices, tmp_path: Path, prompts: list[str]
) -> tuple[list[list[TurnEvent]], list[TurnRecord]]:
    async def scenario() -> tuple[list[list[TurnEvent]], list[TurnRecord]]:
        store = await open_store(tmp_path / "c.sqlite3")
        chat = chat_for(fake_services, store)
        try:
            events = [await collect_turn(chat, prompt) for prompt in prompts]
            assert chat.conversation_id is not None
            return events, await store.turns(chat.conversation_id)
        finally:
            await chat.aclose()
            await store.aclose()

    return run(scenario())


def test_a_result_nested_deeper_than_json_goes_is_shown_as_text_and_the_turn_goes_on(
    fake_services: FakeServices, tmp_path: Path
) -> None:
    fake_services.composio.behaviour.raw_results["COMPOSIO_MULTI_EXECUTE_TOOL"] = DEEP
    (events, after), turns = _turns(fake_services, tmp_path, ["list my sandboxes", "thanks"])
    assert isinstance(events[-1], TurnFinished), events[-1]
    (finished,) = [e for e in events if isinstance(e, ToolCallFinished)]
    assert finished.outcome == "success"
    assert finished.result_text == DEEP[: len(finished.result_text)]
    assert len(finished.result_text) <= RESULT_TEXT_LIMIT
    assert isinstance(after[-1], TurnFinished), after[-1]
    assert [turn.status for turn in turns] == ["complete", "complete"]
    assert turns[0].tool_cards[0].result_text == finished.result_text


def test_a_lone_surrogate_in_a_reply_does_not_break_later_turns(
    fake_services: FakeServices, tmp_path: Path
) -> None:
    fake_services.openai.script.push(Reply.text("broken \ud83d emoji"), Reply.text("still here"))
    (first, second), turns = _turns(fake_services, tmp_path, ["hello", "again"])
    assert isinstance(first[-1], TurnFinished), first[-1]
    assert isinstance(second[-1], TurnFinished), second[-1]
    assert [turn.status for turn in turns] == ["complete", "complete"]
    assert turns[0].text == "broken \ufffd emoji"


def test_a_lone_surrogate_in_a_tool_result_is_shown_and_stored_replaced(
    fake_services: FakeServices, tmp_path: Path
) -> None:
    # JSON may escape half a surrogate pair: the MCP client decodes it to a lone surrogate.
    fake_services.composio.behaviour.raw_results["COMPOSIO_MULTI_EXECUTE_TOOL"] = (
        '{"successful": true, "data": {"name": "box \\ud83d"}}'
    )
    (events, after), turns = _turns(fake_services, tmp_path, ["list my sandboxes", "thanks"])
    assert isinstance(events[-1], TurnFinished), events[-1]
    assert isinstance(after[-1], TurnFinished), after[-1]
    (finished,) = [e for e in events if isinstance(e, ToolCallFinished)]
    assert "box \ufffd" in finished.result_text
    assert turns[0].tool_cards[0].result_text == finished.result_text
    # The model reads the result as it came, its escape intact (valid JSON, no lone surrogate).
    body = json.dumps(fake_services.openai.requests[-1].json)
    assert "box \\\\ud83d" in body
