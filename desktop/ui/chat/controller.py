"""The one bridge from the chat core to Qt: owns the tasks, turns events into signals."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import TYPE_CHECKING, assert_never

from PySide6.QtCore import QObject, Signal

from desktop.core.agent.events import (
    TextDelta,
    ToolCallFinished,
    ToolCallStarted,
    TurnCancelled,
    TurnEvent,
    TurnFailed,
    TurnFinished,
)
from desktop.core.conversations.backend import (
    BackendFactory,
    ChatBackend,
    ConnectionState,
    ConnectionStatus,
    ConversationBackend,
    StoredChange,
    user_error,
)
from desktop.core.conversations.connection import (
    CONNECTION_KINDS,
    BackendConnection,
    failure_status,
)
from desktop.core.conversations.history import items_and_position, items_from_turns

# store_records, not store: the store pulls in pydantic-ai, which must not delay the first paint.
from desktop.core.store.records import StoreError
from desktop.ui.chat.turn_runner import FLUSH_INTERVAL_MS, STOP_GRACE_MS, TurnRunner
from desktop.ui.messages import CONFIGURE_FIRST, window_failure, window_status

if TYPE_CHECKING:
    from desktop.core.store.facade import ConversationRepository

WAIT_FOR_REPLY = "The agent is still answering: wait for it or press Stop (Esc)."
NOTHING_TO_REDO = "There is no message in this conversation to ask again yet."


class ChatController(QObject):
    """Runs the conversation for the window.

    It keeps a strong reference to every task it starts (a task nobody holds can be collected
    mid-run), coalesces text deltas on a timer so a fast stream repaints a few dozen times a
    second, and turns every failure into one user-facing sentence. Widgets never await: they
    call `send`, `stop`, `new_conversation` and listen to the signals.

    With a conversation repository it also knows which stored conversation is on screen:
    `open_conversation` shows one and continues it, `regenerate` and `resend_edited` delete the
    last turn and ask again. Which conversation a new chat became is learnt from the backend
    (a `ConversationBackend`) once its first prompt is stored.

    Two helpers do the detail: a `BackendConnection` makes and connects the backend and keeps
    the status, a `TurnRunner` coalesces the running turn's text and stops or abandons it.
    """

    turn_started = Signal(str)  # the prompt, accepted: the window shows it and clears the input
    send_refused = Signal(str)  # why; the input keeps its text
    text_received = Signal(str)
    tool_call_started = Signal(object)  # ToolCallStarted
    tool_call_finished = Signal(object)  # ToolCallFinished
    turn_finished = Signal(object)  # TurnFinished
    turn_failed = Signal(object)  # TurnFailed
    turn_cancelled = Signal(object)  # TurnCancelled
    busy_changed = Signal(bool)
    connection_state_changed = Signal(object)  # ConnectionStatus
    conversation_cleared = Signal()
    conversation_changed = Signal(object)  # the id on screen, or None for a new chat
    conversation_stored = Signal(str)  # a prompt or reply of this conversation was stored
    history_loaded = Signal(object)  # list[HistoryItem]: what the chat view shows, replaced
    history_failed = Signal(str)  # the conversation could not be read
    history_reveal = Signal(int)  # after history_loaded: the item to bring into view
    rewind_available_changed = Signal(bool)  # regenerate / edit the last prompt possible

    def __init__(
        self,
        backend_factory: BackendFactory | None = None,
        parent: QObject | None = None,
        *,
        flush_interval_ms: int = FLUSH_INTERVAL_MS,
        stop_grace_ms: int = STOP_GRACE_MS,
        repository: ConversationRepository | None = None,
    ) -> None:
        super().__init__(parent)
        self._repository = repository
        self._conversation_id: str | None = None
        self._switch_after_turn: tuple[str | None] | None = None
        self._load_generation = 0
        self._rewind_available = False
        self._busy = False
        self._tasks: set[asyncio.Task[None]] = set()
        self._connection = BackendConnection(
            backend_factory,
            start=self._start,
            on_status=lambda status: self.connection_state_changed.emit(window_status(status)),
            on_made=self._on_backend_made,
        )
        self._turn = TurnRunner(
            self.text_received.emit,
            self._on_turn_event,
            self,
            flush_interval_ms=flush_interval_ms,
            stop_grace_ms=stop_grace_ms,
        )

    # -- state -------------------------------------------------------------------------------
    @property
    def busy(self) -> bool:
        return self._busy

    @property
    def connection_status(self) -> ConnectionStatus:
        return window_status(self._connection.status)

    @property
    def agent_ready(self) -> bool:
        """The agent is loaded and connected (`prepare_agent` has finished)."""
        return self._connection.warmed

    @property
    def backend(self) -> ChatBackend | None:
        return self._connection.backend

    @property
    def conversation_id(self) -> str | None:
        """The stored conversation on screen; None for a new chat not stored yet."""
        return self._conversation_id

    @property
    def rewind_available(self) -> bool:
        return self._rewind_available

    def set_repository(self, repository: ConversationRepository | None) -> None:
        """The store to show conversations from (it may open after the window)."""
        self._repository = repository
        self._update_rewind()

    def _set_busy(self, busy: bool) -> None:
        if busy != self._busy:
            self._busy = busy
            self.busy_changed.emit(busy)
        self._update_rewind()

    def _update_rewind(self) -> None:
        available = (
            self._repository is not None and self._conversation_id is not None and not self._busy
        )
        if available != self._rewind_available:
            self._rewind_available = available
            self.rewind_available_changed.emit(available)

    def _start(self, coroutine: Awaitable[None]) -> asyncio.Task[None]:
        task: asyncio.Task[None] = asyncio.ensure_future(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    # -- connection --------------------------------------------------------------------------
    def connect_backend(self) -> None:
        """Create the backend (if needed) and connect it; progress shows in the status."""
        self._connection.connect()

    def prepare_agent(self) -> None:
        """A prompt is being typed: load the agent and connect it now, so the reply does not
        wait for that. Idempotent; does nothing before keys are set."""
        self._connection.warm()

    def reconfigure(self, backend_factory: BackendFactory | None) -> None:
        """New settings or keys: drop the current backend and connect with the new one."""
        if self._busy:
            self._turn.abandon()
        self._connection.reconfigure(backend_factory)

    def _on_backend_made(self, backend: ChatBackend) -> None:
        if isinstance(backend, ConversationBackend):
            backend.watch(self._on_backend_stored)
            if backend.conversation_id != self._conversation_id:
                backend.open_conversation(self._conversation_id)

    def _on_backend_stored(self, change: StoredChange) -> None:
        # A new chat's first prompt created its conversation: that is what is on screen now.
        if (
            change.created
            and self._busy
            and not self._turn.abandoned
            and self._conversation_id is None
            and self._switch_after_turn is None
        ):
            self._conversation_id = change.conversation_id
            self.conversation_changed.emit(change.conversation_id)
        self.conversation_stored.emit(change.conversation_id)

    # -- turns -------------------------------------------------------------------------------
    def send(self, prompt: str) -> bool:
        """Start a turn; False (and `send_refused`) when it cannot start now."""
        if not prompt.strip():
            return False
        if self._busy:
            self.send_refused.emit(WAIT_FOR_REPLY)
            return False
        if not self._connection.configured:
            self.send_refused.emit(CONFIGURE_FIRST)
            return False
        self._begin_busy()
        self.turn_started.emit(prompt)
        self._turn.task = self._start(self._run_turn(prompt))
        return True

    def _begin_busy(self) -> None:
        self._turn.begin()
        self._set_busy(True)

    def regenerate(self) -> bool:
        """Delete the last turn of the conversation and ask its prompt again."""
        return self._rewind(None)

    def resend_edited(self, prompt: str) -> bool:
        """Replace the last turn: delete it, then send `prompt` in its place."""
        if not prompt.strip():
            return False
        return self._rewind(prompt)

    def _rewind(self, prompt: str | None) -> bool:
        if self._busy:
            self.send_refused.emit(WAIT_FOR_REPLY)
            return False
        conversation_id = self._conversation_id
        if self._repository is None or conversation_id is None:
            self.send_refused.emit(NOTHING_TO_REDO)
            return False
        if not self._connection.configured:
            self.send_refused.emit(CONFIGURE_FIRST)
            return False
        self._begin_busy()
        self._turn.task = self._start(
            self._rewind_and_run(self._repository, conversation_id, prompt)
        )
        return True

    async def _rewind_and_run(
        self, repository: ConversationRepository, conversation_id: str, prompt: str | None
    ) -> None:
        try:
            removed = await repository.delete_last_turn(conversation_id)
            if removed is not None:
                # The store changed: the agent's history follows it before anything else, so
                # a Stop right now cannot leave it holding the deleted turn.
                backend = self._connection.backend
                if isinstance(backend, ConversationBackend) and not self._turn.abandoned:
                    backend.open_conversation(conversation_id)
                self.conversation_stored.emit(conversation_id)
                turns = await repository.turns(conversation_id)
        except StoreError as exc:
            self.send_refused.emit(str(exc))
            self._end_turn()
            return
        except BaseException:
            self._end_turn()
            raise
        if removed is None:
            self.send_refused.emit(NOTHING_TO_REDO)
            self._end_turn()
            return
        if not self._turn.abandoned:  # still on screen: show it without the deleted turn
            self._load_generation += 1
            self.history_loaded.emit(items_from_turns(turns))
        if self._turn.stop_requested or self._turn.abandoned:
            self._end_turn()  # stopped, or switched away, before anything was asked
            return
        text = prompt if prompt is not None else removed.prompt
        self.turn_started.emit(text)
        await self._run_turn(text)

    async def _run_turn(self, prompt: str) -> None:
        turn = self._turn
        try:
            await self._connection.wait_connecting()
            if turn.stop_requested:
                turn.dispatch(TurnCancelled(""))
                return
            backend = await self._connection.ensure()
            await turn.pump(backend.run_turn(prompt))
        except asyncio.CancelledError:
            if not turn.stop_requested:
                raise  # shutdown
            turn.dispatch(TurnCancelled(turn.text))
        except Exception as exc:
            error = user_error(exc)
            turn.dispatch(TurnFailed(error.kind, error.message, fix=error.fix))
        finally:
            self._end_turn()

    def _on_turn_event(self, event: TurnEvent) -> None:
        # Text has gone to text_received already (coalesced); this is every other event.
        match event:
            case TextDelta():
                pass  # never reaches here: the turn runner coalesces text into text_received
            case ToolCallStarted():
                self.tool_call_started.emit(event)
            case ToolCallFinished():
                self.tool_call_finished.emit(event)
            case TurnFinished():
                if self._connection.status.state is not ConnectionState.READY:
                    self._connection.set_status(ConnectionStatus(ConnectionState.READY))
                self.turn_finished.emit(event)
            case TurnCancelled():
                self.turn_cancelled.emit(event)
            case TurnFailed():
                if event.kind in CONNECTION_KINDS:
                    self._connection.set_status(
                        failure_status(event.kind, event.message, event.fix)
                    )
                self.turn_failed.emit(window_failure(event))
            case _:
                assert_never(event)

    def _end_turn(self) -> None:
        self._turn.finish()
        if self._switch_after_turn is not None:
            (target,) = self._switch_after_turn
            self._switch_after_turn = None
            if self._connection.backend is not None:
                self._apply_switch(self._connection.backend, target)
        self._turn.forget_abandoned()
        self._set_busy(False)

    def stop(self) -> None:
        """Stop the running turn; what arrived stays. The stream ends with TurnCancelled."""
        if self._busy:
            self._turn.stop()

    # -- conversations -----------------------------------------------------------------------
    def new_conversation(self) -> None:
        """Start over. A running turn is stopped and its remaining events are dropped."""
        self._load_generation += 1  # a conversation still loading is not shown any more
        self._switch_to(None)
        self.conversation_cleared.emit()

    def open_conversation(self, conversation_id: str) -> None:
        """Show a stored conversation and continue it with its history (and router session)."""
        if conversation_id == self._conversation_id:
            return
        self._switch_to(conversation_id)
        self._load_generation += 1
        if self._repository is not None:
            self._start(self._load(self._repository, conversation_id, self._load_generation))

    def open_conversation_at(self, conversation_id: str, turn_id: int) -> None:
        """Show a stored conversation at one of its turns (a search hit), even if it is the one
        on screen. While a reply streams into that conversation, it is left alone."""
        if conversation_id == self._conversation_id and self._busy:
            return
        if conversation_id != self._conversation_id:
            self._switch_to(conversation_id)
        self._load_generation += 1
        if self._repository is not None:
            self._start(
                self._load(self._repository, conversation_id, self._load_generation, turn_id)
            )

    def reload_conversation(self) -> None:
        """Show the current conversation again as stored (e.g. after it was imported)."""
        if self._repository is not None and self._conversation_id is not None:
            self._load_generation += 1
            self._start(self._load(self._repository, self._conversation_id, self._load_generation))

    def _switch_to(self, conversation_id: str | None) -> None:
        if self._busy:
            self._turn.abandon()
            self._switch_after_turn = (conversation_id,)
        elif self._connection.backend is not None:
            self._apply_switch(self._connection.backend, conversation_id)
        changed = conversation_id != self._conversation_id
        self._conversation_id = conversation_id
        if changed:
            self.conversation_changed.emit(conversation_id)
        self._update_rewind()

    @staticmethod
    def _apply_switch(backend: ChatBackend, conversation_id: str | None) -> None:
        if isinstance(backend, ConversationBackend):
            backend.open_conversation(conversation_id)
        else:
            backend.new_conversation()  # it cannot load a stored one: at least start afresh

    async def _load(
        self,
        repository: ConversationRepository,
        conversation_id: str,
        generation: int,
        reveal_turn: int | None = None,
    ) -> None:
        try:
            turns = await repository.turns(conversation_id)
        except StoreError as exc:
            if generation == self._load_generation:
                self.history_failed.emit(str(exc))
            return
        if generation == self._load_generation:
            items, position = items_and_position(turns, reveal_turn)
            self.history_loaded.emit(items)
            if position is not None:
                self.history_reveal.emit(position)

    # -- shutdown ----------------------------------------------------------------------------
    async def aclose(self) -> None:
        """Stop everything and close the backend; for the composition root at exit."""
        self._turn.close()
        tasks = [task for task in self._tasks if not task.done()]
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.gather(*tasks, return_exceptions=True)
        await self._connection.aclose()
