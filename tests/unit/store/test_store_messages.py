"""Pydantic-ai messages through the store: round trips with every tool outcome, and `history()`.

Also home of the small builders the other store tests share.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator, Sequence
from decimal import Decimal
from pathlib import Path

import pytest
from pydantic_ai import Agent
from pydantic_ai.messages import (
    INTERRUPTED_TOOL_RETURN_CONTENT,
    ModelMessage,
    ModelMessagesTypeAdapter,
    ModelRequest,
    ModelResponse,
    TextPart,
    ToolCallPart,
    ToolReturnPart,
    UserPromptPart,
)
from pydantic_ai.models.test import TestModel

from desktop.core.agent.events import ConnectLink, ToolAction, Usage
from desktop.core.store.records import StoreError, ToolCardRecord
from desktop.core.store.sqlite import ConversationStore

MODEL = "openai:gpt-5"


class FakeClock:
    """A clock the test moves by hand; starts at a fixed, recognisable moment."""

    def __init__(self, start: float = 1_750_000_000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float = 1.0) -> None:
        self.now += seconds


def answered(prompt: str, reply: str) -> list[ModelMessage]:
    return [
        ModelRequest(parts=[UserPromptPart(prompt)]),
        ModelResponse(parts=[TextPart(reply)], model_name="gpt-5"),
    ]


def with_tool_calls(prompt: str) -> list[ModelMessage]:
    """A turn with four calls in one step: success, denied, interrupted and failed."""
    return [
        ModelRequest(parts=[UserPromptPart(prompt)]),
        ModelResponse(
            parts=[
                ToolCallPart("COMPOSIO_MULTI_EXECUTE_TOOL", {"tools": []}, tool_call_id="c1"),
                ToolCallPart("E2B_KILL_SANDBOX", {"sandbox_id": "sb-1"}, tool_call_id="c2"),
                ToolCallPart("E2B_RUN_CODE", {"code": "print(1)"}, tool_call_id="c3"),
                ToolCallPart("E2B_GET_SANDBOX", '{"sandbox_id": "nope"}', tool_call_id="c4"),
            ]
        ),
        ModelRequest(
            parts=[
                ToolReturnPart("COMPOSIO_MULTI_EXECUTE_TOOL", {"sandboxes": []}, "c1"),
                ToolReturnPart(
                    "E2B_KILL_SANDBOX", "The user denied this call.", "c2", outcome="denied"
                ),
                ToolReturnPart(
                    "E2B_RUN_CODE", INTERRUPTED_TOOL_RETURN_CONTENT, "c3", outcome="interrupted"
                ),
                ToolReturnPart("E2B_GET_SANDBOX", "404 not found", "c4", outcome="failed"),
            ]
        ),
        ModelResponse(parts=[TextPart("You have no sandboxes; I did not kill anything.")]),
    ]


def dump(messages: Sequence[ModelMessage]) -> bytes:
    return ModelMessagesTypeAdapter.dump_json(list(messages))


def card(call_id: str = "c1", outcome: str = "success") -> ToolCardRecord:
    return ToolCardRecord(
        call_id=call_id,
        tool_name="COMPOSIO_MULTI_EXECUTE_TOOL",
        actions=(ToolAction("E2B_LIST_ALL_SANDBOXES", {}), ToolAction("E2B_GET", {"id": "x"})),
        outcome=outcome,  # type: ignore[arg-type]
        result_text='{"sandboxes": []}',
        connect_links=(ConnectLink("e2b", "https://connect.composio.dev/link/abc"),),
    )


def add_turn(store: ConversationStore, conversation_id: str, prompt: str, reply: str = "ok") -> int:
    turn_id = store.begin_turn(conversation_id, prompt)
    store.complete_turn(turn_id, dump(answered(prompt, reply)), reply, (), Usage(1, 1, 1, 0))
    return turn_id


@pytest.fixture
def store(tmp_path: Path) -> Iterator[ConversationStore]:
    with ConversationStore(tmp_path / "conversations.sqlite3", clock=FakeClock()) as s:
        yield s


def test_tool_call_messages_round_trip_with_every_outcome(store: ConversationStore) -> None:
    messages = with_tool_calls("list my sandboxes")
    cid = store.create_conversation(MODEL)
    turn = store.begin_turn(cid, "list my sandboxes")
    store.complete_turn(turn, dump(messages), "You have no sandboxes.", [card()], Usage(5, 6, 2, 4))

    history = store.history(cid)

    assert history == messages
    returns = [p for m in history for p in m.parts if isinstance(p, ToolReturnPart)]
    assert [r.outcome for r in returns] == ["success", "denied", "interrupted", "failed"]
    assert dump(history) == dump(messages)


def test_history_concatenates_turns_in_order(store: ConversationStore) -> None:
    cid = store.create_conversation(MODEL)
    first, second = answered("one", "1"), with_tool_calls("two")
    for prompt, messages in (("one", first), ("two", second)):
        turn = store.begin_turn(cid, prompt)
        store.complete_turn(turn, dump(messages), "text")

    assert store.history(cid) == first + second


def test_history_leaves_out_turns_without_a_response(store: ConversationStore) -> None:
    cid = store.create_conversation(MODEL)
    kept = answered("answered", "yes")
    store.complete_turn(store.begin_turn(cid, "answered"), dump(kept), "yes")
    store.complete_turn(store.begin_turn(cid, "failed at once"), None, "", status="failed")
    only_request = [ModelRequest(parts=[UserPromptPart("cancelled before any reply")])]
    turn = store.begin_turn(cid, "cancelled before any reply")
    store.complete_turn(turn, dump(only_request), "", status="cancelled")
    store.begin_turn(cid, "still pending (the app was killed)")

    assert store.history(cid) == kept
    assert [t.status for t in store.turns(cid)] == ["complete", "failed", "cancelled", "pending"]


def test_history_closes_out_a_stopped_turns_dangling_tool_call(store: ConversationStore) -> None:
    cid = store.create_conversation(MODEL)
    stopped: list[ModelMessage] = [
        ModelRequest(parts=[UserPromptPart("create a sandbox")]),
        ModelResponse(parts=[ToolCallPart("E2B_CREATE_SANDBOX", {}, tool_call_id="c9")]),
    ]
    turn = store.begin_turn(cid, "create a sandbox")
    store.complete_turn(turn, dump(stopped), "", status="cancelled")

    history = store.history(cid)

    synthesized = [p for m in history for p in m.parts if isinstance(p, ToolReturnPart)]
    assert [(p.tool_call_id, p.outcome) for p in synthesized] == [("c9", "interrupted")]
    # The point of the repair: a new prompt on top of this history is accepted.
    # asyncio.run, not run_sync: that leaves an unclosed event loop for a later test to trip on.
    result = asyncio.run(
        Agent(TestModel(custom_output_text="done")).run("go on", message_history=history)
    )
    assert result.output == "done"


def test_history_from_the_store_continues_a_real_run(store: ConversationStore) -> None:
    agent = Agent(TestModel(custom_output_text="hello again"))
    cid = store.create_conversation(MODEL)
    first = asyncio.run(agent.run("hi"))
    turn = store.begin_turn(cid, "hi")
    store.complete_turn(turn, dump(first.new_messages()), first.output)

    second = asyncio.run(agent.run("and now?", message_history=store.history(cid)))

    assert second.all_messages()[: len(first.new_messages())] == first.new_messages()
    assert second.output == "hello again"


def test_invalid_messages_are_refused_before_storing(store: ConversationStore) -> None:
    cid = store.create_conversation(MODEL)
    turn = store.begin_turn(cid, "hi")

    with pytest.raises(StoreError, match="not valid pydantic-ai messages"):
        store.complete_turn(turn, b'[{"kind": "nonsense"}]', "x")

    assert store.turns(cid)[0].status == "pending"


def test_usage_and_cost_add_up(store: ConversationStore) -> None:
    cid = store.create_conversation(MODEL)
    for cost in (None, Decimal("0.0125"), Decimal("0.5")):
        turn = store.begin_turn(cid, "q")
        store.complete_turn(turn, dump(answered("q", "a")), "a", (), Usage(10, 20, 1, 2, cost))

    totals = store.get_conversation(cid).usage
    assert (totals.input_tokens, totals.output_tokens, totals.requests, totals.tool_calls) == (
        30,
        60,
        3,
        6,
    )
    assert totals.cost == Decimal("0.5125")
    assert [t.usage.cost for t in store.turns(cid)] == [None, Decimal("0.0125"), Decimal("0.5")]


def test_cost_stays_unknown_when_no_turn_knows_it(store: ConversationStore) -> None:
    cid = store.create_conversation(MODEL)
    add_turn(store, cid, "q")
    assert store.get_conversation(cid).usage.cost is None
