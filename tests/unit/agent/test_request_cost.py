"""The plain-body OpenAI client sends the same bytes as the SDK's own, without its transform."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from typing import Annotated, Any

import openai
import pytest
from openai._utils import PropertyInfo
from pydantic_ai import Agent
from pydantic_ai.messages import (
    ModelMessage,
    ModelRequest,
    ModelResponse,
    TextPart,
    ToolCallPart,
    ToolReturnPart,
    UserPromptPart,
)
from pydantic_ai.models import Model
from pydantic_ai.models.openai import OpenAIChatModel, OpenAIResponsesModel
from pydantic_ai.providers.openai import OpenAIProvider
from typing_extensions import TypedDict

from desktop.core.agent import request_cost
from desktop.core.agent.request_cost import PlainBodyAsyncOpenAI
from tests.fakes.harness import FakeServices
from tests.fakes.openai_script import Reply

TOOL = "COMPOSIO_MULTI_EXECUTE_TOOL"


def history(turns: int) -> list[ModelMessage]:
    """A conversation with one tool call per turn, as pydantic-ai stores it."""
    messages: list[ModelMessage] = []
    for n in range(turns):
        call_id = f"call_{n:04d}"
        arguments = {"tools": [{"tool_slug": "E2B_LIST_ALL_SANDBOXES", "arguments": {}}]}
        result = {
            "data": {"results": [{"sandboxes": [{"sandboxID": f"sbx{n}", "cpu": 0.5}]}]},
            "successful": True,
            "error": None,
        }
        messages += [
            ModelRequest(parts=[UserPromptPart(f"list my sandboxes, please ({n}) — ünïcode")]),
            ModelResponse(parts=[TextPart("Looking…"), ToolCallPart(TOOL, arguments, call_id)]),
            ModelRequest(parts=[ToolReturnPart(TOOL, result, call_id)]),
            ModelResponse(parts=[TextPart(f"You have **{n}** sandboxes.")]),
        ]
    return messages


async def bodies_sent(
    services: FakeServices,
    client_class: type[openai.AsyncOpenAI],
    chat: bool,
    turns: int,
    stream: bool = False,
) -> list[bytes]:
    """The request bodies one agent run sends, as bytes on the wire to the fake server."""
    sent: list[bytes] = []

    async def record(request: Any) -> None:
        sent.append(bytes(request.content))

    client = client_class(
        api_key=services.openai_api_key,
        base_url=services.openai_base_url,
        http_client=openai.DefaultAsyncHttpxClient(event_hooks={"request": [record]}),
        max_retries=0,
    )
    provider = OpenAIProvider(openai_client=client)
    model: Model = (
        OpenAIChatModel("gpt-4.1", provider=provider)
        if chat
        else OpenAIResponsesModel("gpt-5", provider=provider)
    )
    agent = Agent(model, instructions="You manage E2B sandboxes.", output_type=str)

    @agent.tool_plain
    def sandbox_count(template: str) -> int:
        """How many sandboxes run from `template`."""
        return len(template)

    services.openai.script.push(Reply.text("Done."))
    try:
        if stream:  # as the app runs a turn
            async with agent.run_stream("and now?", message_history=history(turns)) as streamed:
                output = await streamed.get_output()
        else:
            output = (await agent.run("and now?", message_history=history(turns))).output
    finally:
        await client.close()
    assert output == "Done."
    return sent


@pytest.mark.parametrize("stream", [False, True], ids=["whole", "streamed"])
@pytest.mark.parametrize("chat", [False, True], ids=["responses", "chat-completions"])
def test_the_request_body_is_byte_identical(
    fake_services: FakeServices, chat: bool, stream: bool
) -> None:
    sdk = asyncio.run(bodies_sent(fake_services, openai.AsyncOpenAI, chat, 12, stream))
    plain = asyncio.run(bodies_sent(fake_services, PlainBodyAsyncOpenAI, chat, 12, stream))
    assert len(sdk) == 1
    assert b"call_0011" in sdk[0] and "ünïcode".encode() in sdk[0]
    assert (b'"stream":true' in sdk[0]) is stream
    assert plain == sdk


@pytest.mark.parametrize("chat", [False, True], ids=["responses", "chat-completions"])
def test_the_conversation_skips_the_transform(
    fake_services: FakeServices, chat: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The SDK's per-TypedDict step runs for every item of the conversation, for each member
    of its union; with the plain client only for the request's other parameters (tools...),
    however long the conversation."""
    from openai._utils import _transform

    calls = 0
    original = _transform._async_transform_typeddict

    async def counted(data: Any, expected_type: type) -> Any:
        nonlocal calls
        calls += 1
        return await original(data, expected_type)

    monkeypatch.setattr(_transform, "_async_transform_typeddict", counted)
    counts = {}
    for client_class in (openai.AsyncOpenAI, PlainBodyAsyncOpenAI):
        for turns in (2, 20):
            calls = 0
            asyncio.run(bodies_sent(fake_services, client_class, chat, turns))
            counts[client_class.__name__, turns] = calls
    assert counts["AsyncOpenAI", 20] > 5 * counts["AsyncOpenAI", 2]
    assert counts["PlainBodyAsyncOpenAI", 20] == counts["PlainBodyAsyncOpenAI", 2]
    assert counts["PlainBodyAsyncOpenAI", 20] < counts["AsyncOpenAI", 2]


