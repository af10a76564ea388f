"""Helpers for whole-turn tests: a ChatSession pointed at the fakes, and event collection."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any, TypeVar

import httpx

from desktop.core.agent.build import Endpoints
from desktop.core.agent.events import TurnEvent
from desktop.core.agent.session import ChatSession
from desktop.core.config.credentials import Credentials
from desktop.core.config.settings import Settings
from desktop.core.router.types import Timeouts
from tests.fakes.harness import FakeServices

T = TypeVar("T")

# Short bounds so that dead-server tests finish in seconds.
FAST_TIMEOUTS = Timeouts(
    composio_request=3.0, mcp_init=3.0, mcp_read=10.0, model_connect=2.0, model_read=2.0
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
    )


async def collect(session: ChatSession, prompt: str) -> list[TurnEvent]:
    return [event async for event in session.run_turn(prompt)]
