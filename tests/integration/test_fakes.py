"""The loopback fakes, exercised with the real openai, composio, mcp and pydantic-ai clients."""

from __future__ import annotations

import asyncio
import json
import os
import re
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import anyio
import httpx
import openai
import pytest
from composio import Composio
from composio_client import AuthenticationError, NotFoundError
from mcp.shared.exceptions import MCPError
from pydantic_ai import (
    Agent,
    AgentRunResultEvent,
    FunctionToolCallEvent,
    FunctionToolResultEvent,
    PartDeltaEvent,
    PartStartEvent,
)
from pydantic_ai.mcp import MCPToolset
from pydantic_ai.messages import ModelMessage, TextPart, TextPartDelta
from pydantic_ai.models.openai import OpenAIChatModel, OpenAIResponsesModel
from pydantic_ai.providers.openai import OpenAIProvider

from tests.fakes.composio_backend import HTML_PAYLOAD
from tests.fakes.composio_meta_specs import META_TOOLS
from tests.fakes.e2b_catalog import TOOLS
from tests.fakes.e2b_emulator import SEED_PAUSED_ID, SEED_RUNNING_ID, E2BEmulator
from tests.fakes.harness import FakeServices
from tests.fakes.openai_conversation import parse_conversation
from tests.fakes.openai_script import Reply, ToolCall
from tests.fakes.pytest_plugin import FakeServicesFactory
from tests.fakes.serving import DeadServer

TIMEOUT = 10


# ----------------------------------------------------------------------------- helpers


def _openai(
    fs: FakeServices,
    *,
    key: str | None = None,
    base_url: str | None = None,
    timeout: float = TIMEOUT,
) -> openai.AsyncOpenAI:
    return openai.AsyncOpenAI(
        base_url=base_url or fs.openai_base_url,
        api_key=key or fs.openai_api_key,
        timeout=timeout,
        max_retries=0,
    )


@contextmanager
def _composio(fs: FakeServices, key: str | None = None) -> Iterator[Composio[Any, Any]]:
    # Our own httpx client so the connection is closed at the end (no ResourceWarning).
    with httpx.Client(timeout=TIMEOUT) as http:
        yield Composio(
            api_key=key or fs.composio_api_key,
            base_url=fs.composio_base_url,
            timeout=TIMEOUT,
            max_retries=0,
            allow_tracking=False,
            http_client=http,
        )


def _headers(session: Any) -> dict[str, str]:
    """The session's MCP headers (the SDK types values as optional)."""
    return {k: v for k, v in session.mcp.headers.items() if v is not None}


def _agent(
    fs: FakeServices, url: str, headers: dict[str, Any], *, chat: bool = False
) -> Agent[None, str]:
    provider = OpenAIProvider(base_url=fs.openai_base_url, api_key=fs.openai_api_key)
    model_class = OpenAIChatModel if chat else OpenAIResponsesModel
    model = model_class("gpt-5", provider=provider, settings={"timeout": TIMEOUT, "max_retries": 0})
    toolset: MCPToolset[None] = MCPToolset(
        url, headers=headers, init_timeout=TIMEOUT, read_timeout=TIMEOUT
    )
    return Agent(model, toolsets=[toolset])


async def _turn(
    agent: Agent[None, str], prompt: str, history: list[ModelMessage] | None
) -> tuple[str, list[FunctionToolCallEvent], list[ModelMessage]]:
    """One streamed run: (streamed text, tool call events, all messages)."""
    text = ""
    calls: list[FunctionToolCallEvent] = []
    messages: list[ModelMessage] = []
    with anyio.fail_after(30):
        async with agent.run_stream_events(prompt, message_history=history) as events:
            async for event in events:
                if isinstance(event, PartStartEvent) and isinstance(event.part, TextPart):
                    text += event.part.content
                elif isinstance(event, PartDeltaEvent) and isinstance(event.delta, TextPartDelta):
                    text += event.delta.content_delta
                elif isinstance(event, FunctionToolCallEvent):
                    calls.append(event)
                elif isinstance(event, FunctionToolResultEvent):
                    assert event.part.outcome == "success"
                elif isinstance(event, AgentRunResultEvent):
                    messages = event.result.all_messages()
    return text, calls, messages


# ----------------------------------------------------------------------------- OpenAI


