"""Which backend the settings make: stored turns with a store, a chat kept in memory without one."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from pydantic_ai.messages import ModelRequest, ModelResponse, TextPart, UserPromptPart

from desktop.core.agent.build import Endpoints
from desktop.core.agent.session import ChatSession
from desktop.core.agent.worker import AgentLoop
from desktop.core.config.configuration import Configuration
from desktop.core.config.credentials import Credentials
from desktop.core.config.secrets import MemorySecretStore
from desktop.core.config.settings import Settings
from desktop.core.consent.approvals import ConsentState
from desktop.core.consent.policy import actions_of, must_ask
from desktop.core.conversations.factory import BackendMaker
from desktop.core.conversations.memory_chat import MemoryChat, MemoryConversation
from desktop.core.conversations.persistent import PersistentChat
from desktop.core.conversations.threaded import ThreadedBackend, ThreadedConversation
from desktop.core.router.types import Timeouts
from desktop.core.store.facade import AsyncConversationStore

CREDENTIALS = Credentials(openai_api_key="sk-test", composio_api_key="ak_test", user_id="u1")
HISTORY = (
    ModelRequest(parts=[UserPromptPart("list my sandboxes")]),
    ModelResponse(parts=[TextPart("You have none.")]),
)


def maker(agent_loop: AgentLoop, **kwargs: Any) -> BackendMaker:
    return BackendMaker(
        agent_loop,
        Settings(),
        CREDENTIALS,
        Endpoints(),
        Timeouts(),
        **kwargs,
    )


def test_without_a_store_new_settings_continue_the_conversation_kept_in_memory() -> None:
    """The window keeps its chat in a `MemoryConversation` when nothing can be stored: each
    backend new settings make continues it (its history, its id, its ledger)."""
    memory = MemoryConversation()
    memory.history = HISTORY

    async def main() -> tuple[object, object]:
        agent_loop = AgentLoop()
        try:
            made = maker(agent_loop, repository=None, memory=memory)()
            fresh = maker(agent_loop, repository=None)()
            return made, fresh
        finally:
            await agent_loop.aclose()

    made, fresh = asyncio.run(main())
    assert isinstance(made, ThreadedBackend) and isinstance(made.inner, MemoryChat)
    assert made.inner.conversation is memory
    assert isinstance(made.inner.session, ChatSession) and made.inner.session.history == HISTORY
    assert isinstance(fresh, ThreadedBackend) and isinstance(fresh.inner, MemoryChat)
    assert fresh.inner.conversation is not memory and fresh.inner.session.history == ()


def test_with_a_store_every_turn_is_stored() -> None:
    async def main() -> object:
        agent_loop = AgentLoop()
        store = await AsyncConversationStore.open(":memory:")
        try:
            return maker(agent_loop, repository=store)()
        finally:
            await store.aclose()
            await agent_loop.aclose()

    made = asyncio.run(main())
    assert isinstance(made, ThreadedConversation) and isinstance(made.inner, PersistentChat)


def test_a_rule_revoked_in_settings_is_asked_again_by_the_next_backend(tmp_path: Path) -> None:
    configuration = Configuration(
        tmp_path / "settings.json", {}, tmp_path, secret_store=MemorySecretStore()
    )
    configuration.keep_rule("E2B_CREATE_SANDBOX")
    configuration.keep_rule("E2B_PAUSE_SANDBOX")
    create = actions_of("E2B_CREATE_SANDBOX", {})[0]
    listing = actions_of("E2B_LIST_ALL_SANDBOXES", {})[0]

    agent_loop = AgentLoop()  # nothing runs on it: the sessions are only built

    def consent(settings: Settings) -> ConsentState:
        maker = BackendMaker(agent_loop, settings, CREDENTIALS, Endpoints(), Timeouts(), None)
        return maker.session(None, ()).consent

    try:
        before = consent(configuration.settings)
        # Settings > Permissions: revoke one rule and turn the switch on, then Save (the app
        # then reconfigures the controller with a BackendMaker on the saved settings).
        edited = configuration.settings.model_copy(update={"ask_before_reads": True})
        revoked = frozenset({"E2B_CREATE_SANDBOX"})
        assert asyncio.run(configuration.save(edited, {}, revoked=revoked)) is None
        after = consent(configuration.settings)
    finally:
        asyncio.run(agent_loop.aclose())

    assert not must_ask(create, before.grants) and not must_ask(listing, before.grants)
    assert after.rules == {"E2B_PAUSE_SANDBOX"}
    assert must_ask(create, after.grants)
    assert must_ask(listing, after.grants)
