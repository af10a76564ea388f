"""The one bridge from the chat core to Qt: owns the tasks, turns events into signals."""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import logging
import time
from collections.abc import Awaitable

from PySide6.QtCore import QObject, QTimer, Signal

from desktop.core.errors import UserFacingError
from desktop.core.events import (
    ErrorKind,
    TextDelta,
    ToolCallFinished,
    ToolCallStarted,
    TurnCancelled,
    TurnEvent,
    TurnFailed,
    TurnFinished,
)
from desktop.ui.backend import (
    UNEXPECTED_MESSAGE,
    BackendFactory,
    ChatBackend,
    ConnectionDetails,
    ConnectionState,
    ConnectionStatus,
    TurnEvents,
    user_message,
)

__all__ = [
    "UNEXPECTED_MESSAGE",
    "BackendFactory",
    "ChatBackend",
    "ChatController",
    "ConnectionDetails",
    "ConnectionState",
    "ConnectionStatus",
    "TurnEvents",
    "user_message",
]

log = logging.getLogger(__name__)

FLUSH_INTERVAL_MS = 33  # coalesced text reaches the view about 30 times a second
STOP_GRACE_MS = 5_000  # a stream that ignores cancel() is cut off after this
YIELD_EVERY_S = 0.008
CONFIGURE_FIRST = "Open Settings (Ctrl+,) and enter your OpenAI and Composio keys first."
WAIT_FOR_REPLY = "The agent is still answering: wait for it or press Stop (Esc)."
# Failures that say the connection itself is unusable, not just this one turn.
CONNECTION_KINDS = frozenset(
    {
        ErrorKind.MISSING_KEY,
        ErrorKind.COMPOSIO_KEY_REJECTED,
        ErrorKind.MCP_KEY_REJECTED,
        ErrorKind.UNREACHABLE,
    }
)