def test_responses_stream_matches_openai_event_sequence(fake_services: FakeServices) -> None:
    fake_services.openai.script.push(Reply.text("Hello from the fake model", chunk_size=5))

    async def main() -> list[Any]:
        async with _openai(fake_services) as client:
            stream = await client.responses.create(model="gpt-5", input="hi", stream=True)
            return [event async for event in stream]

    events = asyncio.run(main())
    types = [e.type for e in events]
    assert types[:4] == [
        "response.created",
        "response.in_progress",
        "response.output_item.added",
        "response.content_part.added",
    ]
    assert types[-4:] == [
        "response.output_text.done",
        "response.content_part.done",
        "response.output_item.done",
        "response.completed",
    ]
    assert [e.sequence_number for e in events] == list(range(len(events)))
    deltas = [e.delta for e in events if e.type == "response.output_text.delta"]
    assert len(deltas) == 5
    assert "".join(deltas) == "Hello from the fake model"
    usage = events[-1].response.usage
    assert usage.input_tokens > 0 and usage.output_tokens > 0
    request = fake_services.openai.last_request
    assert request.headers["authorization"] == f"Bearer {fake_services.openai_api_key}"
    assert request.json["input"] == "hi"


def test_responses_parallel_tool_calls_stream_and_non_stream(fake_services: FakeServices) -> None:
    calls: list[ToolCall | tuple[str, dict[str, Any]]] = [
        ("COMPOSIO_SEARCH_TOOLS", {"queries": [{"use_case": "list sandboxes"}]}),
        ToolCall("COMPOSIO_MANAGE_CONNECTIONS", {"toolkits": ["e2b"]}, call_id="call_fixed"),
    ]
    fake_services.openai.script.push(Reply.tool_calls(calls), times=2)

    async def main() -> tuple[list[Any], Any]:
        async with _openai(fake_services) as client:
            stream = await client.responses.create(model="gpt-5", input="go", stream=True)
            events = [event async for event in stream]
            whole = await client.responses.create(model="gpt-5", input="go")
            return events, whole

    events, whole = asyncio.run(main())
    done = [e.item for e in events if e.type == "response.output_item.done"]
    assert [d.name for d in done] == ["COMPOSIO_SEARCH_TOOLS", "COMPOSIO_MANAGE_CONNECTIONS"]
    assert done[1].call_id == "call_fixed"
    args = "".join(
        e.delta
        for e in events
        if e.type == "response.function_call_arguments.delta" and e.item_id == done[0].id
    )
    assert json.loads(args) == {"queries": [{"use_case": "list sandboxes"}]}
    assert [o.type for o in whole.output] == ["function_call", "function_call"]
    assert json.loads(whole.output[1].arguments) == {"toolkits": ["e2b"]}


def test_chat_completions_stream_tool_calls_usage_and_done(fake_services: FakeServices) -> None:
    fake_services.openai.script.push(
        Reply.tool_calls(
            [("E2B_LIST_ALL_SANDBOXES", {}), ("E2B_GET_SANDBOX", {"sandbox_id": "x"})]
        ),
        Reply.text("Two sandboxes."),
    )

    async def main() -> tuple[list[Any], Any]:
        async with _openai(fake_services) as client:
            stream = await client.chat.completions.create(
                model="gpt-5",
                messages=[{"role": "user", "content": "hi"}],
                stream=True,
                stream_options={"include_usage": True},
            )
            chunks = [chunk async for chunk in stream]
            whole = await client.chat.completions.create(
                model="gpt-5", messages=[{"role": "user", "content": "hi"}]
            )
            return chunks, whole

    chunks, whole = asyncio.run(main())
    names: dict[int, str] = {}
    args: dict[int, str] = {}
    for chunk in chunks:
        for delta_call in (chunk.choices[0].delta.tool_calls or []) if chunk.choices else []:
            if delta_call.function and delta_call.function.name:
                names[delta_call.index] = delta_call.function.name
            args[delta_call.index] = args.get(delta_call.index, "") + (
                delta_call.function.arguments or "" if delta_call.function else ""
            )
    assert names == {0: "E2B_LIST_ALL_SANDBOXES", 1: "E2B_GET_SANDBOX"}
    assert json.loads(args[1]) == {"sandbox_id": "x"}
    assert chunks[-2].choices[0].finish_reason == "tool_calls"
    assert chunks[-1].choices == [] and chunks[-1].usage.total_tokens > 0
    assert whole.choices[0].message.content == "Two sandboxes."


