"""The one bridge from the chat core to Qt: owns the tasks, turns events into signals."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal

from desktop.core.agent.events import TextDelta, TurnCancelled, TurnEvent, TurnFailed
from desktop.core.agent.prompt import validate_prompt
from desktop.core.consent.approvals import Decision
from desktop.core.conversations.backend import (
    BackendFactory,
    ChatBackend,
    ConnectionStatus,
    ConversationBackend,
    StoredChange,
    user_error,
)
from desktop.core.conversations.connection import BackendConnection
from desktop.core.conversations.open_conversation import (
    NOTHING_TO_REDO,
    ConversationsChanged,
    OpenConversation,
    Rewound,
)

# store_records, not store: the store pulls in pydantic-ai, which must not delay the first paint.
from desktop.core.store.records import StoreError
from desktop.ui.chat.activity import Activity
from desktop.ui.chat.turn_runner import FLUSH_INTERVAL_MS, STOP_GRACE_MS, TurnRunner
from desktop.ui.chat.uploads import Uploads
from desktop.ui.chat.window_events import as_window_shows
from desktop.ui.messages import CONFIGURE_FIRST, window_status

if TYPE_CHECKING:
    from desktop.core.agent.attachments import Attachment
    from desktop.core.store.facade import ConversationRepository

WAIT_FOR_REPLY = "The agent is still answering: wait for it or press Stop (Esc)."


class ChatController(QObject):
    """Runs the conversation for the window.

    It holds every task it starts (one nobody holds can be collected mid-run), coalesces text
    deltas on a timer, and turns every failure into one user-facing sentence. Widgets never
    await: they call `send`, `stop`, `new_conversation` and listen to the signals.

    Which stored conversation is on screen is the core's `OpenConversation`'s to decide; this
    object asks it, runs what it returns and passes its announcements on.

    Helpers do the detail: a `BackendConnection` makes and connects the backend (and keeps the
    status and the model switched to), a `TurnRunner` runs the turn, `uploads` a message's files.
    """

    turn_started = Signal(str)  # the prompt, accepted: the window shows it and clears the input
    turn_attached = Signal(object)  # after turn_started: the records of the files it carries
    send_refused = Signal(str)  # why; the input keeps its text
    # TurnEvent as the window shows it: text coalesced into TextDelta, failures worded.
    turn_event = Signal(object)
    busy_changed = Signal(bool)
    connection_state_changed = Signal(object)  # ConnectionStatus
    conversation_cleared = Signal()
    conversations_changed = Signal(object)  # ConversationsChanged: what is on screen, stored
    history_loaded = Signal(object)  # list[HistoryItem]: what the chat view shows, replaced
    history_failed = Signal(str)  # the conversation could not be read
    history_reveal = Signal(int)  # after history_loaded: the item to bring into view
    rewind_available_changed = Signal(bool)  # regenerate / edit the last prompt possible
    # (RewindWarning, the edited prompt or None): the last reply's actions ran; ask, then confirm
    rewind_warned = Signal(object, object)
    waiting_changed = Signal(bool)  # the running turn waits for a person's decision, or no more
    activity_changed = Signal(object)  # Activity | None: what the turn awaits before it shows

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
        self._open = OpenConversation(self._on_conversations_changed, repository)
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
            lambda text: self.turn_event.emit(TextDelta(text)),
            self._on_turn_event,
            self,
            flush_interval_ms=flush_interval_ms,
            stop_grace_ms=stop_grace_ms,
            on_waiting=self.waiting_changed.emit,
            on_activity=self.activity_changed.emit,
        )
        self.uploads = Uploads(self)

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
        return self._open.conversation_id

    @property
    def rewind_available(self) -> bool:
        return self._rewind_available

    @property
    def waiting_for_decision(self) -> bool:
        """The running turn asked for consent nobody has given, denied or stopped yet."""
        return self._turn.waiting

    def leaves_decision(self, conversation_id: str | None = None) -> bool:
        """Whether showing `conversation_id` (None: new chat, closing) leaves a waiting decision."""
        return self._turn.waiting and self._leaves(conversation_id)

    def set_repository(self, repository: ConversationRepository | None) -> None:
        """The store to show conversations from (it may open after the window)."""
        self._open.repository = repository
        self._update_rewind()

    def _set_busy(self, busy: bool) -> None:
        if busy != self._busy:
            self._busy = busy
            self.busy_changed.emit(busy)
        self._update_rewind()

    def _update_rewind(self) -> None:
        available = self._open.rewindable and not self._busy
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
        """A prompt is being typed: load and connect the agent now (idempotent; not before keys)."""
        self._connection.warm()

    def reconfigure(self, backend_factory: BackendFactory | None) -> None:
        """New settings or keys: a new backend, on the settings' model (a switch is forgotten)."""
        if self._busy:
            self._turn.abandon()
        self._connection.reconfigure(backend_factory)

    def use_model(self, model: str) -> None:
        """The switcher's choice: the next turns go to `model`, the conversation going on."""
        self._connection.use_model(model)

    def _on_backend_made(self, backend: ChatBackend) -> None:
        if isinstance(backend, ConversationBackend):
            backend.watch(self._on_backend_stored)
        self._open.backend_made(backend)

    def _on_backend_stored(self, change: StoredChange) -> None:
        self._open.stored(change, own_turn_live=self._busy and not self._turn.abandoned)

    def _on_conversations_changed(self, change: ConversationsChanged) -> None:
        self.conversations_changed.emit(change)
        self._update_rewind()

    # -- turns -------------------------------------------------------------------------------
    def send(self, prompt: str, files: Sequence[Path] = ()) -> bool:
        """Start a turn (its `files` uploaded first); False (and `send_refused`) if it cannot."""
        if self._unsendable(prompt):
            return False
        if self._busy:
            self.send_refused.emit(WAIT_FOR_REPLY)
            return False
        if not self._connection.configured:
            self.send_refused.emit(CONFIGURE_FIRST)
            return False
        self._begin_busy()
        if files:
            self._turn.set_activity(None)  # the turn begins once the files are in the mount
            self._turn.task = self._start(self._upload_and_run(prompt, tuple(files)))
            return True
        self.turn_started.emit(prompt)
        self._turn.task = self._start(self._run_turn(prompt))
        return True

    async def _upload_and_run(self, prompt: str, files: tuple[Path, ...]) -> None:
        sent = await self.uploads.send(self._connection.ensure, files, self._turn)
        if isinstance(sent, str):  # nothing reached the model: the message stays to edit
            self.send_refused.emit(sent)
            self._end_turn()
            return
        self._turn.set_activity(Activity.THINKING if self.agent_ready else Activity.LOADING)
        self.turn_started.emit(prompt)
        self.turn_attached.emit(sent)
        await self._run_turn(prompt, sent)

    def _begin_busy(self) -> None:
        self._turn.begin(loading=not self._connection.warmed)
        self._set_busy(True)

    def regenerate(self, *, confirmed: bool = False) -> bool:
        """Ask the last prompt again in place of its turn; unless `confirmed`, a turn whose
        actions ran is kept and `rewind_warned` says what to ask first."""
        return self._rewind(None, confirmed)

    def resend_edited(self, prompt: str, *, confirmed: bool = False) -> bool:
        """Replace the last turn with `prompt` (checked first), as `regenerate`."""
        return not self._unsendable(prompt) and self._rewind(prompt, confirmed)

    def _unsendable(self, prompt: str) -> bool:  # said before anything is drawn
        if problem := (validate_prompt(prompt) if prompt.strip() else None):
            self.send_refused.emit(problem)
        return problem is not None or not prompt.strip()

    def _rewind(self, prompt: str | None, confirmed: bool) -> bool:
        if self._busy:
            self.send_refused.emit(WAIT_FOR_REPLY)
            return False
        if not self._open.rewindable:
            self.send_refused.emit(NOTHING_TO_REDO)
            return False
        if not self._connection.configured:
            self.send_refused.emit(CONFIGURE_FIRST)
            return False
        self._begin_busy()
        self._turn.task = self._start(self._rewind_and_run(prompt, confirmed))
        return True

    async def _rewind_and_run(self, prompt: str | None, confirmed: bool) -> None:
        turn = self._turn
        try:
            rewound = await self._open.rewind(
                prompt,
                lambda: self._connection.backend,
                left=lambda: turn.abandoned,
                confirmed=confirmed,
            )
        except StoreError as exc:
            self.send_refused.emit(str(exc))
            self._end_turn()
            return
        except BaseException:
            self._end_turn()
            raise
        if not isinstance(rewound, Rewound):  # nothing to ask again, or ask the person first
            if rewound is None:
                self.send_refused.emit(NOTHING_TO_REDO)
            else:
                self.rewind_warned.emit(rewound, prompt)
            self._end_turn()
            return
        if not turn.abandoned:  # still on screen: show it without the deleted turn
            self.history_loaded.emit(rewound.items)
        if turn.stop_requested or turn.abandoned:
            self._end_turn()  # stopped, or switched away, before anything was asked
            return
        self.turn_started.emit(rewound.prompt)
        self.turn_attached.emit(rewound.attachments)
        await self._run_turn(rewound.prompt, rewound.attachments)

    async def _run_turn(self, prompt: str, attachments: tuple[Attachment, ...] = ()) -> None:
        turn = self._turn
        try:
            with turn.stoppable_at_once():  # nothing has run yet: Stop need not wait
                await self._connection.wait_connecting()
                backend = await self._connection.ensure()
                await self._connection.wait_warm()  # "Loading the agent…" until it has loaded
            if turn.stop_requested:
                turn.dispatch(TurnCancelled(""))
                return
            await turn.pump(
                backend.run_turn(prompt, attachments) if attachments else backend.run_turn(prompt)
            )
        except asyncio.CancelledError:
            if not turn.stop_requested:
                raise  # shutdown
            turn.dispatch(TurnCancelled(turn.text))
        except Exception as exc:
            error = user_error(exc)
            turn.dispatch(TurnFailed.of(error))
        finally:
            self._end_turn()

    def _on_turn_event(self, event: TurnEvent) -> None:
        # Text has been passed on already (coalesced); this is every other event.
        self.turn_event.emit(as_window_shows(event, self._connection))

    def _end_turn(self) -> None:
        self._turn.finish()
        self._open.turn_ended(self._connection.backend)
        self._turn.forget_abandoned()
        self._set_busy(False)

    def decide(self, decisions: tuple[Decision, ...]) -> None:
        """A person's answer to the approval the running turn waits for."""
        if self._busy:
            self._turn.decide(decisions)

    def stop(self) -> None:
        """Stop the running turn; what arrived stays (the stream ends with TurnCancelled)."""
        if self._busy:
            self._turn.stop()

    # -- conversations -----------------------------------------------------------------------
    def new_conversation(self) -> None:
        """Start over. A running turn is stopped and its remaining events are dropped."""
        self._leave_turn()
        self._open.open(None, self._connection.backend, turn_running=self._busy)
        self.conversation_cleared.emit()

    def open_conversation(self, conversation_id: str) -> asyncio.Task[None] | None:
        """Show a stored conversation and continue it: the task that shows it (None: shown)."""
        self._leave_turn(unless_on=conversation_id)
        generation = self._open.open(
            conversation_id, self._connection.backend, turn_running=self._busy
        )
        return self._start(self._show(generation)) if generation is not None else None

    def open_conversation_at(self, conversation_id: str, turn_id: int) -> None:
        """Show a stored conversation at a turn (a search hit); one streaming is left alone."""
        self._leave_turn(unless_on=conversation_id)
        generation = self._open.open_at(
            conversation_id, self._connection.backend, turn_running=self._busy
        )
        if generation is not None:
            self._start(self._show(generation, turn_id))

    def forget_conversation(self, conversation_id: str) -> None:
        """`conversation_id` was deleted: if it is on screen, a new chat takes its place."""
        if self._open.forget(conversation_id):
            self.new_conversation()

    def reload_conversation(self) -> None:
        """Show the current conversation again as stored (e.g. after it was imported)."""
        if self._open.conversation_id is not None:
            self._start(self._show(self._open.reread()))

    def _leave_turn(self, unless_on: str | None = None) -> None:
        """Another conversation goes on screen: the running turn's events are shown no more."""
        if self._busy and self._leaves(unless_on):
            self._turn.abandon()

    def _leaves(self, going_to: str | None) -> bool:
        return going_to is None or going_to != self._open.conversation_id

    async def _show(self, generation: int, reveal_turn: int | None = None) -> None:
        try:
            shown = await self._open.read(generation, reveal_turn)
        except StoreError as exc:
            if self._open.is_current(generation):
                self.history_failed.emit(str(exc))
            return
        if shown is not None:
            self.history_loaded.emit(shown.items)
            if shown.reveal is not None:
                self.history_reveal.emit(shown.reveal)

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
