"""A huge tool result: the card shows it cut once (live and stored alike), the model sees it all."""

from __future__ import annotations

from pathlib import Path

from desktop.core.agent.events import ToolCallFinished, TurnEvent, TurnFinished
from desktop.core.agent.tool_calls import RESULT_TEXT_LIMIT, TRUNCATION_MARK
from desktop.core.store.records import TurnRecord
from tests.fakes.harness import FakeServices
from tests.fakes.openai_conversation import parse_conversation
from tests.integration.chat_helpers import run
from tests.integration.conversation_helpers import chat_for, collect_turn, open_store

BLOB = "0123456789abcdef" * 65_536 + "<end of the blob>"  # ~1 MB of one sandbox's metadata


def test_a_megabyte_result_is_cut_on_its_card_and_sent_whole_to_the_model(
    fake_services: FakeServices, tmp_path: Path
) -> None:
    fake_services.e2b.add_sandbox(sandboxID="bigmeta01", metadata={"blob": BLOB})

    async def scenario() -> tuple[list[TurnEvent], list[TurnRecord]]:
        store = await open_store(tmp_path / "c.sqlite3")
        chat = chat_for(fake_services, store)
        try:
            events = await collect_turn(chat, "List my sandboxes")
            assert chat.conversation_id is not None
            return events, await store.turns(chat.conversation_id)
        finally:
            await chat.aclose()
            await store.aclose()

    events, turns = run(scenario())
    assert isinstance(events[-1], TurnFinished)
    (finished,) = [e for e in events if isinstance(e, ToolCallFinished)]
    assert finished.outcome == "success"
    assert len(finished.result_text) <= RESULT_TEXT_LIMIT
    assert finished.result_text.endswith(TRUNCATION_MARK)
    assert "<end of the blob>" not in finished.result_text

    [turn] = turns
    assert turn.tool_cards[0].result_text == finished.result_text

    # The request after the call carries the tool's whole return: the model sees the real result.
    first, after_the_call = fake_services.openai.requests[-2:]
    assert not [t for t in parse_conversation(first.json) if t.role == "tool_result"]
    (returned,) = [t for t in parse_conversation(after_the_call.json) if t.role == "tool_result"]
    assert BLOB in returned.text
