"""The typed events a chat turn yields: what the UI and the terminal render, nothing more."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Literal

from desktop.core.errors import ErrorKind, Fix

ToolOutcome = Literal["success", "failed", "denied", "interrupted", "retried"]


@dataclass(frozen=True)
class ToolAction:
    """One E2B action: the inner slug of a router call (or the tool itself when called directly)."""

    slug: str
    arguments: Mapping[str, object] = field(default_factory=dict)


@dataclass(frozen=True)
class ConnectLink:
    """A Composio Connect Link the user must open to connect a toolkit (e.g. their E2B key)."""

    toolkit: str
    url: str


@dataclass(frozen=True)
class TextDelta:
    text: str


@dataclass(frozen=True)
class ToolCallStarted:
    call_id: str
    tool_name: str
    arguments: Mapping[str, object]
    # For COMPOSIO_MULTI_EXECUTE_TOOL: the E2B slugs inside it. Otherwise one action: the tool.
    actions: tuple[ToolAction, ...]


@dataclass(frozen=True)
class ToolCallFinished:
    call_id: str
    tool_name: str
    outcome: ToolOutcome
    result_text: str
    connect_links: tuple[ConnectLink, ...] = ()
    # Errors of the E2B actions inside a router call that itself succeeded ("SLUG: message").
    errors: tuple[str, ...] = ()


@dataclass(frozen=True)
class Usage:
    input_tokens: int = 0
    output_tokens: int = 0
    requests: int = 0
    tool_calls: int = 0
    cost: Decimal | None = None


@dataclass(frozen=True)
class TurnFinished:
    text: str
    usage: Usage
    # The turn's new Pydantic AI messages (ModelMessagesTypeAdapter JSON), for the store.
    messages_json: bytes = b""


@dataclass(frozen=True)
class TurnCancelled:
    """The user stopped the turn; `partial_text` is what arrived and is kept in history."""

    partial_text: str
    messages_json: bytes = b""


@dataclass(frozen=True)
class TurnFailed:
    kind: ErrorKind
    message: str  # one actionable sentence, never a traceback, never a key
    # Tool calls that ran before the failure (a sandbox created, say) stay in the history.
    messages_json: bytes = b""
    # What is missing or refused, for each face to word the remedy its own way (None: `message`
    # says it all).
    fix: Fix | None = None


TurnEvent = (
    TextDelta | ToolCallStarted | ToolCallFinished | TurnFinished | TurnCancelled | TurnFailed
)

TERMINAL_EVENTS = (TurnFinished, TurnCancelled, TurnFailed)
"""The events that end a turn's stream: exactly one comes last."""
