"""Typed stand-ins for the chat core: a scripted TurnStream and a backend that hands them out."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Iterable
from dataclasses import dataclass
from typing import Any

from pytestqt.qtbot import QtBot

from desktop.core.agent.events import (
    TERMINAL_EVENTS,
    TextDelta,
    TurnCancelled,
    TurnEvent,
    TurnFinished,
    Usage,
)
from desktop.core.consent.approvals import Decision

# What the window hears of a turn: one `turn_event` signal, told apart by the event's class.
EVENT_NAMES = {
    "TextDelta": "text_received",
    "ToolCallStarted": "tool_call_started",
    "ToolCallFinished": "tool_call_finished",
    "TurnFinished": "turn_finished",
    "TurnFailed": "turn_failed",
    "TurnCancelled": "turn_cancelled",
}


def wait_for_event(qtbot: QtBot, controller: Any, event_type: type, timeout: int = 5000) -> Any:
    """`qtbot.waitSignal` for the controller's first `turn_event` of `event_type`."""
    return qtbot.waitSignal(
        controller.turn_event,
        timeout=timeout,
        check_params_cb=lambda event: isinstance(event, event_type),
    )


@dataclass(frozen=True)
class FakeConnectionInfo:
    session_id: str
    tool_names: tuple[str, ...]


class _Cancel:
    """Queued by cancel(): the stream answers with TurnCancelled(partial text)."""


class _Explode:
    def __init__(self, error: Exception) -> None:
        self.error = error


class ScriptedStream:
    """A TurnStream the test drives: `push` events (or give them up front), `cancel` like the
    real one (TurnCancelled with what arrived, promptly), `explode` to break the contract."""

    def __init__(self, prompt: str, events: Iterable[TurnEvent] = ()) -> None:
        self.prompt = prompt
        self.cancel_calls = 0
        self.decisions: list[tuple[Decision, ...]] = []  # each `decide` the face called
        self.ignore_cancel = False
        self._queue: asyncio.Queue[TurnEvent | _Cancel | _Explode] = asyncio.Queue()
        self._text: list[str] = []
        for event in events:
            self.push(event)

    def push(self, *events: TurnEvent) -> None:
        for event in events:
            self._queue.put_nowait(event)

    def finish(self, text: str | None = None) -> None:
        self.push(TurnFinished(text if text is not None else "".join(self._text), Usage()))

    def explode(self, error: Exception) -> None:
        self._queue.put_nowait(_Explode(error))

    def decide(self, decisions: tuple[Decision, ...]) -> None:
        self.decisions.append(decisions)

    def cancel(self) -> None:
        self.cancel_calls += 1
        if not self.ignore_cancel:
            self._queue.put_nowait(_Cancel())

    def __aiter__(self) -> AsyncIterator[TurnEvent]:
        return self._events()

    async def _events(self) -> AsyncIterator[TurnEvent]:
        while True:
            item = await self._queue.get()
            if isinstance(item, _Cancel):
                yield TurnCancelled("".join(self._text))
                return
            if isinstance(item, _Explode):
                raise item.error
            if isinstance(item, TextDelta):
                self._text.append(item.text)
            yield item
            if isinstance(item, TERMINAL_EVENTS):
                return


class FakeBackend:
    """A ChatBackend whose turns are ScriptedStreams; records what the controller asked."""

    def __init__(self) -> None:
        self.streams: list[ScriptedStream] = []
        self.scripts: list[list[TurnEvent]] = []  # consumed one per turn, if given
        self.connect_error: Exception | None = None
        self.connect_gate: asyncio.Event | None = None
        self.checks = 0  # the light check that makes the app ready to send
        self.connects = 0  # the agent loaded and connected (ahead of the first turn)
        self.new_conversations = 0
        self.models: list[str] = []  # what use_model was told, in order
        self.closed = False
        self.tool_names = ("COMPOSIO_SEARCH_TOOLS", "COMPOSIO_MULTI_EXECUTE_TOOL")

    async def check(self) -> FakeConnectionInfo:
        self.checks += 1
        return await self._connected()

    async def connect(self) -> FakeConnectionInfo:
        self.connects += 1
        return await self._connected()

    async def _connected(self) -> FakeConnectionInfo:
        if self.connect_gate is not None:
            await self.connect_gate.wait()
        if self.connect_error is not None:
            raise self.connect_error
        return FakeConnectionInfo("trs_test", self.tool_names)

    def run_turn(self, prompt: str) -> ScriptedStream:
        stream = ScriptedStream(prompt, self.scripts.pop(0) if self.scripts else ())
        self.streams.append(stream)
        return stream

    @property
    def stream(self) -> ScriptedStream:
        return self.streams[-1]

    def new_conversation(self) -> None:
        self.new_conversations += 1

    def use_model(self, model: str) -> None:
        self.models.append(model)

    async def aclose(self) -> None:
        self.closed = True


@dataclass(frozen=True)
class FakeChange:
    conversation_id: str
    created: bool = False


class FakeConversationBackend(FakeBackend):
    """A FakeBackend that, like PersistentChat, knows its conversation and reports stored
    turns to its listeners (the test calls `stored`)."""

    def __init__(self) -> None:
        super().__init__()
        self.conversation_id: str | None = None
        self.opened: list[str | None] = []
        self.listeners: list[Callable[[FakeChange], None]] = []

    def open_conversation(self, conversation_id: str | None) -> None:
        self.opened.append(conversation_id)
        self.conversation_id = conversation_id

    def new_conversation(self) -> None:
        super().new_conversation()
        self.conversation_id = None

    def watch(self, listener: Callable[[FakeChange], None]) -> None:
        self.listeners.append(listener)

    def stored(self, conversation_id: str, *, created: bool = False) -> None:
        if created:
            self.conversation_id = conversation_id
        for listener in self.listeners:
            listener(FakeChange(conversation_id, created))
