"""What the UI needs of the chat core, as protocols, and how connection state is reported."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from desktop.core.errors import Fix, Service, UserFacingError, unexpected

if TYPE_CHECKING:  # the window's status bar paints without the event types
    from pathlib import Path

    from desktop.core.agent.attachments import Attachment, AttachProgress
    from desktop.core.agent.events import TurnEvent
    from desktop.core.consent.approvals import Decision
    from desktop.core.router.presigned import Progress

log = logging.getLogger(__name__)


class ConnectionDetails(Protocol):
    """What a successful connect reports (`desktop.core.router.connection.ConnectionInfo`)."""

    @property
    def session_id(self) -> str: ...

    @property
    def tool_names(self) -> tuple[str, ...]: ...


class TurnEvents(Protocol):
    """One turn (`desktop.core.agent.turn_stream.TurnStream`): ends after a terminal event.

    After an `ApprovalRequested` it waits until `decide` answers it (or `cancel` stops it)."""

    def __aiter__(self) -> AsyncIterator[TurnEvent]: ...

    def cancel(self) -> None: ...

    def decide(self, decisions: tuple[Decision, ...]) -> None: ...


class ChatBackend(Protocol):
    """What the controller needs of a conversation (`desktop.core.agent.session.ChatSession`).

    `check` is light (the Tool Router session and its MCP endpoint, no agent loaded): the app is
    ready to send after it. `connect` loads the agent and opens its connection; a turn does it
    too, so calling it early only saves the first reply the wait. `attach` uploads files to the
    conversation's files mount before the turn that names them (`run_turn(prompt, records)`):
    a failure or a cancel there leaves nothing sent to the model.
    """

    async def check(self) -> ConnectionDetails: ...

    async def connect(self) -> ConnectionDetails: ...

    def run_turn(self, prompt: str, attachments: Sequence[Attachment] = ()) -> TurnEvents: ...

    async def attach(
        self, paths: Sequence[Path], progress: AttachProgress | None = None
    ) -> tuple[Attachment, ...]: ...

    def new_conversation(self) -> None: ...

    async def download_file(
        self, shown_path: str, destination: Path, progress: Progress | None = None
    ) -> int:
        """Save a file of the conversation's files mount (a code run's output, named as its
        cell shows it: found again in the mount, `shown_files.find_shown`) to exactly
        `destination`, atomically; its size. `FileTransferError` and the session's errors say
        why not (no file, or several, shown at that path)."""
        ...

    def use_model(self, model: str) -> None:
        """The next turns go to `model` (the switcher's choice); the history goes with them."""
        ...

    async def aclose(self) -> None: ...


class StoredChange(Protocol):
    """What a conversation backend reports after storing a turn
    (`desktop.core.conversations.persistent.ConversationChange`)."""

    @property
    def conversation_id(self) -> str: ...

    @property
    def created(self) -> bool: ...


@runtime_checkable
class ConversationBackend(Protocol):
    """A backend that stores its turns (`desktop.core.conversations.persistent.PersistentChat`).

    It stores them where `open_conversation` last pointed it (the face's `OpenConversation`
    decides), and `watch` hears of every stored prompt and reply, including the conversation a
    new chat's first prompt created."""

    def open_conversation(self, conversation_id: str | None) -> None: ...

    def watch(self, listener: Callable[[StoredChange], None]) -> None: ...


BackendFactory = Callable[[], "ChatBackend | Awaitable[ChatBackend]"]
"""Builds the backend; may be async, so the agent stack can be imported after first paint."""


class ConnectionState(StrEnum):
    NOT_CONFIGURED = "not_configured"
    CONNECTING = "connecting"
    READY = "ready"
    ERROR = "error"
    UNKNOWN = "unknown"  # a service not asked yet (the model: until the first reply)


@dataclass(frozen=True)
class ServiceStatus:
    """One remote service's state, as far as the app has seen it."""

    service: Service
    state: ConnectionState
    detail: str = ""  # the reason for ERROR / NOT_CONFIGURED; the tool count for a READY router
    fix: Fix | None = None


@dataclass(frozen=True)
class ConnectionStatus:
    """Whether the app can send (`state`: the Tool Router session and its tools), and each
    service's own state (`services`, in `Service` order; empty: not known apart)."""

    state: ConnectionState
    detail: str = ""  # the reason for ERROR / NOT_CONFIGURED; tool count when READY
    tool_names: tuple[str, ...] = ()
    fix: Fix | None = None  # with a reason: what is missing or refused, for the face to word
    services: tuple[ServiceStatus, ...] = ()

    def of(self, service: Service) -> ServiceStatus:
        """`service`'s own state; without one apart, the overall state stands for it."""
        for status in self.services:
            if status.service is service:
                return status
        return ServiceStatus(service, self.state, self.detail, self.fix)


def user_error(exc: BaseException) -> UserFacingError:
    """The failure as the user meets it, never a traceback; the traceback goes to the log."""
    if isinstance(exc, UserFacingError):
        return exc
    log.error("unexpected error", exc_info=exc)
    return unexpected()
