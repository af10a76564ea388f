"""Which conversation made which sandbox: the app's tag on every sandbox the agent creates.

Each `E2B_CREATE_SANDBOX` the model asks for, called directly or inside a
`COMPOSIO_MULTI_EXECUTE_TOOL`, gets `{"e2b_agent_conversation": "<conversation id>"}` added to
its `metadata` (E2B keeps a sandbox's metadata for its life and lists it; E2B's own SDKs mark
their sandboxes the same way), unless the call already sets that key (the user asked for a value
of their own). The tag is written into the model's tool call itself, as its response arrives
(`run_capabilities.SandboxTagging`), before anything reads it: the approval card, the tool
card, the stored history and the call the Tool Router receives all carry the same arguments, so
what a person approves is exactly what runs. Every call the agent makes starts there.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from desktop.core.router.types import MULTI_EXECUTE_TOOL

if TYPE_CHECKING:
    from pydantic_ai.messages import ModelResponse

CONVERSATION_KEY = "e2b_agent_conversation"
"""The metadata key naming the conversation that created a sandbox."""
CREATE_SANDBOX = "E2B_CREATE_SANDBOX"


def _tagged_create(arguments: Mapping[str, Any], conversation_id: str) -> dict[str, Any] | None:
    """The create call's arguments with the tag, or None when they keep theirs (the key is
    set already, or `metadata` is something other than an object, for E2B to refuse)."""
    metadata = arguments.get("metadata")
    if metadata is None:
        metadata = {}
    if not isinstance(metadata, Mapping) or CONVERSATION_KEY in metadata:
        return None
    return {**arguments, "metadata": {**metadata, CONVERSATION_KEY: conversation_id}}


def _tagged_item(item: object, conversation_id: str) -> dict[str, Any] | None:
    """One multi-execute item, tagged if it creates a sandbox (None: left as it is)."""
    if not isinstance(item, Mapping):
        return None
    slug, inner = item.get("tool_slug"), item.get("arguments", {})
    # Read as the consent policy reads a slug: `e2b_create_sandbox ` is still a create.
    if not isinstance(slug, str) or slug.strip().upper() != CREATE_SANDBOX:
        return None
    if not isinstance(inner, Mapping):
        return None
    new = _tagged_create(inner, conversation_id)
    return None if new is None else {**item, "arguments": new}


def tagged_arguments(
    tool_name: str, arguments: Mapping[str, Any], conversation_id: str
) -> dict[str, Any] | None:
    """`arguments` of a call to `tool_name` with every sandbox creation in it tagged with
    `conversation_id`; None when nothing in it changes."""
    if tool_name.strip().upper() == CREATE_SANDBOX:
        return _tagged_create(arguments, conversation_id)
    if tool_name != MULTI_EXECUTE_TOOL:
        return None
    tools = arguments.get("tools")
    if not isinstance(tools, list):
        return None
    changed = False
    items: list[Any] = []
    for item in tools:
        new = _tagged_item(item, conversation_id)
        items.append(item if new is None else new)
        changed = changed or new is not None
    return {**arguments, "tools": items} if changed else None


def tag_response(response: ModelResponse, conversation_id: str) -> ModelResponse:
    """The model's response with its sandbox creations tagged (the same object when none)."""
    from pydantic_ai.messages import ToolCallPart

    parts = list(response.parts)
    changed = False
    for index, part in enumerate(parts):
        if type(part) is not ToolCallPart:  # the framework's own typed calls are not E2B's
            continue
        try:
            arguments = part.args_as_dict()
        except ValueError:  # arguments that are not JSON: the call fails as it is
            continue
        new = tagged_arguments(part.tool_name, arguments, conversation_id)
        if new is not None:
            call: ToolCallPart[Any] = part
            parts[index] = dataclasses.replace(call, args=new)
            changed = True
    return dataclasses.replace(response, parts=parts) if changed else response