class ChatController(QObject):
    """Runs the conversation for the window.

    It keeps a strong reference to every task it starts (a task nobody holds can be collected
    mid-run), coalesces text deltas on a timer so a fast stream repaints a few dozen times a
    second, and turns every failure into one user-facing sentence. Widgets never await: they
    call `send`, `stop`, `new_conversation` and listen to the signals.
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

    def __init__(
        self,
        backend_factory: BackendFactory | None = None,
        parent: QObject | None = None,
        *,
        flush_interval_ms: int = FLUSH_INTERVAL_MS,
        stop_grace_ms: int = STOP_GRACE_MS,
    ) -> None:
        super().__init__(parent)
        self._factory = backend_factory
        self._backend: ChatBackend | None = None
        self._status = ConnectionStatus(ConnectionState.NOT_CONFIGURED)
        self._busy = False
        self._tasks: set[asyncio.Task[None]] = set()
        self._connect_task: asyncio.Task[None] | None = None
        self._turn_task: asyncio.Task[None] | None = None
        self._stream: TurnEvents | None = None
        self._stop_requested = False
        self._abandoned = False  # the turn's remaining events belong to a cleared chat
        self._clear_after_turn = False
        self._pending: list[str] = []
        self._turn_text: list[str] = []
        self._flush_timer = QTimer(self)
        self._flush_timer.setSingleShot(True)
        self._flush_timer.setInterval(flush_interval_ms)
        self._flush_timer.timeout.connect(self._flush)
        self._stop_timer = QTimer(self)
        self._stop_timer.setSingleShot(True)
        self._stop_timer.setInterval(stop_grace_ms)
        self._stop_timer.timeout.connect(self._on_stop_timer_timeout)

    # -- state -------------------------------------------------------------------------------
    @property
    def busy(self) -> bool:
        return self._busy

    @property
    def connection_status(self) -> ConnectionStatus:
        return self._status

    @property
    def backend(self) -> ChatBackend | None:
        return self._backend

    def _set_busy(self, busy: bool) -> None:
        if busy != self._busy:
            self._busy = busy
            self.busy_changed.emit(busy)

    def _set_status(self, status: ConnectionStatus) -> None:
        if status != self._status:
            self._status = status
            self.connection_state_changed.emit(status)

    def _start(self, coroutine: Awaitable[None]) -> asyncio.Task[None]:
        task: asyncio.Task[None] = asyncio.ensure_future(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    # -- connection --------------------------------------------------------------------------
    def connect_backend(self) -> None:
        """Create the backend (if needed) and connect it; progress shows in the status."""
        if self._connect_task is not None and not self._connect_task.done():
            return
        if self._factory is None:
            self._set_status(ConnectionStatus(ConnectionState.NOT_CONFIGURED, CONFIGURE_FIRST))
            return
        self._set_status(ConnectionStatus(ConnectionState.CONNECTING))
        self._connect_task = self._start(self._connect())

    def reconfigure(self, backend_factory: BackendFactory | None) -> None:
        """New settings or keys: drop the current backend and connect with the new one."""
        self._factory = backend_factory
        if self._busy:
            self._abandon_turn()
        old, self._backend = self._backend, None
        if self._connect_task is not None:
            self._connect_task.cancel()
            self._connect_task = None
        self._start(self._reconnect(old))

    async def _reconnect(self, old: ChatBackend | None) -> None:
        if old is not None:
            await self._close_quietly(old)
        self.connect_backend()

    async def _connect(self) -> None:
        try:
            backend = await self._ensure_backend()
            info = await backend.connect()
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            kind, message = user_message(exc)
            state = (
                ConnectionState.NOT_CONFIGURED
                if kind is ErrorKind.MISSING_KEY
                else ConnectionState.ERROR
            )
            self._set_status(ConnectionStatus(state, message))
            return
        count = len(info.tool_names)
        self._set_status(
            ConnectionStatus(
                ConnectionState.READY,
                f"{count} tool{'s' if count != 1 else ''}",
                tuple(info.tool_names),
            )
        )

    async def _ensure_backend(self) -> ChatBackend:
        if self._backend is None:
            if self._factory is None:
                raise UserFacingError(ErrorKind.MISSING_KEY, CONFIGURE_FIRST)
            made = self._factory()
            self._backend = await made if inspect.isawaitable(made) else made
        return self._backend

    # -- turns -------------------------------------------------------------------------------
    def send(self, prompt: str) -> bool:
        """Start a turn; False (and `send_refused`) when it cannot start now."""
        if not prompt.strip():
            return False
        if self._busy:
            self.send_refused.emit(WAIT_FOR_REPLY)
            return False
        if self._factory is None and self._backend is None:
            self.send_refused.emit(CONFIGURE_FIRST)
            return False
        self._stop_requested = False
        self._abandoned = False
        self._turn_text = []
        self._set_busy(True)
        self.turn_started.emit(prompt)
        self._turn_task = self._start(self._run_turn(prompt))
        return True

    async def _run_turn(self, prompt: str) -> None:
        try:
            if self._connect_task is not None and not self._connect_task.done():
                with contextlib.suppress(Exception):
                    await asyncio.shield(self._connect_task)
            if self._stop_requested:
                self._dispatch(TurnCancelled(""))
                return
            backend = await self._ensure_backend()
            stream = self._stream = backend.run_turn(prompt)
            if self._stop_requested:
                stream.cancel()
            ended = False
            last_yield = time.perf_counter()
            async for event in stream:
                self._dispatch(event)
                if time.perf_counter() - last_yield > YIELD_EVERY_S:
                    # A stream that never waits (everything already buffered) must not hold
                    # the UI thread: let Qt paint and handle input between batches.
                    await asyncio.sleep(0)
                    last_yield = time.perf_counter()
                if isinstance(event, TurnFinished | TurnCancelled | TurnFailed):
                    ended = True
                    break
            if not ended:
                self._dispatch(
                    TurnFailed(ErrorKind.UNEXPECTED, "The reply ended unexpectedly; try again.")
                )
        except asyncio.CancelledError:
            if not self._stop_requested:
                raise  # shutdown
            self._dispatch(TurnCancelled("".join(self._turn_text)))
        except Exception as exc:
            kind, message = user_message(exc)
            self._dispatch(TurnFailed(kind, message))
        finally:
            self._end_turn()

    def _dispatch(self, event: TurnEvent) -> None:
        if isinstance(event, TextDelta):
            self._turn_text.append(event.text)
            if self._abandoned:
                return
            self._pending.append(event.text)
            if not self._flush_timer.isActive():
                self._flush_timer.start()
            return
        self._flush()
        if self._abandoned:
            return
        if isinstance(event, ToolCallStarted):
            self.tool_call_started.emit(event)
        elif isinstance(event, ToolCallFinished):
            self.tool_call_finished.emit(event)
        elif isinstance(event, TurnFinished):
            if self._status.state is not ConnectionState.READY:
                self._set_status(ConnectionStatus(ConnectionState.READY))
            self.turn_finished.emit(event)
        elif isinstance(event, TurnCancelled):
            self.turn_cancelled.emit(event)
        else:
            if event.kind in CONNECTION_KINDS:
                state = (
                    ConnectionState.NOT_CONFIGURED
                    if event.kind is ErrorKind.MISSING_KEY
                    else ConnectionState.ERROR
                )
                self._set_status(ConnectionStatus(state, event.message))
            self.turn_failed.emit(event)

    def _flush(self) -> None:
        self._flush_timer.stop()
        if self._pending:
            text, self._pending = "".join(self._pending), []
            if not self._abandoned:
                self.text_received.emit(text)

    def _end_turn(self) -> None:
        self._flush()
        self._stop_timer.stop()
        self._stream = None
        self._turn_task = None
        if self._clear_after_turn:
            self._clear_after_turn = False
            if self._backend is not None:
                self._backend.new_conversation()
        self._abandoned = False
        self._set_busy(False)

    def stop(self) -> None:
        """Stop the running turn; what arrived stays. The stream ends with TurnCancelled."""
        if not self._busy or self._stop_requested:
            return
        self._stop_requested = True
        if self._stream is not None:
            self._stream.cancel()
        self._stop_timer.start()

    def _on_stop_timer_timeout(self) -> None:
        # The stream did not honour cancel() in time: cut the task itself.
        if self._turn_task is not None and not self._turn_task.done():
            log.warning("turn did not stop within the grace period; cancelling its task")
            self._turn_task.cancel()

    def _abandon_turn(self) -> None:
        self._flush()
        self._pending = []
        self._abandoned = True
        self.stop()

    def new_conversation(self) -> None:
        """Start over. A running turn is stopped and its remaining events are dropped."""
        if self._busy:
            self._abandon_turn()
            self._clear_after_turn = True
        elif self._backend is not None:
            self._backend.new_conversation()
        self.conversation_cleared.emit()

    # -- shutdown ----------------------------------------------------------------------------
    async def aclose(self) -> None:
        """Stop everything and close the backend; for the composition root at exit."""
        self._flush_timer.stop()
        self._stop_timer.stop()
        if self._stream is not None:
            self._stream.cancel()
        tasks = [task for task in self._tasks if not task.done()]
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.gather(*tasks, return_exceptions=True)
        backend, self._backend = self._backend, None
        if backend is not None:
            await self._close_quietly(backend)

    @staticmethod
    async def _close_quietly(backend: ChatBackend) -> None:
        try:
            await backend.aclose()
        except Exception:
            log.warning("closing the chat backend failed", exc_info=True)