def test_copies_keep_the_plain_body() -> None:
    client = PlainBodyAsyncOpenAI(api_key="sk-test", base_url="http://127.0.0.1:9/v1")
    copy = client.with_options(max_retries=3)
    assert isinstance(copy, PlainBodyAsyncOpenAI)
    assert type(copy.responses).__name__ == "_PlainResponses"
    assert type(copy.chat.completions).__name__ == "_PlainCompletions"


@pytest.mark.parametrize(
    "value",
    [
        [{"role": "user", "content": "hi", "n": 1, "x": 0.5, "ok": True, "none": None}],
        [{"content": [{"type": "input_text", "text": "é"}]}, ("a", "b")],
        [],
    ],
)
def test_plain_json_is_boxed(value: list[Any]) -> None:
    boxed = request_cost._boxed({"input": value, "model": "m"}, "input", list[dict[str, Any]])
    assert isinstance(boxed["input"], request_cost._Untouched)
    assert boxed["input"].value is value
    assert list(boxed) == ["input", "model"]


class _Model(openai.BaseModel):
    text: str = "x"


@pytest.mark.parametrize(
    "value",
    [
        [{"role": "user", "content": "hi", "name": openai.omit}],  # dropped by the transform
        [{"content": [_Model()]}],  # dumped by the transform
        [{1: "not a str key"}],
        [{"content": iter(["a generator"])}],
        ({"role": "user"},),  # not a list: left to the SDK as it is
        "just text",
    ],
)
def test_anything_else_goes_through_the_sdk(value: Any) -> None:
    kwargs = {"input": value, "model": "m"}
    assert request_cost._boxed(kwargs, "input", list[dict[str, Any]]) is kwargs


class _Aliased(TypedDict):
    card_id: Annotated[str, PropertyInfo(alias="cardID")]


class _Formatted(TypedDict, total=False):
    when: Annotated[str, PropertyInfo(format="iso8601")]


class _Discriminated(TypedDict):
    item: Annotated[_Formatted | _Aliased, PropertyInfo(discriminator="type")]


def test_types_the_transform_changes_are_never_boxed() -> None:
    from openai.types.chat import ChatCompletionMessageParam
    from openai.types.responses import ResponseInputParam

    assert not request_cost._transformed(ResponseInputParam)
    assert not request_cost._transformed(Iterable[ChatCompletionMessageParam])
    for annotation in (list[_Aliased], list[_Formatted], Iterable[_Discriminated]):
        assert request_cost._transformed(annotation)
        kwargs = {"input": [{"card_id": "c"}]}
        assert request_cost._boxed(kwargs, "input", annotation) is kwargs
