"""Helpers for stored-conversation tests: a PersistentChat over the fakes and a real store."""

from __future__ import annotations

import os
from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path

from pydantic_ai.messages import ModelMessage

from desktop.core.agent.build import Endpoints
from desktop.core.agent.events import TurnEvent
from desktop.core.agent.session import ChatSession
from desktop.core.config.credentials import Credentials
from desktop.core.config.settings import Settings
from desktop.core.consent.approvals import ConsentState
from desktop.core.conversations.budgets import ConversationBudgets, SandboxCost
from desktop.core.conversations.persistent import ChangeListener, PersistentChat
from desktop.core.store.facade import AsyncConversationStore
from tests.fakes.harness import FakeServices
from tests.integration.chat_helpers import FAST_TIMEOUTS, Answer, collect, session_for

MODEL = "openai:gpt-5"


def chat_for(
    services: FakeServices,
    store: AsyncConversationStore,
    *,
    conversation_id: str | None = None,
    on_change: ChangeListener | None = None,
    settings: Settings | None = None,
    consent: ConsentState | None = None,
    budget: Decimal | None = None,
    sandbox_cost: SandboxCost | None = None,
) -> PersistentChat:
    template = session_for(services, settings=settings)

    def make_session(router_session_id: str | None, history: Sequence[ModelMessage]) -> ChatSession:
        return ChatSession(
            template.settings,
            template._credentials,
            template.endpoints,
            template.timeouts,
            router_session_id=router_session_id,
            history=history,
            consent=consent,
        )

    return PersistentChat(
        store,
        make_session,
        model=MODEL,
        conversation_id=conversation_id,
        on_change=on_change,
        budgets=ConversationBudgets.stored(store, lambda: budget, sandbox_cost),
    )


def chat_from_environment(
    store: AsyncConversationStore, *, consent: ConsentState | None = None
) -> PersistentChat:
    """A PersistentChat on the fakes the environment names (for a driver run as a script, which
    gets the test's `FakeServices.env()`)."""
    env = os.environ
    credentials = Credentials(
        openai_api_key=env["OPENAI_API_KEY"],
        composio_api_key=env["COMPOSIO_API_KEY"],
        user_id=env["USER_ID"],
    )
    endpoints = Endpoints(
        openai_base_url=env["OPENAI_BASE_URL"], composio_base_url=env["COMPOSIO_BASE_URL"]
    )

    def make_session(router_session_id: str | None, history: Sequence[ModelMessage]) -> ChatSession:
        return ChatSession(
            Settings(user_id=credentials.user_id),
            credentials,
            endpoints,
            FAST_TIMEOUTS,
            router_session_id=router_session_id,
            history=history,
            consent=consent,
        )

    return PersistentChat(store, make_session, model=MODEL)


async def continue_conversation(
    services: FakeServices, db: Path, conversation_id: str, prompt: str
) -> list[TurnEvent]:
    """As the next start would: reopen the store at `db` and ask `prompt` in the conversation."""
    store = await open_store(db)
    chat = chat_for(services, store, conversation_id=conversation_id)
    try:
        return await collect_turn(chat, prompt)
    finally:
        await chat.aclose()
        await store.aclose()


async def collect_turn(
    chat: PersistentChat, prompt: str, answer: Answer | None = None
) -> list[TurnEvent]:
    return await collect(chat, prompt, answer)


async def open_store(path: Path) -> AsyncConversationStore:
    return await AsyncConversationStore.open(path)


def sessions_created(services: FakeServices) -> int:
    return sum(
        1
        for r in services.composio.requests
        if r.method == "POST" and r.path.endswith("/tool_router/session")
    )


def sessions_resumed(services: FakeServices, session_id: str) -> int:
    return sum(
        1
        for r in services.composio.requests
        if r.method == "GET" and r.path.endswith(f"/tool_router/session/{session_id}")
    )