def test_wrong_openai_key_gets_401_in_openai_shape(fake_services: FakeServices) -> None:
    async def main() -> None:
        async with _openai(fake_services, key="sk-wrong") as client:
            await client.responses.create(model="gpt-5", input="hi")

    with pytest.raises(openai.AuthenticationError) as caught:
        asyncio.run(main())
    assert caught.value.status_code == 401
    assert caught.value.code == "invalid_api_key"
    assert caught.value.body["type"] == "invalid_request_error"  # type: ignore[index]


def test_scripted_errors_429_and_500(fake_services: FakeServices) -> None:
    fake_services.openai.script.push(Reply.error(429, retry_after=2), Reply.error(500))

    async def call() -> None:
        async with _openai(fake_services) as client:
            await client.responses.create(model="gpt-5", input="hi")

    with pytest.raises(openai.RateLimitError) as limited:
        asyncio.run(call())
    assert limited.value.response.headers["retry-after"] == "2"
    with pytest.raises(openai.InternalServerError):
        asyncio.run(call())


def test_hang_times_out_and_server_still_stops_quickly(fake_services: FakeServices) -> None:
    fake_services.openai.script.push(Reply.hang())

    async def main() -> None:
        async with _openai(fake_services, timeout=0.3) as client:
            await client.responses.create(model="gpt-5", input="hi", stream=True)

    with pytest.raises(openai.APITimeoutError):
        asyncio.run(main())
    started = time.monotonic()
    fake_services.stop()
    assert time.monotonic() - started < 3
    assert not [t for t in threading.enumerate() if t.name.startswith("fake-")]


def test_slow_text_can_be_cancelled_mid_stream(fake_services: FakeServices) -> None:
    fake_services.openai.script.push(Reply.slow_text("one two three four five", 0.5))

    async def main() -> list[str]:
        received: list[str] = []
        async with _openai(fake_services) as client:
            stream = await client.responses.create(model="gpt-5", input="hi", stream=True)
            async for event in stream:
                if event.type == "response.output_text.delta":
                    received.append(event.delta)
                    break
            await stream.close()
        return received

    started = time.monotonic()
    assert asyncio.run(main()) == ["one "]
    assert time.monotonic() - started < 2


def test_huge_stream_and_mid_stream_disconnect(fake_services: FakeServices) -> None:
    fake_services.openai.script.push(Reply.huge(3000), Reply.disconnect("Partial"))

    async def main() -> int:
        async with _openai(fake_services) as client:
            stream = await client.responses.create(model="gpt-5", input="hi", stream=True)
            deltas = [e async for e in stream if e.type == "response.output_text.delta"]
            stream = await client.responses.create(model="gpt-5", input="again", stream=True)
            async for _ in stream:
                pass
            return len(deltas)

    with pytest.raises(openai.APIConnectionError):
        asyncio.run(main())
    assert len(fake_services.openai.requests) == 2


def test_in_stream_errors_in_both_apis(fake_services: FakeServices) -> None:
    fake_services.openai.script.push(Reply.stream_error("Half an ans", message="boom"), times=2)

    async def main() -> list[Any]:
        async with _openai(fake_services) as client:
            stream = await client.responses.create(model="gpt-5", input="hi", stream=True)
            events = [e async for e in stream]
            chunks = await client.chat.completions.create(
                model="gpt-5", messages=[{"role": "user", "content": "hi"}], stream=True
            )
            with pytest.raises(openai.APIError, match="boom"):
                async for _ in chunks:
                    pass
            return events

    events = asyncio.run(main())
    assert "".join(e.delta for e in events if e.type == "response.output_text.delta") == (
        "Half an ans"
    )
    assert events[-1].type == "response.failed"
    assert events[-1].response.error.message == "boom"


def test_dead_server_times_out_and_closed_port_is_refused(
    dead_server: DeadServer, unreachable_url: str, fake_services: FakeServices
) -> None:
    async def call(url: str) -> None:
        async with _openai(fake_services, base_url=url + "/v1", timeout=0.3) as client:
            await client.responses.create(model="gpt-5", input="hi")

    with pytest.raises(openai.APITimeoutError):
        asyncio.run(call(dead_server.base_url))
    assert dead_server.accepted >= 1
    with pytest.raises(openai.APIConnectionError) as refused:
        asyncio.run(call(unreachable_url))
    assert not isinstance(refused.value, openai.APITimeoutError)


