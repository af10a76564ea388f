"""The app's tag on each sandbox the agent creates: added to the call, never over the user's."""

from __future__ import annotations

from pydantic_ai.messages import ModelResponse, TextPart, ToolCallPart

from desktop.core.agent.sandbox_tag import CONVERSATION_KEY, tag_response, tagged_arguments

MULTI = "COMPOSIO_MULTI_EXECUTE_TOOL"


def _multi(*items: dict[str, object]) -> dict[str, object]:
    return {"tools": list(items), "sync_response_to_workbench": False}


def test_a_direct_create_gets_the_conversation_in_its_metadata() -> None:
    tagged = tagged_arguments("E2B_CREATE_SANDBOX", {"templateID": "base"}, "c1")
    assert tagged == {"templateID": "base", "metadata": {CONVERSATION_KEY: "c1"}}


def test_metadata_of_its_own_is_kept_beside_the_tag() -> None:
    args = {"templateID": "base", "metadata": {"purpose": "demo"}}
    tagged = tagged_arguments("E2B_CREATE_SANDBOX", args, "c1")
    assert tagged is not None
    assert tagged["metadata"] == {"purpose": "demo", CONVERSATION_KEY: "c1"}
    assert args["metadata"] == {"purpose": "demo"}  # the model's own arguments are not changed


def test_a_key_the_user_set_is_left_as_it_is() -> None:
    args = {"templateID": "base", "metadata": {CONVERSATION_KEY: "mine"}}
    assert tagged_arguments("E2B_CREATE_SANDBOX", args, "c1") is None


def test_each_create_inside_a_multi_execute_is_tagged_and_nothing_else() -> None:
    args = _multi(
        {"tool_slug": "E2B_LIST_ALL_SANDBOXES", "arguments": {}},
        {"tool_slug": " e2b_create_sandbox ", "arguments": {"templateID": "base"}},
        {"tool_slug": "E2B_CREATE_SANDBOX"},  # no arguments at all: still a create
    )
    tagged = tagged_arguments(MULTI, args, "c1")
    assert tagged is not None
    tools = tagged["tools"]
    assert tools[0] == {"tool_slug": "E2B_LIST_ALL_SANDBOXES", "arguments": {}}
    assert tools[1]["arguments"] == {"templateID": "base", "metadata": {CONVERSATION_KEY: "c1"}}
    assert tools[2]["arguments"] == {"metadata": {CONVERSATION_KEY: "c1"}}
    assert tagged["sync_response_to_workbench"] is False


def test_calls_that_create_nothing_are_left_alone() -> None:
    assert tagged_arguments("E2B_PAUSE_SANDBOX", {"sandbox_id": "x"}, "c1") is None
    listing = _multi({"tool_slug": "E2B_LIST_ALL_SANDBOXES", "arguments": {}})
    assert tagged_arguments(MULTI, listing, "c1") is None
    assert tagged_arguments(MULTI, {"tools": "nonsense"}, "c1") is None
    odd = {"templateID": "base", "metadata": "not an object"}  # E2B refuses it as it is
    assert tagged_arguments("E2B_CREATE_SANDBOX", odd, "c1") is None


def test_the_model_response_itself_carries_the_tag() -> None:
    create = ToolCallPart(
        MULTI,
        '{"tools": [{"tool_slug": "E2B_CREATE_SANDBOX", "arguments": {"templateID": "base"}}]}',
        tool_call_id="call_1",
    )
    response = ModelResponse(parts=[TextPart("Creating it."), create])
    tagged = tag_response(response, "c1")
    call = tagged.parts[1]
    assert isinstance(call, ToolCallPart) and call.tool_call_id == "call_1"
    inner = call.args_as_dict()["tools"][0]["arguments"]
    assert inner["metadata"] == {CONVERSATION_KEY: "c1"}
    assert tagged.parts[0] == response.parts[0]
    untouched = ModelResponse(parts=[TextPart("hi")])
    assert tag_response(untouched, "c1") is untouched
