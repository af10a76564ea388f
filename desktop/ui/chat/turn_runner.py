"""The running turn's event stream for the chat controller: coalesced text, stop, abandon."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable, Iterator

from PySide6.QtCore import QObject, QTimer

from desktop.core.agent.events import (
    STOP_GRACE_SECONDS,
    TERMINAL_EVENTS,
    ApprovalRequested,
    ApprovalResolved,
    TextDelta,
    ToolCallFinished,
    TurnEvent,
    TurnFailed,
)
from desktop.core.consent.approvals import Decision
from desktop.core.conversations.backend import TurnEvents
from desktop.core.errors import REPLY_ENDED_MESSAGE, ErrorKind
from desktop.ui.chat.activity import Activity

log = logging.getLogger(__name__)

FLUSH_INTERVAL_MS = 33  # coalesced text reaches the view about 30 times a second
# The core cuts a turn off after its grace; a stream that still ignores cancel() is cut off
# from here after twice that (one rule: the core's grace).
STOP_GRACE_MS = round(2_000 * STOP_GRACE_SECONDS)
YIELD_EVERY_S = 0.008


class TurnRunner(QObject):
    """Passes the running turn's events on as the window should see them.

    Text deltas are coalesced on a short timer so that a fast stream repaints a few dozen times
    a second, not per token; any other event first flushes the text before it. `stop` asks the
    stream to cancel and, if it ignores that for the grace period, cancels `task` itself. Once
    `abandon`ed (the chat the turn belongs to was left) the turn's remaining events are dropped.

    It also knows whether the turn waits for a person's decision: from an `ApprovalRequested`
    until it is decided, resolved, stopped, abandoned or the turn ends (`on_waiting` hears each
    change), and what it awaits before anything shows (`on_activity`): the agent loading, then
    the model thinking, until text, a tool call or an approval arrives (and again after a call's
    result, while the model reads it).
    """

    def __init__(
        self,
        on_text: Callable[[str], None],
        on_event: Callable[[TurnEvent], None],
        parent: QObject | None = None,
        *,
        flush_interval_ms: int = FLUSH_INTERVAL_MS,
        stop_grace_ms: int = STOP_GRACE_MS,
        on_waiting: Callable[[bool], None] = lambda _waiting: None,
        on_activity: Callable[[Activity | None], None] = lambda _activity: None,
    ) -> None:
        super().__init__(parent)
        self._on_text = on_text
        self._on_event = on_event
        self._on_waiting = on_waiting
        self._on_activity = on_activity
        self._activity: Activity | None = None
        self._waiting = False
        self.task: asyncio.Task[None] | None = None  # the turn's task, cut after the grace
        self._stream: TurnEvents | None = None
        self._stop_requested = False
        self._stoppable = False  # within `stoppable_at_once`
        self._abandoned = False  # the turn's remaining events belong to a cleared chat
        self._pending: list[str] = []
        self._turn_text: list[str] = []
        self._flush_timer = QTimer(self)
        self._flush_timer.setSingleShot(True)
        self._flush_timer.setInterval(flush_interval_ms)
        self._flush_timer.timeout.connect(self.flush)
        self._stop_timer = QTimer(self)
        self._stop_timer.setSingleShot(True)
        self._stop_timer.setInterval(stop_grace_ms)
        self._stop_timer.timeout.connect(self._on_stop_timer_timeout)

    @property
    def stop_requested(self) -> bool:
        return self._stop_requested

    @property
    def abandoned(self) -> bool:
        return self._abandoned

    @property
    def waiting(self) -> bool:
        """The turn asked for a decision that nobody has made yet."""
        return self._waiting

    @property
    def activity(self) -> Activity | None:
        return self._activity

    def set_activity(self, activity: Activity | None) -> None:
        if activity != self._activity:
            self._activity = activity
            if not self._abandoned or activity is None:
                self._on_activity(activity)

    def _set_waiting(self, waiting: bool) -> None:
        if waiting != self._waiting:
            self._waiting = waiting
            self._on_waiting(waiting)

    @property
    def text(self) -> str:
        """All the text this turn has received so far, shown or not."""
        return "".join(self._turn_text)

    def begin(self, *, loading: bool = False) -> None:
        """A new turn starts: not stopped, not abandoned, no text yet; the agent is `loading`
        (else the model has the prompt at once)."""
        self._stop_requested = False
        self._abandoned = False
        self._turn_text = []
        self._set_waiting(False)
        self.set_activity(Activity.LOADING if loading else Activity.THINKING)

    async def pump(self, stream: TurnEvents) -> None:
        """Pass on `stream`'s events until the turn ends; a stream that just stops failed."""
        self.set_activity(Activity.THINKING)
        self._stream = stream
        if self._stop_requested:
            stream.cancel()
        ended = False
        last_yield = time.perf_counter()
        async for event in stream:
            self.dispatch(event)
            if time.perf_counter() - last_yield > YIELD_EVERY_S:
                # A stream that never waits (everything already buffered) must not hold
                # the UI thread: let Qt paint and handle input between batches.
                await asyncio.sleep(0)
                last_yield = time.perf_counter()
            if isinstance(event, TERMINAL_EVENTS):
                ended = True
                break
        if not ended:
            self.dispatch(TurnFailed(ErrorKind.UNEXPECTED, REPLY_ENDED_MESSAGE))

    def dispatch(self, event: TurnEvent) -> None:
        if isinstance(event, ToolCallFinished):
            self.set_activity(Activity.THINKING)  # the model reads the result
        elif not isinstance(event, ApprovalResolved):  # the approved calls run: their cards show
            self.set_activity(None)
        if isinstance(event, TextDelta):
            self._turn_text.append(event.text)
            if self._abandoned:
                return
            self._pending.append(event.text)
            if not self._flush_timer.isActive():
                self._flush_timer.start()
            return
        self.flush()
        if self._abandoned:
            return
        self._on_event(event)
        if isinstance(event, ApprovalRequested):
            self._set_waiting(True)
        elif isinstance(event, (ApprovalResolved, *TERMINAL_EVENTS)):
            self._set_waiting(False)

    def flush(self) -> None:
        self._flush_timer.stop()
        if self._pending:
            text, self._pending = "".join(self._pending), []
            if not self._abandoned:
                self._on_text(text)

    def finish(self) -> None:
        """The turn is over: show the last text, forget the stream and the task."""
        self.set_activity(None)
        self.flush()
        self._stop_timer.stop()
        self._stream = None
        self.task = None
        self._set_waiting(False)

    def decide(self, decisions: tuple[Decision, ...]) -> None:
        """A person's answer to the running turn's approval request."""
        if self._stream is not None:
            self._stream.decide(decisions)
            self._set_waiting(False)  # answered; ApprovalResolved says how it went

    def forget_abandoned(self) -> None:
        self._abandoned = False

    @contextlib.contextmanager
    def stoppable_at_once(self) -> Iterator[None]:
        """Within, the turn only waits (for the connection, for the agent to load): nothing has
        run, so Stop cancels `task` at once instead of asking a stream there is not yet."""
        self._stoppable = True
        try:
            if self._stop_requested and self.task is not None:
                self.task.cancel()  # stopped before it even began to wait
            yield
        finally:
            self._stoppable = False

    def stop(self) -> None:
        """Ask the stream to cancel (once); it ends with TurnCancelled."""
        self._set_waiting(False)  # stopping denies what waits
        if self._stop_requested:
            return
        self._stop_requested = True
        if self._stoppable and self.task is not None:
            self.task.cancel()
            return
        if self._stream is not None:
            self._stream.cancel()
        self._stop_timer.start()

    def _on_stop_timer_timeout(self) -> None:
        # The stream did not honour cancel() in time: cut the task itself.
        if self.task is not None and not self.task.done():
            log.warning("turn did not stop within the grace period; cancelling its task")
            self.task.cancel()

    def abandon(self) -> None:
        """Drop the turn's remaining events and stop it."""
        self.flush()
        self._pending = []
        self._abandoned = True
        self.stop()

    def close(self) -> None:
        """Shutdown: no more timers, and the stream is asked to cancel."""
        self._flush_timer.stop()
        self._stop_timer.stop()
        if self._stream is not None:
            self._stream.cancel()
