"""What the conversation backends (`PersistentChat`, `MemoryChat`) need of the agent's session
and of one of its turns: the `ChatSession` and `TurnStream` of `desktop.core.agent`, or a
stand-in in tests; and the turn both wrap around the session's (`OuterTurn`)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from desktop.core.agent.events import TurnEvent

if TYPE_CHECKING:
    from pydantic_ai.messages import ModelMessage

    from desktop.core.agent.attachments import Attachment, AttachProgress
    from desktop.core.agent.budget import TurnBudget
    from desktop.core.consent.approvals import ConsentState, Decision
    from desktop.core.router.presigned import Progress
    from desktop.core.router.types import ConnectionInfo


class SessionTurn(Protocol):
    """One turn of the wrapped session (`desktop.core.agent.turn_stream.TurnStream`)."""

    def __aiter__(self) -> AsyncIterator[TurnEvent]: ...

    def cancel(self) -> None: ...

    def decide(self, decisions: tuple[Decision, ...]) -> None: ...

    def progress(self) -> bytes: ...

    def leftover(self) -> Sequence[TurnEvent]: ...

    async def aclose(self) -> None: ...


class AgentSession(Protocol):
    """What `PersistentChat` needs of the chat session (`agent.session.ChatSession`)."""

    @property
    def router_session_id(self) -> str | None: ...

    @property
    def consent(self) -> ConsentState: ...

    async def check(self) -> ConnectionInfo: ...

    async def connect(self) -> ConnectionInfo: ...

    def run_turn(
        self,
        prompt: str,
        attachments: Sequence[Attachment] = (),
        *,
        conversation_id: str | None = None,
        budget: TurnBudget | None = None,
    ) -> SessionTurn: ...

    async def call_tool(self, name: str, arguments: dict[str, Any], seconds: float) -> Any: ...

    async def attach(
        self, paths: Sequence[Path], progress: AttachProgress | None = None
    ) -> tuple[Attachment, ...]: ...

    async def download_file(
        self, shown_path: str, destination: Path, progress: Progress | None = None
    ) -> int: ...

    def new_conversation(self) -> None: ...

    def load_history(self, messages: Sequence[ModelMessage]) -> None: ...

    def use_model(self, model: str) -> None: ...

    async def aclose(self) -> None: ...


SessionFactory = Callable[[str | None, Sequence["ModelMessage"]], AgentSession]
"""`(router_session_id, history) -> session`: a session resuming that Tool Router session."""


class OuterTurn:
    """A backend's turn around the session's (`SessionTurn`), which `_events` starts with
    `_begin` and passes on: `cancel` and `decide` reach it, and a cancel asked before it began
    stops it at once."""

    def __init__(self) -> None:
        self._inner: SessionTurn | None = None
        self._cancel_requested = False

    def __aiter__(self) -> AsyncIterator[TurnEvent]:
        return self._events()

    def cancel(self) -> None:
        self._cancel_requested = True
        if self._inner is not None:
            self._inner.cancel()

    def decide(self, decisions: tuple[Decision, ...]) -> None:
        if self._inner is not None:
            self._inner.decide(decisions)

    def _begin(self, inner: SessionTurn) -> SessionTurn:
        """The session's turn, begun: a cancel asked meanwhile reaches it."""
        self._inner = inner
        if self._cancel_requested:
            inner.cancel()
        return inner

    def _events(self) -> AsyncIterator[TurnEvent]:
        raise NotImplementedError


__all__ = ["AgentSession", "OuterTurn", "SessionFactory", "SessionTurn"]