def test_default_brain_quotes_previous_question_from_chat_history(
    fake_services: FakeServices,
) -> None:
    messages: list[Any] = [
        {"role": "user", "content": "How old is the moon?"},
        {"role": "assistant", "content": "About 4.5 billion years."},
        {"role": "user", "content": "What did I just ask?"},
    ]

    async def main() -> str:
        async with _openai(fake_services) as client:
            stream = await client.chat.completions.create(
                model="gpt-5", messages=messages, stream=True
            )
            return "".join([c.choices[0].delta.content or "" async for c in stream if c.choices])

    assert asyncio.run(main()) == 'You previously asked: "How old is the moon?"'


# ----------------------------------------------------------------------------- Composio


def test_composio_create_and_use_against_the_fake(fake_services: FakeServices) -> None:
    with _composio(fake_services) as composio:
        session = composio.create(user_id=fake_services.user_id, toolkits=["e2b"], mcp=True)
        resumed = composio.use(session.session_id, mcp=True)
        with pytest.raises(NotFoundError):
            composio.use("trs_does_not_exist")
        link = session.authorize("e2b")

    assert session.session_id.startswith("trs_")
    assert (
        session.mcp.url == f"{fake_services.composio_base_url}/tool_router/{session.session_id}/mcp"
    )
    assert session.mcp.headers == {"x-api-key": fake_services.composio_api_key}
    assert resumed.mcp.headers == session.mcp.headers
    assert (link.redirect_url or "").startswith(f"{fake_services.composio_base_url}/connect/e2b/")
    create = fake_services.composio.requests[0]
    assert (create.method, create.path) == ("POST", "/api/v3.1/tool_router/session")
    assert create.json["user_id"] == fake_services.user_id
    assert create.json["toolkits"] == {"enable": ["e2b"]}
    assert create.json["manage_connections"] == {"enable": True}


def test_composio_wrong_key_is_authentication_error(fake_services: FakeServices) -> None:
    with (
        _composio(fake_services, key="not-a-valid-key") as composio,
        pytest.raises(AuthenticationError) as caught,
    ):
        composio.create(user_id="u", toolkits=["e2b"])
    assert caught.value.status_code == 401


def test_mcp_lists_meta_tools_with_schemas_and_annotations(fake_services: FakeServices) -> None:
    with _composio(fake_services) as composio:
        session = composio.create(user_id=fake_services.user_id, toolkits=["e2b"], mcp=True)

    async def main() -> list[Any]:
        toolset: MCPToolset[None] = MCPToolset(
            session.mcp.url, headers=_headers(session), init_timeout=TIMEOUT
        )
        async with toolset:
            return list(await toolset.client.list_tools())

    tools = {t.name: t for t in asyncio.run(main())}
    assert set(tools) == {
        "COMPOSIO_SEARCH_TOOLS",
        "COMPOSIO_GET_TOOL_SCHEMAS",
        "COMPOSIO_MANAGE_CONNECTIONS",
        "COMPOSIO_MULTI_EXECUTE_TOOL",
        "COMPOSIO_REMOTE_WORKBENCH",
        "COMPOSIO_REMOTE_BASH_TOOL",
    }
    multi = tools["COMPOSIO_MULTI_EXECUTE_TOOL"]
    assert multi.input_schema == META_TOOLS["COMPOSIO_MULTI_EXECUTE_TOOL"]["inputSchema"]
    assert multi.annotations is not None and multi.annotations.destructive_hint is True
    search = tools["COMPOSIO_SEARCH_TOOLS"].annotations
    assert search is not None and search.read_only_hint is True and not search.destructive_hint


@pytest.mark.parametrize("case", ["bad key", "no key", "endpoint refuses", "unknown session"])
def test_mcp_endpoint_refusals(fake_services: FakeServices, case: str) -> None:
    with _composio(fake_services) as composio:
        session = composio.create(user_id=fake_services.user_id, toolkits=["e2b"], mcp=True)
    url, headers = session.mcp.url, _headers(session)
    if case == "bad key":
        headers = {"x-api-key": "nope"}
    elif case == "no key":
        headers = {}
    elif case == "endpoint refuses":
        fake_services.composio.behaviour.mcp_rejects_all_keys = True
    else:
        url = url.replace(session.session_id, "trs_unknown")

    async def main() -> None:
        toolset: MCPToolset[None] = MCPToolset(url, headers=headers, init_timeout=TIMEOUT)
        async with toolset:
            pass

    with pytest.raises(MCPError):
        asyncio.run(main())
    raw = httpx.post(url, headers=headers, json={}, timeout=TIMEOUT)
    assert raw.status_code == (404 if case == "unknown session" else 401)
    assert raw.json()["error"]["status"] == raw.status_code


