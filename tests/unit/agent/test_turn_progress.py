"""The messages a running turn keeps as each call finishes: those of the calls that returned."""

from __future__ import annotations

import asyncio

from pydantic_ai import Agent
from pydantic_ai.messages import (
    ModelRequest,
    ModelResponse,
    TextPart,
    ToolCallPart,
    ToolReturnPart,
    UserPromptPart,
    repair_messages,
)
from pydantic_ai.models.test import TestModel

from desktop.core.agent.turn_progress import messages_so_far

PROMPT = ModelRequest(parts=[UserPromptPart("create two sandboxes")])
TWO_CALLS = ModelResponse(
    parts=[
        ToolCallPart("E2B_CREATE_SANDBOX", {}, tool_call_id="a"),
        ToolCallPart("E2B_CREATE_SANDBOX", {}, tool_call_id="b"),
    ]
)


def test_the_calls_that_returned_are_added_in_the_models_order_the_others_left_open() -> None:
    b_done = ToolReturnPart("E2B_CREATE_SANDBOX", {"sandboxID": "sbx-b"}, "b")
    messages = messages_so_far([PROMPT, TWO_CALLS], {"b": b_done, "old": b_done})

    assert messages[:2] == [PROMPT, TWO_CALLS]
    assert isinstance(messages[2], ModelRequest) and messages[2].state == "interrupted"
    assert messages[2].parts == [b_done]
    repaired = repair_messages(messages)
    returns = [p for m in repaired for p in m.parts if isinstance(p, ToolReturnPart)]
    assert sorted((p.tool_call_id, p.outcome) for p in returns) == [
        ("a", "interrupted"),
        ("b", "success"),
    ]
    result = asyncio.run(
        Agent(TestModel(custom_output_text="ok")).run("go", message_history=repaired)
    )
    assert result.output == "ok"


def test_messages_whose_calls_were_answered_are_kept_as_they_are() -> None:
    answered = ModelRequest(parts=[ToolReturnPart("E2B_CREATE_SANDBOX", {}, "a")])
    text = ModelResponse(parts=[TextPart("Created.")])
    assert messages_so_far([PROMPT, TWO_CALLS, answered], {}) == [PROMPT, TWO_CALLS, answered]
    assert messages_so_far([PROMPT, text], {}) == [PROMPT, text]
    assert messages_so_far([], {}) == []
