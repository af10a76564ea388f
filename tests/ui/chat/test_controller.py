"""The controller over a scripted backend: signals, coalescing, stop, failures, connection."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path

import pytest
import qasync
from pytestqt.qtbot import QtBot

from desktop.core.agent.events import (
    TextDelta,
    ToolAction,
    ToolCallFinished,
    ToolCallStarted,
    TurnCancelled,
    TurnEvent,
    TurnFailed,
    TurnFinished,
    Usage,
)
from desktop.core.agent.prompt import MAX_PROMPT_CHARS
from desktop.core.config.credentials import COMPOSIO_API_KEY, OPENAI_API_KEY
from desktop.core.conversations.backend import (
    ChatBackend,
    ConnectionState,
    ServiceStatus,
)
from desktop.core.conversations.open_conversation import NOTHING_TO_REDO, ConversationsChanged
from desktop.core.conversations.transcript import AssistantItem, ErrorItem, UserItem
from desktop.core.errors import (
    REPLY_ENDED_MESSAGE,
    UNEXPECTED_MESSAGE,
    ErrorKind,
    Fix,
    Remedy,
    Remote,
    Service,
    UserFacingError,
    unreachable,
)
from desktop.core.store.facade import AsyncConversationStore
from desktop.core.store.sqlite import ConversationStore
from desktop.ui.chat.controller import WAIT_FOR_REPLY, ChatController
from desktop.ui.messages import CONFIGURE_FIRST
from tests.ui.fakes import (
    EVENT_NAMES,
    FakeBackend,
    FakeConversationBackend,
    ScriptedStream,
    wait_for_event,
)


class Recorder:
    """Every signal of a controller, in order, as (name, argument) pairs."""

    def __init__(self, controller: ChatController) -> None:
        self.events: list[tuple[str, object]] = []
        for name in ("turn_started", "send_refused", "busy_changed", "connection_state_changed"):
            getattr(controller, name).connect(lambda arg, n=name: self.events.append((n, arg)))
        controller.turn_event.connect(self._on_turn_event)
        controller.conversation_cleared.connect(lambda: self.events.append(("cleared", None)))

    def _on_turn_event(self, event: TurnEvent) -> None:
        name = EVENT_NAMES[type(event).__name__]
        self.events.append((name, event.text if isinstance(event, TextDelta) else event))

    def named(self, name: str) -> list[object]:
        return [arg for n, arg in self.events if n == name]

    def names(self) -> list[str]:
        return [n for n, _ in self.events if n != "text_received"]

    @property
    def text(self) -> str:
        return "".join(str(t) for t in self.named("text_received"))


def test_connect_reports_connecting_then_ready(
    qtbot: QtBot, controller: ChatController, fake_backend: FakeBackend
) -> None:
    recorder = Recorder(controller)
    gate = fake_backend.connect_gate = asyncio.Event()
    controller.connect_backend()
    assert controller.connection_status.state is ConnectionState.CONNECTING
    gate.set()
    qtbot.waitUntil(lambda: controller.connection_status.state is ConnectionState.READY)
    states = [s.state for s in recorder.named("connection_state_changed")]  # type: ignore[union-attr]
    assert states == [ConnectionState.CONNECTING, ConnectionState.READY]
    assert controller.connection_status.tool_names == fake_backend.tool_names


def test_connect_failure_shows_the_reason(
    qtbot: QtBot, controller: ChatController, fake_backend: FakeBackend
) -> None:
    fake_backend.connect_error = UserFacingError(
        ErrorKind.COMPOSIO_KEY_REJECTED, "Composio rejected the API key: check it in Settings."
    )
    controller.connect_backend()
    qtbot.waitUntil(lambda: controller.connection_status.state is ConnectionState.ERROR)
    assert controller.connection_status.detail == (
        "Composio rejected the API key: check it in Settings."
    )


def test_ready_needs_only_the_light_check_and_typing_loads_the_agent_once(
    qtbot: QtBot, controller: ChatController, fake_backend: FakeBackend
) -> None:
    controller.connect_backend()
    qtbot.waitUntil(lambda: controller.connection_status.state is ConnectionState.READY)
    assert (fake_backend.checks, fake_backend.connects) == (1, 0)
    assert not controller.agent_ready

    controller.prepare_agent()
    controller.prepare_agent()  # more keystrokes: still one load
    qtbot.waitUntil(lambda: controller.agent_ready)
    controller.prepare_agent()
    qtbot.wait(20)
    assert (fake_backend.checks, fake_backend.connects) == (1, 1)


def test_loading_the_agent_can_fail_and_is_tried_again(
    qtbot: QtBot, controller: ChatController, fake_backend: FakeBackend
) -> None:
    controller.connect_backend()
    qtbot.waitUntil(lambda: controller.connection_status.state is ConnectionState.READY)
    fake_backend.connect_error = UserFacingError(
        ErrorKind.MCP_KEY_REJECTED, "The Tool Router refused the Composio key."
    )
    controller.prepare_agent()
    qtbot.waitUntil(lambda: controller.connection_status.state is ConnectionState.ERROR)
    assert controller.connection_status.detail == "The Tool Router refused the Composio key."
    assert not controller.agent_ready

    fake_backend.connect_error = None
    controller.prepare_agent()
    qtbot.waitUntil(lambda: controller.agent_ready)
    assert fake_backend.connects == 2


def test_preparing_without_keys_does_nothing(qtbot: QtBot, qasync_loop: qasync.QEventLoop) -> None:
    controller = ChatController(None)
    controller.prepare_agent()
    qtbot.wait(20)
    assert not controller.agent_ready
    assert controller.connection_status.state is ConnectionState.NOT_CONFIGURED


def test_missing_keys_mean_not_configured(
    qtbot: QtBot, controller: ChatController, fake_backend: FakeBackend
) -> None:
    fake_backend.connect_error = UserFacingError(ErrorKind.MISSING_KEY, "No OpenAI API key is set.")
    controller.connect_backend()
    qtbot.waitUntil(lambda: controller.connection_status.state is ConnectionState.NOT_CONFIGURED)
    assert controller.connection_status.detail == "No OpenAI API key is set."


def test_unexpected_connect_errors_become_one_sentence(
    qtbot: QtBot, controller: ChatController, fake_backend: FakeBackend
) -> None:
    fake_backend.connect_error = KeyError("session_id")
    controller.connect_backend()
    qtbot.waitUntil(lambda: controller.connection_status.state is ConnectionState.ERROR)
    assert controller.connection_status.detail == UNEXPECTED_MESSAGE
    assert "Traceback" not in controller.connection_status.detail


def test_without_a_factory_sending_is_refused(qtbot: QtBot, qasync_loop: qasync.QEventLoop) -> None:
    controller = ChatController(None)
    recorder = Recorder(controller)
    controller.connect_backend()
    status = controller.connection_status
    assert (status.state, status.detail) == (ConnectionState.NOT_CONFIGURED, CONFIGURE_FIRST)
    for service in Service:
        assert status.of(service).state is ConnectionState.NOT_CONFIGURED
    assert controller.send("hi") is False
    assert recorder.named("send_refused") == [CONFIGURE_FIRST]
    assert not controller.busy


def test_a_turn_streams_coalesced_text_and_tool_calls_in_order(
    qtbot: QtBot, controller: ChatController, fake_backend: FakeBackend
) -> None:
    recorder = Recorder(controller)
    call = ToolCallStarted(
        "c1", "E2B_LIST_ALL_SANDBOXES", {}, (ToolAction("E2B_LIST_ALL_SANDBOXES"),)
    )
    words = [f"word{n} " for n in range(300)]
    fake_backend.scripts.append(
        [
            TextDelta("Looking…"),
            call,
            ToolCallFinished("c1", "E2B_LIST_ALL_SANDBOXES", "success", "[]"),
            *[TextDelta(w) for w in words],
            TurnFinished("Looking…" + "".join(words), Usage()),
        ]
    )
    with wait_for_event(qtbot, controller, TurnFinished, 5000):
        assert controller.send("list sandboxes")
    assert recorder.names()[:3] == ["busy_changed", "turn_started", "tool_call_started"]
    assert recorder.named("turn_started") == ["list sandboxes"]
    assert recorder.text == "Looking…" + "".join(words)
    # The text before the tool call is flushed before the card: order is preserved.
    first_text_index = next(i for i, (n, _) in enumerate(recorder.events) if n == "text_received")
    card_index = next(i for i, (n, _) in enumerate(recorder.events) if n == "tool_call_started")
    assert first_text_index < card_index
    # 301 deltas arrived at once: far fewer repaints.
    assert len(recorder.named("text_received")) < 20
    qtbot.waitUntil(lambda: not controller.busy)
    assert recorder.named("busy_changed") == [True, False]
    assert fake_backend.stream.prompt == "list sandboxes"


def test_text_is_flushed_on_a_timer_while_the_stream_waits(
    qtbot: QtBot, controller: ChatController, fake_backend: FakeBackend
) -> None:
    recorder = Recorder(controller)
    controller.send("hi")
    qtbot.waitUntil(lambda: bool(fake_backend.streams))
    fake_backend.stream.push(TextDelta("Hel"), TextDelta("lo"))
    qtbot.waitUntil(lambda: recorder.text == "Hello")
    assert controller.busy
    fake_backend.stream.push(TextDelta(" world"))
    qtbot.waitUntil(lambda: recorder.text == "Hello world")
    fake_backend.stream.finish()
    qtbot.waitUntil(lambda: not controller.busy)


def test_stop_keeps_what_arrived(
    qtbot: QtBot, controller: ChatController, fake_backend: FakeBackend
) -> None:
    recorder = Recorder(controller)
    controller.send("write a poem")
    qtbot.waitUntil(lambda: bool(fake_backend.streams))
    fake_backend.stream.push(TextDelta("Roses are "))
    qtbot.waitUntil(lambda: recorder.text == "Roses are ")
    with wait_for_event(qtbot, controller, TurnCancelled) as blocker:
        controller.stop()
    assert blocker.args == [TurnCancelled("Roses are ")]
    assert fake_backend.stream.cancel_calls == 1
    qtbot.waitUntil(lambda: not controller.busy)
    assert recorder.text == "Roses are "


def test_a_stream_that_ignores_cancel_is_cut_off(
    qtbot: QtBot, qasync_loop: qasync.QEventLoop, fake_backend: FakeBackend
) -> None:
    controller = ChatController(lambda: fake_backend, stop_grace_ms=50)
    controller.send("hang")
    qtbot.waitUntil(lambda: bool(fake_backend.streams))
    fake_backend.stream.ignore_cancel = True
    fake_backend.stream.push(TextDelta("partial"))
    with wait_for_event(qtbot, controller, TurnCancelled, 3000) as blocker:
        controller.stop()
    assert blocker.args == [TurnCancelled("partial")]
    qtbot.waitUntil(lambda: not controller.busy)


def test_sending_while_busy_is_refused(
    qtbot: QtBot, controller: ChatController, fake_backend: FakeBackend
) -> None:
    recorder = Recorder(controller)
    assert controller.send("first")
    assert controller.send("second") is False
    assert recorder.named("send_refused") == [WAIT_FOR_REPLY]
    assert controller.send("   ") is False
    qtbot.waitUntil(lambda: bool(fake_backend.streams))
    fake_backend.stream.finish()
    qtbot.waitUntil(lambda: not controller.busy)
    assert [s.prompt for s in fake_backend.streams] == ["first"]


def test_failures_arrive_as_turn_failed(
    qtbot: QtBot, controller: ChatController, fake_backend: FakeBackend
) -> None:
    recorder = Recorder(controller)
    failure = TurnFailed(ErrorKind.RATE_LIMITED, "OpenAI is rate limiting this key: wait 20 s.")
    fake_backend.scripts.append([TextDelta("Partial"), failure])
    with wait_for_event(qtbot, controller, TurnFailed) as blocker:
        controller.send("go")
    assert blocker.args == [failure]
    assert recorder.text == "Partial"
    qtbot.waitUntil(lambda: not controller.busy)


@pytest.mark.parametrize(
    "error",
    [RuntimeError("boom at /home/user/secret"), UserFacingError(ErrorKind.TIMEOUT, "Too slow.")],
)
def test_exceptions_from_a_stream_become_one_message(
    qtbot: QtBot, controller: ChatController, fake_backend: FakeBackend, error: Exception
) -> None:
    controller.send("go")
    qtbot.waitUntil(lambda: bool(fake_backend.streams))
    with wait_for_event(qtbot, controller, TurnFailed) as blocker:
        fake_backend.stream.explode(error)
    failed = blocker.args[0]
    assert isinstance(failed, TurnFailed)
    if isinstance(error, UserFacingError):
        assert failed == TurnFailed(ErrorKind.TIMEOUT, "Too slow.")
    else:
        assert failed == TurnFailed(ErrorKind.UNEXPECTED, UNEXPECTED_MESSAGE)
    qtbot.waitUntil(lambda: not controller.busy)


def test_a_connection_failure_during_a_turn_updates_the_status(
    qtbot: QtBot, controller: ChatController, fake_backend: FakeBackend
) -> None:
    fake_backend.scripts.append(
        [TurnFailed(ErrorKind.UNREACHABLE, "Could not reach Composio at backend.composio.dev.")]
    )
    with wait_for_event(qtbot, controller, TurnFailed):
        controller.send("go")
    assert controller.connection_status.state is ConnectionState.ERROR
    assert "Could not reach Composio" in controller.connection_status.detail


def test_a_model_failure_marks_the_model_server_not_composio(
    qtbot: QtBot, controller: ChatController, fake_backend: FakeBackend
) -> None:
    """Issue 10, item 16: a model server that cannot be reached was shown as "Composio: error"."""
    controller.connect_backend()
    qtbot.waitUntil(lambda: controller.connection_status.state is ConnectionState.READY)
    assert controller.connection_status.of(Service.MODEL).state is ConnectionState.UNKNOWN
    error = unreachable(Remote(Service.MODEL, "127.0.0.1:38017"))
    fake_backend.scripts.append([TurnFailed.of(error)])
    with wait_for_event(qtbot, controller, TurnFailed):
        controller.send("go")
    status = controller.connection_status
    assert status.of(Service.MODEL) == ServiceStatus(
        Service.MODEL, ConnectionState.ERROR, error.message
    )
    assert status.of(Service.COMPOSIO).state is ConnectionState.READY
    assert status.of(Service.TOOL_ROUTER).state is ConnectionState.READY
    assert status.of(Service.TOOL_ROUTER).detail == "2 tools"
    assert (status.state, status.detail) == (ConnectionState.ERROR, error.message)

    fake_backend.scripts.append([TurnFinished("Hello.", Usage())])
    with wait_for_event(qtbot, controller, TurnFinished):
        controller.send("again")
    status = controller.connection_status
    assert [status.of(s).state for s in Service] == [ConnectionState.READY] * 3
    assert (status.state, status.detail) == (ConnectionState.READY, "2 tools")


def test_the_window_words_the_core_remedy(
    qtbot: QtBot, controller: ChatController, fake_backend: FakeBackend
) -> None:
    """A core failure says what is missing neutrally; the window says where to enter it."""
    rejected = UserFacingError.fixable(
        ErrorKind.COMPOSIO_KEY_REJECTED,
        Fix(Remedy.CHECK_CREDENTIAL, "Composio rejected the API key", (COMPOSIO_API_KEY,)),
    )
    fake_backend.scripts.append([TurnFailed(rejected.kind, rejected.message, fix=rejected.fix)])
    recorder = Recorder(controller)
    with wait_for_event(qtbot, controller, TurnFailed) as blocker:
        controller.send("go")
    worded = "Composio rejected the API key: check the Composio API key in Settings " + (
        "(or COMPOSIO_API_KEY)."
    )
    assert blocker.args[0].message == worded
    status = controller.connection_status
    assert (status.state, status.detail) == (ConnectionState.ERROR, worded)
    assert status.of(Service.COMPOSIO) == ServiceStatus(
        Service.COMPOSIO, ConnectionState.ERROR, worded
    )
    assert recorder.named("connection_state_changed")[-1] == controller.connection_status


def test_a_missing_key_at_connect_is_worded_for_the_window(
    qtbot: QtBot, controller: ChatController, fake_backend: FakeBackend
) -> None:
    fake_backend.connect_error = UserFacingError.fixable(
        ErrorKind.MISSING_KEY, Fix(Remedy.PROVIDE, "No OpenAI API key is set", (OPENAI_API_KEY,))
    )
    controller.connect_backend()
    qtbot.waitUntil(lambda: controller.connection_status.state is ConnectionState.NOT_CONFIGURED)
    assert controller.connection_status.detail == (
        "No OpenAI API key is set: enter it in Settings (Ctrl+,)."
    )


def test_new_conversation_clears_the_backend(
    qtbot: QtBot, controller: ChatController, fake_backend: FakeBackend
) -> None:
    controller.connect_backend()
    qtbot.waitUntil(lambda: controller.connection_status.state is ConnectionState.READY)
    with qtbot.waitSignal(controller.conversation_cleared):
        controller.new_conversation()
    assert fake_backend.new_conversations == 1


def test_new_conversation_while_busy_drops_the_rest_of_the_turn(
    qtbot: QtBot, controller: ChatController, fake_backend: FakeBackend
) -> None:
    recorder = Recorder(controller)
    controller.send("long task")
    qtbot.waitUntil(lambda: bool(fake_backend.streams))
    fake_backend.stream.push(TextDelta("old text"))
    qtbot.waitUntil(lambda: recorder.text == "old text")
    controller.new_conversation()
    assert ("cleared", None) in recorder.events
    qtbot.waitUntil(lambda: not controller.busy)
    after_clear = recorder.events[recorder.events.index(("cleared", None)) :]
    assert [n for n, _ in after_clear] == ["cleared", "busy_changed"]  # no stale events
    assert fake_backend.new_conversations == 1  # cleared once the turn had ended


def test_an_async_factory_is_awaited(qtbot: QtBot, qasync_loop: qasync.QEventLoop) -> None:
    backend = FakeBackend()

    async def make() -> ChatBackend:
        await asyncio.sleep(0)
        return backend

    controller = ChatController(make)
    controller.connect_backend()
    qtbot.waitUntil(lambda: controller.connection_status.state is ConnectionState.READY)
    assert controller.backend is backend


def test_a_turn_sent_while_connecting_waits_for_the_connection(
    qtbot: QtBot, controller: ChatController, fake_backend: FakeBackend
) -> None:
    gate = fake_backend.connect_gate = asyncio.Event()
    controller.connect_backend()
    controller.send("early")
    qtbot.wait(50)
    assert fake_backend.streams == []
    gate.set()
    qtbot.waitUntil(lambda: bool(fake_backend.streams))
    fake_backend.stream.finish("done")
    qtbot.waitUntil(lambda: not controller.busy)


def test_reconfigure_closes_the_old_backend_and_connects_the_new(
    qtbot: QtBot, controller: ChatController, fake_backend: FakeBackend
) -> None:
    controller.connect_backend()
    qtbot.waitUntil(lambda: controller.connection_status.state is ConnectionState.READY)
    replacement = FakeBackend()
    controller.reconfigure(lambda: replacement)
    qtbot.waitUntil(lambda: replacement.checks == 1)
    qtbot.waitUntil(lambda: controller.connection_status.state is ConnectionState.READY)
    assert fake_backend.closed and controller.backend is replacement


def test_aclose_stops_the_turn_and_closes_the_backend(
    qtbot: QtBot,
    controller: ChatController,
    fake_backend: FakeBackend,
    qasync_loop: qasync.QEventLoop,
) -> None:
    controller.send("go")
    qtbot.waitUntil(lambda: bool(fake_backend.streams))
    task = asyncio.ensure_future(controller.aclose())
    qtbot.waitUntil(task.done)
    assert task.exception() is None
    assert fake_backend.stream.cancel_calls == 1  # the running turn was told to stop
    assert fake_backend.closed


# -- conversations --------------------------------------------------------------------------


@pytest.fixture
def conversation_backend() -> FakeConversationBackend:
    return FakeConversationBackend()


@pytest.fixture
def stored(tmp_path: Path, qtbot: QtBot, qasync_loop: qasync.QEventLoop) -> Iterator[StoreFixture]:
    db = tmp_path / "c.sqlite3"
    with ConversationStore(db) as sync:
        first = sync.create_conversation("m", "First")
        turn = sync.begin_turn(first, "first prompt")
        sync.complete_turn(turn, None, "first reply")
        second = sync.create_conversation("m", "Second")
        turn = sync.begin_turn(second, "second prompt")
        sync.complete_turn(turn, None, "second reply", status="failed", error="It broke.")
    task = asyncio.ensure_future(AsyncConversationStore.open(db))
    qtbot.waitUntil(task.done)
    store = task.result()
    yield StoreFixture(store, first, second)
    closing = asyncio.ensure_future(store.aclose())
    qtbot.waitUntil(closing.done)


def switches_into(switched: list[object]) -> Callable[[ConversationsChanged], None]:
    """A listener that records the conversation put on screen by every switch."""

    def _on_change(change: ConversationsChanged) -> None:
        if change.switched:
            switched.append(change.open_id)

    return _on_change


class StoreFixture:
    def __init__(self, store: AsyncConversationStore, first: str, second: str) -> None:
        self.store, self.first, self.second = store, first, second


def test_opening_a_conversation_shows_its_turns_and_switches_the_backend(
    qtbot: QtBot, stored: StoreFixture, conversation_backend: FakeConversationBackend
) -> None:
    controller = ChatController(lambda: conversation_backend, repository=stored.store)
    changed: list[object] = []
    controller.conversations_changed.connect(switches_into(changed))
    controller.connect_backend()
    qtbot.waitUntil(lambda: controller.connection_status.state is ConnectionState.READY)
    with qtbot.waitSignal(controller.history_loaded) as loaded:
        controller.open_conversation(stored.second)
    assert loaded.args[0] == [
        UserItem("second prompt"),
        AssistantItem("second reply"),
        ErrorItem("It broke."),
    ]
    assert conversation_backend.opened == [stored.second]
    assert controller.conversation_id == stored.second and changed == [stored.second]
    assert controller.rewind_available
    # Opening it again is a no-op; a new chat forgets it.
    controller.open_conversation(stored.second)
    assert conversation_backend.opened == [stored.second]
    controller.new_conversation()
    assert conversation_backend.conversation_id is None
    assert changed == [stored.second, None]
    assert not controller.rewind_available


def test_a_search_hit_shows_its_conversation_and_then_the_turn(
    qtbot: QtBot, stored: StoreFixture, conversation_backend: FakeConversationBackend
) -> None:
    controller = ChatController(lambda: conversation_backend, repository=stored.store)
    events: list[tuple[str, object]] = []
    controller.history_loaded.connect(lambda items: events.append(("loaded", len(items))))
    controller.history_reveal.connect(lambda index: events.append(("reveal", index)))
    task = asyncio.ensure_future(stored.store.turns(stored.second))
    qtbot.waitUntil(task.done)
    [turn] = task.result()

    controller.open_conversation_at(stored.second, turn.id)
    qtbot.waitUntil(lambda: len(events) == 2)
    assert events == [("loaded", 3), ("reveal", 0)]  # the prompt of that turn is item 0
    assert controller.conversation_id == stored.second

    # The same conversation again (another hit in it): shown again, at the turn.
    controller.open_conversation_at(stored.second, turn.id)
    qtbot.waitUntil(lambda: len(events) == 4)
    assert events[2:] == [("loaded", 3), ("reveal", 0)]
    # A turn that is not there (deleted meanwhile): the conversation only.
    controller.open_conversation_at(stored.second, turn.id + 1000)
    qtbot.waitUntil(lambda: len(events) == 5)
    qtbot.wait(20)
    assert events[4:] == [("loaded", 3)]


def test_a_backend_made_later_is_opened_on_the_conversation_on_screen(
    qtbot: QtBot, stored: StoreFixture, conversation_backend: FakeConversationBackend
) -> None:
    controller = ChatController(None, repository=stored.store)
    with qtbot.waitSignal(controller.history_loaded):
        controller.open_conversation(stored.first)  # keys not configured yet: still shown
    controller.reconfigure(lambda: conversation_backend)
    qtbot.waitUntil(lambda: controller.connection_status.state is ConnectionState.READY)
    assert conversation_backend.opened == [stored.first]


def test_switching_during_a_turn_drops_its_events_and_switches_when_it_ends(
    qtbot: QtBot, stored: StoreFixture, conversation_backend: FakeConversationBackend
) -> None:
    controller = ChatController(lambda: conversation_backend, repository=stored.store)
    recorder = Recorder(controller)
    controller.send("long task")
    qtbot.waitUntil(lambda: bool(conversation_backend.streams))
    conversation_backend.stream.push(TextDelta("old "))
    qtbot.waitUntil(lambda: recorder.text == "old ")
    with qtbot.waitSignal(controller.history_loaded):
        controller.open_conversation(stored.first)
    assert controller.conversation_id == stored.first
    qtbot.waitUntil(lambda: not controller.busy)
    assert conversation_backend.stream.cancel_calls == 1
    assert recorder.text == "old "  # nothing of the stopped turn reached the new view
    assert conversation_backend.opened == [stored.first]  # once the turn had ended


def test_a_new_chat_adopts_the_conversation_its_first_prompt_created(
    qtbot: QtBot, stored: StoreFixture, conversation_backend: FakeConversationBackend
) -> None:
    controller = ChatController(lambda: conversation_backend, repository=stored.store)
    changed: list[object] = []
    stored_ids: list[str] = []
    controller.conversations_changed.connect(switches_into(changed))
    controller.conversations_changed.connect(
        lambda change: stored_ids.append(change.stored) if change.stored else None
    )
    controller.send("hello")
    qtbot.waitUntil(lambda: bool(conversation_backend.streams))
    conversation_backend.stored("new-id", created=True)
    assert controller.conversation_id == "new-id" and changed == ["new-id"]
    conversation_backend.stream.finish("hi")
    qtbot.waitUntil(lambda: not controller.busy)
    conversation_backend.stored("new-id")
    assert stored_ids == ["new-id", "new-id"]
    assert controller.rewind_available


def test_regenerate_needs_a_stored_conversation_and_an_idle_controller(
    qtbot: QtBot, stored: StoreFixture, conversation_backend: FakeConversationBackend
) -> None:
    controller = ChatController(lambda: conversation_backend, repository=stored.store)
    controller.connect_backend()
    qtbot.waitUntil(lambda: controller.connection_status.state is ConnectionState.READY)
    with qtbot.waitSignal(controller.send_refused) as refused:
        assert not controller.regenerate()
    assert refused.args == [NOTHING_TO_REDO]
    assert not controller.resend_edited("   ")

    with qtbot.waitSignal(controller.history_loaded):
        controller.open_conversation(stored.first)
    recorder = Recorder(controller)
    loaded: list[object] = []
    controller.history_loaded.connect(loaded.append)
    assert controller.regenerate()
    qtbot.waitUntil(lambda: bool(conversation_backend.streams))
    assert conversation_backend.stream.prompt == "first prompt"
    assert loaded == [[]]  # the view without the turn being asked again
    assert recorder.named("turn_started") == ["first prompt"]
    with qtbot.waitSignal(controller.send_refused) as refused:
        assert not controller.regenerate()
    assert refused.args == [WAIT_FOR_REPLY]
    conversation_backend.stream.finish("again")
    qtbot.waitUntil(lambda: not controller.busy)
    # The backend re-reads the conversation (its history is rebuilt from the store).
    assert conversation_backend.opened == [stored.first, stored.first]


def test_stop_during_regenerate_leaves_screen_and_agent_in_line_with_the_store(
    qtbot: QtBot, stored: StoreFixture, conversation_backend: FakeConversationBackend
) -> None:
    controller = ChatController(lambda: conversation_backend, repository=stored.store)
    controller.connect_backend()
    qtbot.waitUntil(lambda: controller.connection_status.state is ConnectionState.READY)
    with qtbot.waitSignal(controller.history_loaded):
        controller.open_conversation(stored.first)
    loaded: list[object] = []
    controller.history_loaded.connect(loaded.append)
    assert controller.regenerate()
    controller.stop()  # before the turn was asked again: its deletion is already under way
    qtbot.waitUntil(lambda: not controller.busy)

    task = asyncio.ensure_future(stored.store.turns(stored.first))
    qtbot.waitUntil(task.done)
    assert task.result() == []  # the store lost the turn...
    assert loaded == [[]]  # ...so does the screen...
    assert conversation_backend.opened == [stored.first, stored.first]  # ...and the agent
    assert conversation_backend.streams == []  # nothing was asked


def test_resend_edited_replaces_the_last_turn(
    qtbot: QtBot, stored: StoreFixture, conversation_backend: FakeConversationBackend
) -> None:
    controller = ChatController(lambda: conversation_backend, repository=stored.store)
    with qtbot.waitSignal(controller.history_loaded):
        controller.open_conversation(stored.second)
    assert controller.resend_edited("second prompt, edited")
    qtbot.waitUntil(lambda: bool(conversation_backend.streams))
    assert conversation_backend.stream.prompt == "second prompt, edited"
    conversation_backend.stream.finish("ok")
    qtbot.waitUntil(lambda: not controller.busy)

    async def prompts() -> list[str]:
        return [t.prompt for t in await stored.store.turns(stored.second)]

    task = asyncio.ensure_future(prompts())
    qtbot.waitUntil(task.done)
    assert task.result() == []  # deleted; the fake backend stores nothing itself


def test_a_stream_that_ends_without_an_outcome_fails_with_the_one_sentence(
    qtbot: QtBot,
    controller: ChatController,
    fake_backend: FakeBackend,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    class EndsEarly(ScriptedStream):
        async def _events(self) -> AsyncIterator[TurnEvent]:
            yield TextDelta("part of it")

    monkeypatch.setattr(fake_backend, "run_turn", EndsEarly)
    with wait_for_event(qtbot, controller, TurnFailed) as blocker:
        controller.send("go")
    assert blocker.args == [TurnFailed(ErrorKind.UNEXPECTED, REPLY_ENDED_MESSAGE)]
    qtbot.waitUntil(lambda: not controller.busy)


def test_an_edit_too_long_to_send_is_refused_before_the_last_turn_is_deleted(
    qtbot: QtBot, stored: StoreFixture, conversation_backend: FakeConversationBackend
) -> None:
    controller = ChatController(lambda: conversation_backend, repository=stored.store)
    refused: list[str] = []
    controller.send_refused.connect(refused.append)
    with qtbot.waitSignal(controller.history_loaded):
        controller.open_conversation(stored.second)
    assert not controller.resend_edited("x" * (MAX_PROMPT_CHARS + 1))
    assert refused and f"{MAX_PROMPT_CHARS:,}" in refused[0]
    assert not controller.busy

    async def prompts() -> list[str]:
        return [t.prompt for t in await stored.store.turns(stored.second)]

    task = asyncio.ensure_future(prompts())
    qtbot.waitUntil(task.done)
    assert task.result() == ["second prompt"]  # before: deleted, then the prompt refused
    assert conversation_backend.streams == []