def test_mcp_html_results_and_hanging_tool(fake_services: FakeServices) -> None:
    behaviour = fake_services.composio.behaviour
    behaviour.raw_results["COMPOSIO_SEARCH_TOOLS"] = HTML_PAYLOAD
    behaviour.hanging_tools.add("E2B_CREATE_SANDBOX")
    with _composio(fake_services) as composio:
        session = composio.create(user_id=fake_services.user_id, toolkits=["e2b"], mcp=True)

    async def main() -> tuple[str, bool]:
        toolset: MCPToolset[None] = MCPToolset(
            session.mcp.url, headers=_headers(session), init_timeout=TIMEOUT
        )
        async with toolset:
            html = await toolset.client.call_tool(
                "COMPOSIO_SEARCH_TOOLS", {"queries": [{"use_case": "x"}]}
            )
            timed_out = False
            try:
                with anyio.fail_after(0.5):
                    await toolset.client.call_tool(
                        "COMPOSIO_MULTI_EXECUTE_TOOL",
                        {
                            "tools": [
                                {
                                    "tool_slug": "E2B_CREATE_SANDBOX",
                                    "arguments": {"templateID": "base"},
                                }
                            ],
                            "sync_response_to_workbench": False,
                        },
                    )
            except TimeoutError:
                timed_out = True
            return html.content[0].text, timed_out  # type: ignore[union-attr]

    text, timed_out = asyncio.run(main())
    assert text == HTML_PAYLOAD
    assert timed_out
    assert len(fake_services.e2b.sandboxes()) == 2


def test_meta_tools_search_schemas_workbench_and_tool_errors(fake_services: FakeServices) -> None:
    fake_services.composio.behaviour.tool_errors["COMPOSIO_REMOTE_WORKBENCH"] = "sandbox crashed"
    with _composio(fake_services) as composio:
        session = composio.create(user_id=fake_services.user_id, toolkits=["e2b"], mcp=True)

    async def main() -> dict[str, Any]:
        toolset: MCPToolset[None] = MCPToolset(
            session.mcp.url, headers=_headers(session), init_timeout=TIMEOUT
        )
        out: dict[str, Any] = {}
        async with toolset:
            client = toolset.client
            for name, args in [
                ("COMPOSIO_SEARCH_TOOLS", {"queries": [{"use_case": "create an e2b sandbox"}]}),
                ("COMPOSIO_GET_TOOL_SCHEMAS", {"tool_slugs": ["E2B_CREATE_SANDBOX"]}),
                ("COMPOSIO_REMOTE_BASH_TOOL", {"command": "echo hi"}),
            ]:
                result = await client.call_tool(name, args)
                out[name] = json.loads(result.content[0].text)  # type: ignore[union-attr]
            failed = await client.call_tool(
                "COMPOSIO_REMOTE_WORKBENCH", {"code_to_execute": "print(1)"}, raise_on_error=False
            )
            out["workbench"] = (failed.is_error, failed.content[0].text)  # type: ignore[union-attr]
        return out

    out = asyncio.run(main())
    search = out["COMPOSIO_SEARCH_TOOLS"]["data"]
    assert search["results"][0]["primary_tool_slugs"][0] == "E2B_CREATE_SANDBOX"
    assert search["toolkit_connection_statuses"][0]["has_active_connection"] is True
    schemas = out["COMPOSIO_GET_TOOL_SCHEMAS"]["data"]["tool_schemas"]
    assert schemas["E2B_CREATE_SANDBOX"]["input_schema"]["required"] == ["templateID"]
    assert out["COMPOSIO_REMOTE_BASH_TOOL"]["data"]["stdout"] == "hi\n"
    assert out["workbench"] == (True, "sandbox crashed")


# ----------------------------------------------------------------------------- full agent turns


