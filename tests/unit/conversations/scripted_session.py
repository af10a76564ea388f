"""A stand-in chat session for `PersistentChat` tests: each turn yields a fixed list of events."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence

from pydantic_ai.messages import ModelMessage

from desktop.core.agent.events import TurnEvent
from desktop.core.consent.approvals import ConsentState, Decision
from desktop.core.router.types import ConnectionInfo


class ScriptedTurn:
    """A turn that yields `events` and ends (with or without an outcome among them)."""

    def __init__(self, events: Sequence[TurnEvent]) -> None:
        self._events = tuple(events)

    def __aiter__(self) -> AsyncIterator[TurnEvent]:
        return self._yield()

    async def _yield(self) -> AsyncIterator[TurnEvent]:
        for event in self._events:
            yield event

    def cancel(self) -> None:
        pass

    def decide(self, decisions: tuple[Decision, ...]) -> None:
        pass

    def progress(self) -> bytes:
        return b""

    def leftover(self) -> list[TurnEvent]:
        return []

    async def aclose(self) -> None:
        pass


class ScriptedSession:
    """Every turn yields the same `events`; connecting is not needed by these tests."""

    router_session_id: str | None = None

    def __init__(self, *events: TurnEvent) -> None:
        self.events = events
        self.consent = ConsentState()

    async def check(self) -> ConnectionInfo:
        raise AssertionError("not needed")

    async def connect(self) -> ConnectionInfo:
        raise AssertionError("not needed")

    def run_turn(
        self,
        prompt: str,
        attachments: Sequence[object] = (),
        *,
        conversation_id: str | None = None,
        budget: object = None,
    ) -> ScriptedTurn:
        return ScriptedTurn(self.events)

    async def call_tool(self, name: str, arguments: dict[str, object], seconds: float) -> object:
        raise AssertionError("not needed")

    def new_conversation(self) -> None:
        pass

    def load_history(self, messages: Sequence[ModelMessage]) -> None:
        pass

    async def aclose(self) -> None:
        pass
