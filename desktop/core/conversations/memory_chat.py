"""A conversation kept in memory (the terminal's; the window's when its conversation store could
not be opened): a chat session whose every turn is checked against the conversation's budget and
counted in its ledger, as a stored turn is (`persistent_turn`).

The conversation (`MemoryConversation`: its id, its turns' `TurnLedger`, its history as of its
last turn) outlives the backend that chats in it: a `MemoryChat` made for new settings or keys
continues it, history, spending and own budget alike, as a `PersistentChat` continues a stored
conversation from the store.
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import AsyncIterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from desktop.core.agent.events import TERMINAL_EVENTS, TurnEvent
from desktop.core.conversations.session_protocols import AgentSession, OuterTurn
from desktop.core.conversations.turn_ledger import TurnLedger

if TYPE_CHECKING:
    from pydantic_ai.messages import ModelMessage

    from desktop.core.agent.attachments import Attachment, AttachProgress
    from desktop.core.conversations.budgets import ConversationBudgets
    from desktop.core.router.presigned import Progress
    from desktop.core.router.types import ConnectionInfo


class MemoryConversation:
    """One conversation kept in memory: `conversation_id` (its budget is kept under it, its
    sandboxes are tagged with it), `ledger` (what its turns spent, its own budget) and `history`
    (its messages as of its last turn: what the next backend continues)."""

    def __init__(self, ledger: TurnLedger | None = None) -> None:
        self.ledger = ledger or TurnLedger()
        self.conversation_id = uuid.uuid4().hex
        self.history: tuple[ModelMessage, ...] = ()

    def new_conversation(self) -> None:
        """Start afresh: a new id (no budget of its own, nothing spent), no history."""
        self.conversation_id = uuid.uuid4().hex
        self.history = ()


class MemorySession(AgentSession, Protocol):
    """What `MemoryChat` needs of the chat session (`agent.session.ChatSession`)."""

    @property
    def history(self) -> tuple[ModelMessage, ...]: ...


class MemoryChat:
    """A chat backend over `session` for `conversation`; each turn's budget is `budgets`' (None:
    no budget)."""

    def __init__(
        self,
        session: MemorySession,
        conversation: MemoryConversation,
        budgets: ConversationBudgets | None = None,
    ) -> None:
        self.session = session
        self.conversation = conversation
        self.budgets = budgets

    @property
    def conversation_id(self) -> str:
        return self.conversation.conversation_id

    def run_turn(self, prompt: str, attachments: Sequence[Attachment] = ()) -> MemoryTurn:
        """A turn, checked against the conversation's budget before each model request."""
        return MemoryTurn(self, prompt, attachments)

    def keep_history(self) -> None:
        """The session's history is the conversation's (after a turn, and when closed)."""
        self.conversation.history = self.session.history

    def new_conversation(self) -> None:
        self.session.new_conversation()
        self.conversation.new_conversation()

    async def check(self) -> ConnectionInfo:
        return await self.session.check()

    async def connect(self) -> ConnectionInfo:
        return await self.session.connect()

    async def attach(
        self, paths: Sequence[Path], progress: AttachProgress | None = None
    ) -> tuple[Attachment, ...]:
        return await self.session.attach(paths, progress)

    async def download_file(
        self, shown_path: str, destination: Path, progress: Progress | None = None
    ) -> int:
        return await self.session.download_file(shown_path, destination, progress)

    async def call_tool(self, name: str, arguments: dict[str, Any], seconds: float) -> Any:
        """A Tool Router call without the model (what the sandbox panel lists and acts by)."""
        return await self.session.call_tool(name, arguments, seconds)

    def use_model(self, model: str) -> None:
        self.session.use_model(model)

    async def aclose(self) -> None:
        self.keep_history()
        await self.session.aclose()


class MemoryTurn(OuterTurn):
    """One turn of a `MemoryChat`: its budget asked of `ConversationBudgets` before it starts,
    each of its events told to the conversation's ledger before it is passed on (yielded
    unchanged, like `TurnStream`'s). Cut off from outside, what arrived still counts."""

    def __init__(
        self, chat: MemoryChat, prompt: str, attachments: Sequence[Attachment] = ()
    ) -> None:
        super().__init__()
        self._chat = chat
        self._prompt = prompt
        self._attachments = tuple(attachments)

    async def _events(self) -> AsyncIterator[TurnEvent]:
        chat = self._chat
        conversation_id = chat.conversation_id  # the turn's, even if a new chat starts meanwhile
        ledger = chat.conversation.ledger
        # Its own, else the setting's; what its earlier turns spent.
        budget = await chat.budgets.turn_budget(conversation_id) if chat.budgets else None
        inner = self._begin(
            chat.session.run_turn(
                self._prompt, self._attachments, conversation_id=conversation_id, budget=budget
            )
        )
        ended = False
        try:
            async for event in inner:
                ledger.observe(conversation_id, event)
                if isinstance(event, TERMINAL_EVENTS):
                    ended = True
                    chat.keep_history()
                yield event
        finally:
            if not ended:  # cut off from outside: its own end, with what its requests cost
                with contextlib.suppress(Exception):
                    await inner.aclose()
                for event in inner.leftover():
                    ledger.observe(conversation_id, event)
                chat.keep_history()