@pytest.mark.parametrize("api", ["responses", "chat"])
def test_agent_turn_lists_sandboxes_through_multi_execute(
    fake_services: FakeServices, api: str
) -> None:
    with _composio(fake_services) as composio:
        session = composio.create(user_id=fake_services.user_id, toolkits=["e2b"], mcp=True)
    agent = _agent(fake_services, session.mcp.url, _headers(session), chat=api == "chat")

    async def main() -> tuple[str, list[FunctionToolCallEvent]]:
        async with agent:
            text, calls, _ = await _turn(agent, "Please list my sandboxes", None)
        return text, calls

    text, calls = asyncio.run(main())
    assert [c.part.tool_name for c in calls] == ["COMPOSIO_MULTI_EXECUTE_TOOL"]
    assert calls[0].part.args_as_dict()["tools"][0]["tool_slug"] == "E2B_LIST_ALL_SANDBOXES"
    assert text.startswith("You have 2 sandboxes:")
    assert f"`{SEED_RUNNING_ID}` (running, base)" in text
    assert f"`{SEED_PAUSED_ID}` (paused, code-interpreter-v1)" in text
    second = fake_services.openai.requests[1]
    assert second.api == api
    results = [t for t in parse_conversation(second.json) if t.role == "tool_result"]
    assert results[0].name == "COMPOSIO_MULTI_EXECUTE_TOOL"
    assert SEED_RUNNING_ID in results[0].text
    assert (
        fake_services.composio.tool_calls[0].headers["x-api-key"] == fake_services.composio_api_key
    )


def test_not_connected_flow_connect_link_then_success(
    fake_services_factory: FakeServicesFactory,
) -> None:
    fs = fake_services_factory(e2b_connected=False, seed=False)
    with _composio(fs) as composio:
        session = composio.create(user_id=fs.user_id, toolkits=["e2b"], mcp=True)
    agent = _agent(fs, session.mcp.url, _headers(session))

    async def main() -> list[str]:
        answers: list[str] = []
        history: list[ModelMessage] | None = None
        async with agent, httpx.AsyncClient(timeout=TIMEOUT) as http:
            for prompt in [
                "list my sandboxes",
                "connect e2b",
                "create a sandbox",
                "list my sandboxes",
                "what did I just ask?",
            ]:
                text, _, history = await _turn(agent, prompt, history)
                answers.append(text)
                if prompt == "connect e2b":
                    link = re.search(r"\((http://127\.0\.0\.1:\d+/connect/e2b/[^)]+)\)", text)
                    assert link is not None
                    assert (await http.get(link.group(1))).status_code == 200
        return answers

    failed, connect, created, listed, recalled = asyncio.run(main())
    assert "No active connection" in failed
    assert "open this link" in connect
    assert fs.e2b.connected
    assert created.startswith("Created sandbox `")
    assert listed.startswith("You have 1 sandbox:")
    assert recalled == 'You previously asked: "list my sandboxes"'


def test_scripted_turn_sends_tool_output_back_to_the_model(fake_services: FakeServices) -> None:
    fake_services.openai.script.push(
        Reply.tool_call(
            "COMPOSIO_MULTI_EXECUTE_TOOL",
            {
                "tools": [
                    {"tool_slug": "E2B_PAUSE_SANDBOX", "arguments": {"sandbox_id": SEED_RUNNING_ID}}
                ],
                "sync_response_to_workbench": False,
            },
        ),
        Reply.text("Paused it."),
    )
    with _composio(fake_services) as composio:
        session = composio.create(user_id=fake_services.user_id, toolkits=["e2b"], mcp=True)
    agent = _agent(fake_services, session.mcp.url, _headers(session))

    async def main() -> str:
        async with agent:
            text, _, _ = await _turn(agent, "pause it", None)
        return text

    assert asyncio.run(main()) == "Paused it."
    states = {b["sandboxID"]: b["state"] for b in fake_services.e2b.sandboxes()}
    assert states[SEED_RUNNING_ID] == "paused"
    first, second = fake_services.openai.requests
    assert {t["name"] for t in first.json["tools"]} >= {"COMPOSIO_MULTI_EXECUTE_TOOL"}
    assert any(i.get("type") == "function_call_output" for i in second.json["input"])


