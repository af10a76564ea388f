"""Which chat backend the current settings and keys make, on the agent's loop.

With a conversation store every turn is stored (`PersistentChat`); without one (the database
could not be opened) the window's conversation is kept in memory (`MemoryChat` over the
`MemoryConversation` the window keeps): each turn checks its budget as a stored one does, and
new settings or keys continue it, history and spending alike, rather than forgetting it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from desktop.core.agent.build import Endpoints
from desktop.core.agent.session import ChatSession
from desktop.core.agent.worker import AgentLoop
from desktop.core.config.credentials import Credentials
from desktop.core.config.settings import Settings
from desktop.core.consent.approvals import ConsentState
from desktop.core.conversations.backend import ChatBackend
from desktop.core.conversations.memory_chat import MemoryChat, MemoryConversation
from desktop.core.conversations.persistent import PersistentChat
from desktop.core.conversations.threaded import on_agent_loop
from desktop.core.redaction import Redactor
from desktop.core.router.types import Timeouts

if TYPE_CHECKING:
    import httpx
    from pydantic_ai.messages import ModelMessage

    from desktop.core.conversations.budgets import ConversationBudgets
    from desktop.core.store.facade import ConversationRepository


class BackendMaker:
    """Makes the backend for one set of settings and keys; `__call__` is the controller's
    backend factory."""

    def __init__(
        self,
        agent_loop: AgentLoop,
        settings: Settings,
        credentials: Credentials,
        endpoints: Endpoints,
        timeouts: Timeouts,
        repository: ConversationRepository | None,
        *,
        memory: MemoryConversation | None = None,
        http: httpx.AsyncClient | None = None,
        keep_rule: Callable[[str], None] | None = None,
        redactor: Redactor | None = None,
        budgets: ConversationBudgets | None = None,
    ) -> None:
        self._agent_loop = agent_loop
        self._budgets = budgets  # the window's (the store's, or its in-memory chat's)
        self._settings = settings
        self._credentials = credentials
        self._endpoints = endpoints
        self._timeouts = timeouts
        self._repository = repository
        # Without a store, the conversation the window keeps in memory (this backend goes on
        # with it); None: a new one.
        self._memory = memory
        self._http = http  # the app's one client for its own requests (on the agent's loop)
        self._keep_rule = keep_rule  # saves an "always allow" a person chose
        self._rules = set(settings.always_allowed)  # and every session made later knows it
        self._redactor = redactor  # the app's one, which knows every key it has read

    def __call__(self) -> ChatBackend:
        return on_agent_loop(self._agent_loop, self._make())

    def _make(self) -> ChatBackend:
        if self._repository is None:
            if self._memory is None:
                self._memory = MemoryConversation()
            memory = self._memory
            return MemoryChat(self.session(None, memory.history), memory, self._budgets)
        # The controller opens the conversation on screen on it (its history comes from the
        # store, its Tool Router session is resumed).
        return PersistentChat(
            self._repository,
            self.session,
            model=self._settings.model,
            budgets=self._budgets,
        )

    def _on_rule(self, slug: str) -> None:
        self._rules.add(slug)
        if self._keep_rule is not None:
            self._keep_rule(slug)

    def session(
        self, router_session_id: str | None, history: Sequence[ModelMessage]
    ) -> ChatSession:
        """A chat session on these settings and keys, resuming `router_session_id`."""
        return ChatSession(
            self._settings,
            self._credentials,
            self._endpoints,
            self._timeouts,
            router_session_id=router_session_id,
            history=history,
            http=self._http,
            redactor=self._redactor,
            consent=ConsentState(
                rules=frozenset(self._rules),
                ask_for_reads=self._settings.ask_before_reads,
                on_rule=self._on_rule,
            ),
        )
