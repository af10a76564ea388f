"""The backend across threads: every call runs on the agent's loop, results come back in order."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator, Callable, Coroutine
from dataclasses import dataclass
from typing import Any, TypeVar

import pytest

from desktop.core.agent.events import (
    ApprovalRequested,
    TextDelta,
    ToolCallStarted,
    TurnCancelled,
    TurnEvent,
    TurnFinished,
    Usage,
)
from desktop.core.agent.worker import AgentLoop
from desktop.core.config.sandbox_rates import SandboxRates
from desktop.core.config.settings import Settings
from desktop.core.consent.approvals import Decision, Scope
from desktop.core.conversations import threaded
from desktop.core.conversations.threaded import (
    Bridge,
    ThreadedBackend,
    ThreadedConversation,
    ThreadedTurn,
    on_agent_loop,
)
from desktop.core.errors import ErrorKind, UserFacingError

RATES = SandboxRates.of(Settings())  # E2B's published prices, the settings' default

T = TypeVar("T")


@dataclass(frozen=True)
class Info:
    session_id: str
    tool_names: tuple[str, ...]


@dataclass(frozen=True)
class Change:
    conversation_id: str
    created: bool = False


class ThreadRecordingStream:
    """Streams a few deltas; records the thread it ran on; honours cancel like TurnStream."""

    def __init__(self, owner: ThreadRecordingBackend, prompt: str) -> None:
        self.owner = owner
        self.prompt = prompt
        self.cancelled: asyncio.Event | None = None  # made on the agent's loop
        self.decided: asyncio.Future[tuple[Decision, ...]] | None = None
        self.ended_cleanly = False

    def cancel(self) -> None:
        self.owner.threads.append(("cancel", threading.current_thread()))
        assert self.cancelled is not None
        self.cancelled.set()

    def decide(self, decisions: tuple[Decision, ...]) -> None:
        self.owner.threads.append(("decide", threading.current_thread()))
        assert self.decided is not None
        self.decided.set_result(decisions)

    def __aiter__(self) -> AsyncIterator[TurnEvent]:
        return self._events()

    async def _events(self) -> AsyncIterator[TurnEvent]:
        self.owner.threads.append(("turn", threading.current_thread()))
        self.cancelled = asyncio.Event()
        try:
            if self.prompt == "hang":
                yield TextDelta("partial ")
                await asyncio.sleep(3600)  # only an outside cancel ends this
            if self.prompt == "ask":
                self.decided = asyncio.get_running_loop().create_future()
                yield ApprovalRequested((), RATES)
                decisions = await self.decided
                yield TurnFinished(f"{len(decisions)} decided", Usage())
                return
            if self.prompt == "wait for stop":
                yield TextDelta("partial ")
                await self.cancelled.wait()
                yield TurnCancelled("partial ")
                return
            for word in ("one ", "two ", "three"):
                yield TextDelta(word)
            for listener in self.owner.listeners:
                listener(Change("c1", created=True))
            yield ToolCallStarted("call_1", "COMPOSIO_SEARCH_TOOLS", {}, ())
            yield TurnFinished("one two three", Usage())
        finally:
            # Like PersistentTurn: what arrived is stored even when cut off from outside.
            self.owner.stored_after_cut.append(threading.current_thread())


class ThreadRecordingBackend:
    def __init__(self) -> None:
        self.threads: list[tuple[str, threading.Thread]] = []
        self.listeners: list[Callable[[Change], None]] = []
        self.conversation_id: str | None = None
        self.opened: list[str | None] = []
        self.stored_after_cut: list[threading.Thread] = []
        self.fail_next_turn = False

    async def check(self) -> Info:
        self.threads.append(("check", threading.current_thread()))
        return Info("trs_1", ("A",))

    async def connect(self) -> Info:
        self.threads.append(("connect", threading.current_thread()))
        return Info("trs_1", ("A", "B"))

    def run_turn(self, prompt: str) -> ThreadRecordingStream:
        self.threads.append(("run_turn", threading.current_thread()))
        if self.fail_next_turn:
            raise RuntimeError("no turn for you")
        return ThreadRecordingStream(self, prompt)

    def new_conversation(self) -> None:
        self.threads.append(("new", threading.current_thread()))
        self.conversation_id = None

    def open_conversation(self, conversation_id: str | None) -> None:
        self.threads.append(("open", threading.current_thread()))
        self.opened.append(conversation_id)
        self.conversation_id = conversation_id

    def watch(self, listener: Callable[[Change], None]) -> None:
        self.listeners.append(listener)

    async def aclose(self) -> None:
        self.threads.append(("aclose", threading.current_thread()))


def run_on_face_loop(scenario: Callable[[AgentLoop], Coroutine[Any, Any, T]]) -> T:
    async def main() -> T:
        agent_loop = AgentLoop()
        try:
            return await scenario(agent_loop)
        finally:
            await agent_loop.aclose()

    return asyncio.run(main())


def test_every_call_runs_on_the_agent_thread_and_events_arrive_in_order() -> None:
    inner = ThreadRecordingBackend()

    async def scenario(agent_loop: AgentLoop) -> tuple[list[TurnEvent], list[str], Any]:
        backend = on_agent_loop(agent_loop, inner)
        assert isinstance(backend, ThreadedConversation)
        face_thread = threading.current_thread()
        order: list[str] = []

        def on_change(change: Any) -> None:
            assert threading.current_thread() is face_thread
            order.append(f"stored {change.conversation_id}")

        backend.watch(on_change)
        assert (await backend.check()).tool_names == ("A",)
        assert (await backend.connect()).tool_names == ("A", "B")
        backend.open_conversation("c0")
        events = []
        async for event in backend.run_turn("hello"):
            assert threading.current_thread() is face_thread
            events.append(event)
            order.append(type(event).__name__)
        backend.new_conversation()
        await backend.aclose()
        return events, order, inner.conversation_id

    events, order, conversation_id = run_on_face_loop(scenario)
    assert [type(e).__name__ for e in events] == [
        "TextDelta",
        "TextDelta",
        "TextDelta",
        "ToolCallStarted",
        "TurnFinished",
    ]
    # A stored-turn notification reaches the face before any event the agent produced after it
    # (the controller learns a new chat's id before the rest of its first turn).
    assert order.index("stored c1") < order.index("ToolCallStarted")
    # The agent's side stores where it was last pointed: new_conversation after the created one.
    assert conversation_id is None
    names = [name for name, _ in inner.threads]
    assert names == ["check", "connect", "open", "run_turn", "turn", "new", "aclose"]
    threads = {thread for _, thread in inner.threads}
    assert len(threads) == 1 and threading.main_thread() not in threads
    assert inner.opened == ["c0"]


def test_cancel_reaches_the_stream_on_the_agent_thread() -> None:
    inner = ThreadRecordingBackend()

    async def scenario(agent_loop: AgentLoop) -> list[TurnEvent]:
        backend = ThreadedBackend(agent_loop, inner)
        turn = backend.run_turn("wait for stop")
        events = []
        async for event in turn:
            events.append(event)
            if isinstance(event, TextDelta):
                turn.cancel()
        return events

    events = run_on_face_loop(scenario)
    assert events == [TextDelta("partial "), TurnCancelled("partial ")]
    cancel_threads = [thread for name, thread in inner.threads if name == "cancel"]
    assert cancel_threads and cancel_threads[0] is not threading.main_thread()


def test_a_consumer_cut_off_waits_until_the_agent_side_has_wound_down() -> None:
    inner = ThreadRecordingBackend()

    async def scenario(agent_loop: AgentLoop) -> list[threading.Thread]:
        backend = ThreadedBackend(agent_loop, inner)
        turn = backend.run_turn("hang")
        first = asyncio.Event()

        async def consume() -> None:
            async for _event in turn:
                first.set()

        task = asyncio.ensure_future(consume())
        await first.wait()
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        # By the time the face's task has ended, the agent side ran its clean-up.
        return list(inner.stored_after_cut)

    stored = run_on_face_loop(scenario)
    assert len(stored) == 1 and stored[0] is not threading.main_thread()


def test_a_failure_to_start_the_turn_reaches_the_face() -> None:
    inner = ThreadRecordingBackend()
    inner.fail_next_turn = True

    async def scenario(agent_loop: AgentLoop) -> None:
        backend = ThreadedBackend(agent_loop, inner)
        async for _event in backend.run_turn("hello"):
            pass

    with pytest.raises(RuntimeError, match="no turn for you"):
        run_on_face_loop(scenario)


def test_a_plain_session_is_not_taken_for_a_conversation() -> None:
    class Plain:
        async def check(self) -> Info:
            return Info("s", ())

        async def connect(self) -> Info:
            return Info("s", ())

        def run_turn(self, prompt: str) -> ThreadRecordingStream:
            raise AssertionError

        def new_conversation(self) -> None:
            pass

        async def aclose(self) -> None:
            pass

    async def scenario(agent_loop: AgentLoop) -> ThreadedBackend:
        return on_agent_loop(agent_loop, Plain())

    backend = run_on_face_loop(scenario)
    assert not isinstance(backend, ThreadedConversation)


def test_the_agent_loop_stops_its_thread_and_refuses_more_work() -> None:
    async def main() -> tuple[bool, bool]:
        agent_loop = AgentLoop()
        ran_on = await agent_loop.run(_current_thread())
        await agent_loop.aclose()
        coroutine = _current_thread()
        with pytest.raises(RuntimeError):
            agent_loop.submit(coroutine)
        return ran_on is agent_loop.thread, agent_loop.thread.is_alive()

    on_its_thread, alive = asyncio.run(main())
    assert on_its_thread and not alive


async def _current_thread() -> threading.Thread:
    return threading.current_thread()


class FailingCheck(ThreadRecordingBackend):
    async def check(self) -> Info:
        self.threads.append(("check", threading.current_thread()))
        raise UserFacingError(ErrorKind.UNREACHABLE, "Could not reach the Tool Router.")


def test_a_user_facing_error_on_the_agent_loop_reaches_the_face_as_it_is() -> None:
    inner = FailingCheck()

    async def scenario(agent_loop: AgentLoop) -> None:
        await on_agent_loop(agent_loop, inner).check()

    with pytest.raises(UserFacingError) as caught:
        run_on_face_loop(scenario)
    assert caught.value.kind is ErrorKind.UNREACHABLE
    assert inner.threads[0][1] is not threading.main_thread()


class BurstStream:
    """Yields many deltas without ever waiting, as a fully buffered model reply does."""

    def __init__(self, count: int) -> None:
        self.count = count

    def cancel(self) -> None:
        pass

    def __aiter__(self) -> AsyncIterator[TurnEvent]:
        return self._events()

    async def _events(self) -> AsyncIterator[TurnEvent]:
        for index in range(self.count):
            yield TextDelta(f"{index} ")
        yield TurnFinished("", Usage())


def test_a_burst_of_events_wakes_the_face_a_few_times_not_once_per_event(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    drains = 0
    original = Bridge._drain

    def counting_drain(self: Bridge) -> None:
        nonlocal drains
        drains += 1
        original(self)

    monkeypatch.setattr(Bridge, "_drain", counting_drain)

    async def scenario(agent_loop: AgentLoop) -> int:
        turn = ThreadedTurn(
            agent_loop, lambda: BurstStream(500), Bridge(asyncio.get_running_loop())
        )
        return len([event async for event in turn])

    assert run_on_face_loop(scenario) == 501
    assert drains <= 50  # batched: a handful of wake-ups for 500 events


@pytest.mark.parametrize(("interval", "expected"), [(0.0, 201), (3600.0, 1)])
def test_the_agent_thread_gives_the_gil_up_as_it_posts_at_most_once_an_interval(
    monkeypatch: pytest.MonkeyPatch, interval: float, expected: int
) -> None:
    # Else the UI thread waits a switch interval for the GIL at every timer and paint while a
    # fast stream runs: the window stalled 170-420 ms in a 20,000-token reply.
    yielded: list[threading.Thread] = []
    monkeypatch.setattr(threaded, "GIL_YIELD_SECONDS", interval)
    monkeypatch.setattr(
        threaded, "give_the_gil_up", lambda: yielded.append(threading.current_thread())
    )

    async def scenario(agent_loop: AgentLoop) -> int:
        bridge = Bridge(asyncio.get_running_loop())
        turn = ThreadedTurn(agent_loop, lambda: BurstStream(200), bridge)
        return len([event async for event in turn])

    assert run_on_face_loop(scenario) == 201
    # 200 deltas, the end and the end of the turn are posted: every one yields, or the first.
    assert len(yielded) >= expected if interval == 0 else len(yielded) == expected
    assert threading.main_thread() not in yielded


def test_a_decision_reaches_the_waiting_stream_on_the_agent_thread() -> None:
    inner = ThreadRecordingBackend()

    async def scenario(agent_loop: AgentLoop) -> list[TurnEvent]:
        backend = ThreadedBackend(agent_loop, inner)
        turn = backend.run_turn("ask")
        events = []
        async for event in turn:
            events.append(event)
            if isinstance(event, ApprovalRequested):
                turn.decide((Decision("c1", {0: Scope.ONCE}), Decision("c2")))
        return events

    events = run_on_face_loop(scenario)
    assert events == [ApprovalRequested((), RATES), TurnFinished("2 decided", Usage())]
    [(_, thread)] = [entry for entry in inner.threads if entry[0] == "decide"]
    assert thread is not threading.main_thread()