def test_direct_tools_session_and_wait_for_connections(
    fake_services_factory: FakeServicesFactory,
) -> None:
    fs = fake_services_factory(e2b_connected=False)
    with _composio(fs) as composio:
        direct = composio.create(
            user_id=fs.user_id, toolkits=["e2b"], session_preset="direct_tools", mcp=True
        )
        waiting = composio.create(
            user_id=fs.user_id,
            toolkits=["e2b"],
            manage_connections={"wait_for_connections": True},
            mcp=True,
        )

    async def main() -> tuple[set[str], set[str], str]:
        names: list[set[str]] = []
        for session in (direct, waiting):
            toolset: MCPToolset[None] = MCPToolset(
                session.mcp.url, headers=_headers(session), init_timeout=TIMEOUT
            )
            async with toolset:
                names.append({t.name for t in await toolset.client.list_tools()})
                if session is waiting:
                    threading.Timer(0.3, fs.composio.complete_connection).start()
                    result = await toolset.client.call_tool(
                        "COMPOSIO_WAIT_FOR_CONNECTIONS", {"toolkits": ["e2b"]}
                    )
        return names[0], names[1], result.content[0].text  # type: ignore[union-attr]

    direct_names, waiting_names, waited = asyncio.run(main())
    assert direct_names == {t.slug for t in TOOLS}  # the preset turns every meta tool off
    assert "COMPOSIO_WAIT_FOR_CONNECTIONS" in waiting_names
    assert json.loads(waited)["data"]["results"]["e2b"]["status"] == "active"


# ----------------------------------------------------------------------------- emulator & harness


def test_emulator_answers_all_27_slugs() -> None:
    emulator = E2BEmulator()
    samples = {
        "sandbox_id": SEED_RUNNING_ID,
        "sandbox_ids": [SEED_RUNNING_ID],
        "metric": "concurrent_sandboxes",
        "templateID": "base",
        "timeout": 60,
        "template_id": "base",
        "hash": "abc",
        "name": "mine",
        "url": "https://hooks.example.test/e2b",
        "events": ["sandbox.lifecycle.killed"],
    }
    template = emulator.execute("E2B_CREATE_TEMPLATE", {"name": "builder"}).data or {}
    hook = emulator.execute("E2B_CREATE_WEBHOOK", samples).data or {}
    samples |= {"build_id": template["buildID"], "webhook_id": hook["id"]}
    order = sorted(TOOLS, key=lambda t: t.slug in ("E2B_DELETE_SANDBOXES", "E2B_DELETE_WEBHOOK"))
    for tool in order:
        args = {k: v for k, v in samples.items() if k in tool.properties}
        if tool.slug in ("E2B_GET_TEMPLATE_BUILD_STATUS", "E2B_START_TEMPLATE_BUILD"):
            args["template_id"] = template["templateID"]
        outcome = emulator.execute(tool.slug, args)
        assert outcome.successful, (tool.slug, outcome.error)
    assert len(TOOLS) == 27
    missing = emulator.execute("E2B_GET_SANDBOX", {"sandbox_id": "inope0000"})
    assert not missing.successful and (missing.error or "").startswith("404 Not Found")


def test_emulator_pages_its_list_as_e2b_does() -> None:
    emulator = E2BEmulator(seed=[{"sandboxID": f"i{n:019d}", "age": n} for n in range(3)])
    first = emulator.execute("E2B_LIST_ALL_SANDBOXES", {"limit": 2}).data or {}
    rest = emulator.execute("E2B_LIST_ALL_SANDBOXES", {"limit": 2, "next_token": "2"}).data or {}
    assert len(first["sandboxes"]) == 2 and first["next_token"] == "2"
    assert len(rest["sandboxes"]) == 1 and rest["next_token"] is None
    too_many = emulator.execute("E2B_LIST_ALL_SANDBOXES", {"limit": 101})
    assert not too_many.successful and "between 1 and 100" in (too_many.error or "")


def test_fake_env_fixture_sets_variables(fake_env: dict[str, str]) -> None:
    assert {k: os.environ[k] for k in fake_env} == fake_env


def test_fake_services_env_and_shared_fixture(shared_fake_services: FakeServices) -> None:
    env = shared_fake_services.env()
    assert env["OPENAI_BASE_URL"].startswith("http://127.0.0.1:")
    assert env["OPENAI_BASE_URL"].endswith("/v1")
    assert env["COMPOSIO_BASE_URL"] == shared_fake_services.composio_base_url
    assert env["OPENAI_API_KEY"].startswith("sk-test")
    assert env["COMPOSIO_API_KEY"] == "test-composio-key"
    assert env["USER_ID"] == "test-user"
    assert shared_fake_services.openai.requests == []
