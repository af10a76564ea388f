"""Helpers for stored-conversation tests: a PersistentChat over the fakes and a real store."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from pydantic_ai.messages import ModelMessage

from desktop.core.agent.events import TurnEvent
from desktop.core.agent.session import ChatSession
from desktop.core.config.settings import Settings
from desktop.core.consent.approvals import ConsentState
from desktop.core.conversations.persistent import ChangeListener, PersistentChat
from desktop.core.store.facade import AsyncConversationStore
from tests.fakes.harness import FakeServices
from tests.integration.chat_helpers import Answer, collect, session_for

MODEL = "openai:gpt-5"


def chat_for(
    services: FakeServices,
    store: AsyncConversationStore,
    *,
    conversation_id: str | None = None,
    on_change: ChangeListener | None = None,
    settings: Settings | None = None,
    consent: ConsentState | None = None,
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
        store, make_session, model=MODEL, conversation_id=conversation_id, on_change=on_change
    )


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
