"""Helpers for whole-turn tests: a ChatSession pointed at the fakes, and event collection."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from typing import Any, Protocol, TypeVar

import httpx

from desktop.core.agent.build import Endpoints
from desktop.core.agent.events import ApprovalRequested, TurnEvent
from desktop.core.agent.session import ChatSession
from desktop.core.config.credentials import Credentials
from desktop.core.config.settings import Settings
from desktop.core.consent.approvals import ConsentState, Decision
from desktop.core.router.types import Timeouts
from desktop.core.sandboxes.calls import PAGE_SIZE
from tests.fakes.composio_backend import ToolCallRecord
from tests.fakes.harness import FakeServices

T = TypeVar("T")

# Short bounds so that dead-server tests finish in seconds.
FAST_TIMEOUTS = Timeouts(
    composio_request=3.0,
    mcp_init=3.0,
    mcp_read=10.0,
    model_connect=2.0,
    model_read=2.0,
    model_list=2.0,
)


def run(coro: Coroutine[Any, Any, T]) -> T:
    return asyncio.run(coro)


def credentials_for(
    services: FakeServices,
    *,
    openai_api_key: str | None = "default",
    composio_api_key: str | None = "default",
    user_id: str | None = "default",
) -> Credentials:
    env = services.env()
    return Credentials(
        openai_api_key=env["OPENAI_API_KEY"] if openai_api_key == "default" else openai_api_key,
        composio_api_key=(
            env["COMPOSIO_API_KEY"] if composio_api_key == "default" else composio_api_key
        ),
        user_id=env["USER_ID"] if user_id == "default" else user_id,
    )


def session_for(
    services: FakeServices,
    *,
    settings: Settings | None = None,
    credentials: Credentials | None = None,
    openai_base_url: str | None = None,
    composio_base_url: str | None = None,
    timeouts: Timeouts = FAST_TIMEOUTS,
    http: httpx.AsyncClient | None = None,
    consent: ConsentState | None = None,
) -> ChatSession:
    return ChatSession(
        settings or Settings(user_id="test-user"),
        credentials or credentials_for(services),
        Endpoints(
            openai_base_url=openai_base_url or services.openai_base_url,
            composio_base_url=composio_base_url or services.composio_base_url,
        ),
        timeouts,
        http=http,
        consent=consent,
    )


Answer = Callable[[ApprovalRequested], tuple[Decision, ...]]


def approve_all(request: ApprovalRequested) -> tuple[Decision, ...]:
    """A person who allows every waiting action, once."""
    return tuple(Decision.allow_all(call) for call in request.calls)


def deny_all(request: ApprovalRequested) -> tuple[Decision, ...]:
    return tuple(Decision.deny(call, "not now") for call in request.calls)


class _Chat(Protocol):
    def run_turn(self, prompt: str) -> Any: ...


async def collect(session: _Chat, prompt: str, answer: Answer | None = None) -> list[TurnEvent]:
    """The turn's events; an approval it waits for is answered by `answer` (none given: the
    test did not expect one, and fails rather than waits)."""
    turn = session.run_turn(prompt)
    events = []
    async for event in turn:
        events.append(event)
        if isinstance(event, ApprovalRequested):
            assert answer is not None, f"unexpected approval request: {event.calls}"
            turn.decide(answer(event))
    return events


def agent_tool_calls(services: FakeServices) -> list[ToolCallRecord]:
    """The router calls the agent made: without the app's own sandbox listings (made without
    the model: the terminal's check at exit, the sandbox panel's refreshes)."""
    return [call for call in services.composio.tool_calls if not _app_listing(call)]


def _app_listing(call: ToolCallRecord) -> bool:
    tools = call.arguments.get("tools") if call.name == "COMPOSIO_MULTI_EXECUTE_TOOL" else None
    return isinstance(tools, list) and all(
        tool.get("tool_slug") == "E2B_LIST_ALL_SANDBOXES"
        and tool.get("arguments", {}).get("limit") == PAGE_SIZE
        for tool in tools
    )
