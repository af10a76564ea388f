"""Conversations that last: a chat session whose every turn is written to the conversation store.

`PersistentChat` wraps a `ChatSession` and a `ConversationRepository` and offers what the UI
needs of a chat backend (`connect`, `run_turn`, `new_conversation`, `aclose`), plus
`open_conversation`. Crash safety comes from the order of writes: the prompt is committed as a
pending turn before the agent runs, what the turn has done so far (its messages, text and tool
cards) each time a tool call finishes, and the reply (finished, stopped with what arrived, or
failed with its error) before the turn's last event reaches the caller. A process killed mid-reply
leaves the prompt behind as a pending turn with every call that had finished, and every earlier
turn intact; the store's history includes those calls, so the agent still knows they ran.

A conversation is created lazily, by its first prompt (which gives it its title). Opening a stored
conversation is cheap and lazy too: its history is read from the store, and its Tool Router
session reused, only when the next turn (or `connect`) needs them.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, assert_never

from desktop.core.agent.events import (
    TurnCancelled,
    TurnEnd,
    TurnFailed,
    TurnFinished,
    Usage,
)
from desktop.core.conversations.recorder import TurnRecorder
from desktop.core.conversations.session_protocols import AgentSession, SessionFactory
from desktop.core.errors import ErrorKind, Fix, UserFacingError
from desktop.core.store.records import (
    FinalStatus,
    NotFoundError,
    StoreError,
    TurnEndedError,
)

if TYPE_CHECKING:
    from pathlib import Path

    from pydantic_ai.messages import ModelMessage

    from desktop.core.agent.attachments import Attachment, AttachProgress
    from desktop.core.conversations.budgets import ConversationBudgets
    from desktop.core.conversations.persistent_turn import PersistentTurn
    from desktop.core.router.presigned import Progress
    from desktop.core.router.types import ConnectionInfo
    from desktop.core.store.facade import ConversationRepository

log = logging.getLogger(__name__)

CLOSE_OLD_SESSION_SECONDS = 2.0  # a replaced session's MCP connection gets this long to close


@dataclass(frozen=True)
class ConversationChange:
    """A turn of `conversation_id` was stored (begun or completed)."""

    conversation_id: str
    created: bool = False  # the turn's prompt created the conversation
    turn_id: int | None = None
    completed: bool = False  # the reply is stored (else only the prompt is)


ChangeListener = Callable[[ConversationChange], None]


class PersistentChat:
    """A chat backend that stores every turn of the conversation it is pointed at.

    `on_change` (or `watch`) hears of every stored prompt and reply; listeners must not block.
    """

    def __init__(
        self,
        repository: ConversationRepository,
        session_factory: SessionFactory,
        *,
        model: str,
        conversation_id: str | None = None,
        on_change: ChangeListener | None = None,
        budgets: ConversationBudgets | None = None,
    ) -> None:
        self._repository = repository
        self.budgets = budgets  # what each turn may spend (None: no budget)
        self._factory = session_factory
        self._model = model  # the model the next turns go to (`use_model`)
        self._switched = False
        self._session: AgentSession | None = None
        self._conversation_id = conversation_id
        # False while the session's history may differ from the stored conversation's.
        self._synced = conversation_id is None
        self._generation = 0  # bumped by every switch, so a slow load never applies late
        self._synced_id: str | None = None  # the conversation the session's history is of
        self._stored_router_id: str | None = None
        self._stored_grants: frozenset[str] = frozenset()  # as the store has them
        self._listeners: list[ChangeListener] = [on_change] if on_change else []
        self._prepare_lock = asyncio.Lock()

    # -- state -------------------------------------------------------------------------------
    @property
    def conversation_id(self) -> str | None:
        """The stored conversation turns go to; None until a new one gets its first prompt."""
        return self._conversation_id

    @property
    def session(self) -> AgentSession:
        if self._session is None:
            self._session = self._new_session(None, ())
        return self._session

    @property
    def model(self) -> str:
        return self._model

    def use_model(self, model: str) -> None:
        """The next turns of this conversation (and of any opened after it) go to `model`;
        the history goes with them, whichever provider answered it."""
        self._model, self._switched = model, True
        if self._session is not None:
            self._session.use_model(model)

    def _new_session(
        self, router_session_id: str | None, history: Sequence[ModelMessage]
    ) -> AgentSession:
        session = self._factory(router_session_id, history)
        if self._switched:  # the factory makes sessions on the settings' model
            session.use_model(self._model)
        return session

    @property
    def repository(self) -> ConversationRepository:
        return self._repository

    def watch(self, listener: ChangeListener) -> None:
        self._listeners.append(listener)

    # -- switching ---------------------------------------------------------------------------
    def open_conversation(self, conversation_id: str | None) -> None:
        """Continue a stored conversation (None: a new one). Also re-reads the current one,
        e.g. after its last turn was deleted to be asked again."""
        if conversation_id is None:
            self.new_conversation()
            return
        self._conversation_id = conversation_id
        self._synced = False
        self._generation += 1

    def new_conversation(self) -> None:
        """Start afresh; nothing is stored until the first prompt. The connection stays."""
        self._conversation_id = self._synced_id = None
        self._stored_router_id, self._stored_grants = None, frozenset()
        self._synced = True
        self._generation += 1
        if self._session is not None:
            self._session.new_conversation()

    async def sync_with_store(self) -> None:
        """Bring the session in line with the conversation: its history, its router session."""
        async with self._prepare_lock:
            while not self._synced:
                generation = self._generation
                conversation_id = self._conversation_id
                assert conversation_id is not None
                try:
                    conversation = await self._repository.get_conversation(conversation_id)
                    history = await self._repository.history(conversation_id)
                except NotFoundError:
                    if generation == self._generation:
                        log.info("conversation %s is gone; starting a new one", conversation_id)
                        self.new_conversation()
                    continue
                if generation != self._generation:
                    continue  # switched again meanwhile: load the newer choice
                await self._adopt(
                    conversation.router_session_id, history, conversation_id != self._synced_id
                )
                self._stored_router_id = conversation.router_session_id
                # What the person allowed for this conversation lasts as long as it does.
                self._stored_grants = frozenset(conversation.allowed_actions)
                self.session.consent.conversation = self._stored_grants
                self._synced, self._synced_id = True, conversation_id

    async def _adopt(
        self, router_session_id: str | None, history: Sequence[ModelMessage], other: bool
    ) -> None:
        current = self._session
        if current is None or (
            router_session_id is not None and router_session_id != current.router_session_id
        ):
            # Its own Tool Router session: resumed (or silently replaced if the backend forgot
            # it) when the new session connects.
            self._session = self._new_session(router_session_id, history)
            if current is not None:
                await _close_quietly(current)
        else:
            if other:  # what was allowed for the previous conversation is not for this one
                current.new_conversation()
            current.load_history(history)

    # -- ChatBackend -------------------------------------------------------------------------
    async def check(self) -> ConnectionInfo:
        """The light check (see `ChatSession.check`), on the Tool Router session of the
        conversation on screen; its history is left for `connect` or the next turn."""
        conversation_id = self._conversation_id
        made_for: str | None = None
        if self._session is None and not self._synced and conversation_id is not None:
            try:
                conversation = await self._repository.get_conversation(conversation_id)
            except StoreError:
                conversation = None  # gone or unreadable: the next turn sorts it out
            if self._session is None and conversation is not None:
                self._session = self._new_session(conversation.router_session_id, ())
                self._stored_router_id = conversation.router_session_id
                made_for = conversation_id
        info = await self.session.check()
        if made_for is not None:
            # A forgotten router session was replaced: the conversation resumes the new one.
            await self._remember_router_session(made_for)
        return info

    async def connect(self) -> ConnectionInfo:
        await self._sync()
        info = await self.session.connect()
        await self._remember_router_session()
        return info

    async def download_file(
        self, shown_path: str, destination: Path, progress: Progress | None = None
    ) -> int:
        """From the files mount of the conversation's own Tool Router session."""
        await self._sync()
        return await self.session.download_file(shown_path, destination, progress)

    async def _sync(self) -> None:
        try:
            await self.sync_with_store()
        except StoreError as exc:
            raise UserFacingError(ErrorKind.UNEXPECTED, str(exc)) from exc

    async def attach(
        self, paths: Sequence[Path], progress: AttachProgress | None = None
    ) -> tuple[Attachment, ...]:
        """Upload files to the files mount of the conversation's own Tool Router session (its
        history and session brought in line first), for the next turn."""
        await self._sync()
        return await self.session.attach(paths, progress)

    def run_turn(self, prompt: str, attachments: Sequence[Attachment] = ()) -> PersistentTurn:
        """A stored turn; `attachments` (from `attach`) are stored with its prompt."""
        from desktop.core.conversations.persistent_turn import PersistentTurn

        return PersistentTurn(self, prompt, attachments)

    async def call_tool(self, name: str, arguments: dict[str, Any], seconds: float) -> Any:
        """A Tool Router call without the model, on the session's connection (any session of
        the user sees the same E2B team): what the sandbox panel lists and acts through."""
        return await self.session.call_tool(name, arguments, seconds)

    async def aclose(self) -> None:
        session, self._session = self._session, None
        if session is not None:
            await session.aclose()

    # -- storing -----------------------------------------------------------------------------
    async def store_prompt(
        self, prompt: str, attachments: Sequence[Attachment] = ()
    ) -> tuple[str, int, bool]:
        """Commit the prompt (and its attachments' records) as a pending turn, creating the
        conversation if needed."""
        created = False
        for _attempt in range(2):
            conversation_id = self._conversation_id
            if conversation_id is None:
                conversation_id = await self._repository.create_conversation(self._model)
                self._conversation_id = self._synced_id = conversation_id
                self._stored_router_id = None
                created = True
            try:
                turn_id = await self._repository.begin_turn(
                    conversation_id, prompt, attachments, model=self._model
                )
            except NotFoundError:
                # Deleted from under us (another window?): the prompt starts a new conversation,
                # without the deleted one's history.
                self.new_conversation()
                continue
            self._notify(ConversationChange(conversation_id, created, turn_id))
            return conversation_id, turn_id, created
        raise StoreError("The conversation could not be saved.")

    async def store_progress(self, turn_id: int, messages: bytes, recorder: TurnRecorder) -> None:
        """Keep what the running turn has done so far (one write per finished tool call), so
        that a turn cut off or killed still holds the calls that ran and what they returned."""
        try:
            await self._repository.record_progress(
                turn_id, messages or None, recorder.text(), recorder.cards()
            )
        except StoreError:  # the turn goes on; its end is stored as usual
            log.warning("could not store the progress of turn %s", turn_id, exc_info=True)

    async def store_reply(
        self, conversation_id: str, turn_id: int, event: TurnEnd, recorder: TurnRecorder
    ) -> None:
        try:
            messages: bytes | None
            usage: Usage | None = None
            error: str | None = None
            fix: Fix | None = None
            status: FinalStatus
            match event:
                case TurnFinished():
                    messages, text, usage = (
                        event.messages_json,
                        recorder.text(event.text),
                        event.usage,
                    )
                    status = "complete"
                case TurnCancelled():  # what its requests cost counts all the same
                    messages, text = event.messages_json, recorder.text(event.partial_text)
                    usage, status = event.usage, "cancelled"
                case TurnFailed():
                    messages, text, error = (
                        event.messages_json or None,
                        recorder.text(),
                        event.message,
                    )
                    fix, status, usage = event.fix, "failed", event.usage
                case _:
                    assert_never(event)
            await self._repository.complete_turn(
                turn_id, messages, text, recorder.cards(), usage, status, error=error, fix=fix
            )
            await self._remember_router_session(conversation_id)
            await self._remember_grants(conversation_id)
        except TurnEndedError:
            # Stored already: a cut-off turn's second attempt, after the first one's write went
            # on while its task was cancelled (shutdown).
            log.debug("the end of turn %s was stored already", turn_id)
            return
        except StoreError:
            # The reply was shown; only its copy on disk is missing. The turn stays pending.
            log.warning("could not store the reply of turn %s", turn_id, exc_info=True)
            return
        self._notify(ConversationChange(conversation_id, False, turn_id, completed=True))

    async def _remember_grants(self, conversation_id: str) -> None:
        """Store what was allowed for the rest of the conversation, when a turn changed it."""
        session = self._session
        if session is None or conversation_id != self._conversation_id:
            return
        grants = session.consent.conversation
        if grants != self._stored_grants:
            await self._repository.set_allowed_actions(conversation_id, grants)
            self._stored_grants = grants

    async def _remember_router_session(self, conversation_id: str | None = None) -> None:
        """Store the Tool Router session the conversation runs on, once it is known."""
        conversation_id = conversation_id or self._conversation_id
        session = self._session
        if conversation_id is None or session is None or conversation_id != self._conversation_id:
            return
        router_id = session.router_session_id
        if router_id is None or router_id == self._stored_router_id:
            return
        try:
            await self._repository.set_router_session(conversation_id, router_id)
        except StoreError:
            log.warning("could not store the router session", exc_info=True)
            return
        self._stored_router_id = router_id

    def _notify(self, change: ConversationChange) -> None:
        for listener in list(self._listeners):
            try:
                listener(change)
            except Exception:
                log.exception("a conversation listener failed")


async def _close_quietly(session: AgentSession) -> None:
    try:
        await asyncio.wait_for(session.aclose(), CLOSE_OLD_SESSION_SECONDS)
    except Exception:  # TimeoutError included
        log.warning("closing a replaced chat session failed", exc_info=True)
