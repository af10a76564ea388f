"""A turn that creates a sandbox then talks slowly, and what the store and the model keep of it."""

from __future__ import annotations

import json
from collections.abc import Sequence

from pydantic_ai.messages import (
    ModelMessage,
    ModelMessagesTypeAdapter,
    ModelRequest,
    ToolCallPart,
    ToolReturnPart,
    UserPromptPart,
)

from tests.fakes.harness import FakeServices
from tests.fakes.openai_script import Reply

CREATE_PROMPT = "Create a sandbox for my experiment"
CREATE_CALL_ID = "call_create_1"
CREATE_ARGUMENTS = {
    "tools": [{"tool_slug": "E2B_CREATE_SANDBOX", "arguments": {"templateID": "base"}}],
    "sync_response_to_workbench": False,
}
SLOW_TEXT = " ".join(f"word{i}" for i in range(200))


def script_create_then_talk(services: FakeServices) -> None:
    """The model creates a sandbox, then streams a long reply slowly (to be cut off in)."""
    services.openai.script.push(
        Reply.tool_call("COMPOSIO_MULTI_EXECUTE_TOOL", CREATE_ARGUMENTS, call_id=CREATE_CALL_ID),
        Reply.slow_text(SLOW_TEXT, delay_per_chunk=0.1, chunk_size=8),
    )


def sandbox_ids(services: FakeServices) -> set[str]:
    return {box["sandboxID"] for box in services.e2b.sandboxes()}


def created_sandbox(services: FakeServices, before: set[str]) -> str:
    [created] = sandbox_ids(services) - before
    return created


def assert_messages_hold_the_create(messages_json: str | bytes | None, sandbox_id: str) -> None:
    """The turn's stored messages: its prompt, the create call and the call's return."""
    assert messages_json, "the turn's messages were not stored"
    messages = ModelMessagesTypeAdapter.validate_json(messages_json)
    parts = [part for message in messages for part in message.parts]
    prompts = [p.content for p in parts if isinstance(p, UserPromptPart)]
    assert prompts == [CREATE_PROMPT]
    calls = [p for p in parts if isinstance(p, ToolCallPart)]
    assert [c.tool_call_id for c in calls] == [CREATE_CALL_ID]
    returns = [p for p in parts if isinstance(p, ToolReturnPart)]
    assert [r.tool_call_id for r in returns] == [CREATE_CALL_ID]
    assert sandbox_id in returns[0].model_response_str()


def assert_history_holds_the_create(history: Sequence[ModelMessage], sandbox_id: str) -> None:
    returns = [
        part
        for message in history
        if isinstance(message, ModelRequest)
        for part in message.parts
        if isinstance(part, ToolReturnPart) and part.tool_call_id == CREATE_CALL_ID
    ]
    assert len(returns) == 1
    assert sandbox_id in returns[0].model_response_str()


def assert_model_was_told(services: FakeServices, sandbox_id: str) -> None:
    """The last request the model received carries the create call and the sandbox it made."""
    body = json.dumps(services.openai.requests[-1].json)
    assert CREATE_CALL_ID in body
    assert sandbox_id in body
    assert CREATE_PROMPT in body
