"""The typed events a chat turn yields: what the UI and the terminal render, nothing more.

Each event carries an `event_kind` Literal (like pydantic-ai's own `event_kind`; `TurnFailed.kind`
is the error's kind), and consumers dispatch with `match` on the class and `assert_never`, so
mypy proves every event is handled.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated, Literal, get_args

from annotated_types import Ge

from desktop.core.config.sandbox_rates import SandboxRates
from desktop.core.consent.approvals import Outcome, PendingCall
from desktop.core.errors import ErrorKind, Fix, Service, UserFacingError

if TYPE_CHECKING:  # the events are never validated: no import cycle through tool_calls
    from desktop.core.agent.code_runs import CodeRun

STOP_GRACE_SECONDS = 1.0
"""After Stop, a turn gets this long to wind down on its own before it is cut off."""

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
    event_kind: Literal["text_delta"] = field(default="text_delta", init=False, repr=False)


@dataclass(frozen=True)
class ToolCallStarted:
    call_id: str
    tool_name: str
    arguments: Mapping[str, object]
    # For COMPOSIO_MULTI_EXECUTE_TOOL: the E2B slugs inside it. Otherwise one action: the tool.
    actions: tuple[ToolAction, ...]
    # Why it runs without a question the defaults would ask ("Allowed by your rule: ..."), or "".
    consent: str = ""
    # A workbench or bash call: the code its cell shows while it runs (no results yet).
    code_run: CodeRun | None = None
    event_kind: Literal["tool_call_started"] = field(
        default="tool_call_started", init=False, repr=False
    )


@dataclass(frozen=True)
class ToolCallFinished:
    call_id: str
    tool_name: str
    outcome: ToolOutcome
    result_text: str
    connect_links: tuple[ConnectLink, ...] = ()
    # Errors of the E2B actions inside a router call that itself succeeded ("SLUG: message").
    errors: tuple[str, ...] = ()
    # A workbench or bash call: the run read from its whole result, with the files it left.
    code_run: CodeRun | None = None
    event_kind: Literal["tool_call_finished"] = field(
        default="tool_call_finished", init=False, repr=False
    )


def interrupted_call(started: ToolCallStarted) -> ToolCallFinished:
    """How a call ended that never finished (its turn stopped or failed while it ran): the one
    "interrupted" result, for the live card, the stored card and a card redrawn from either."""
    return ToolCallFinished(
        call_id=started.call_id,
        tool_name=started.tool_name,
        outcome="interrupted",
        result_text="",
        code_run=started.code_run,
    )


@dataclass(frozen=True)
class ApprovalRequested:
    """The turn waits: these calls run only once a person has decided (`decide` on the turn).
    Nothing runs meanwhile and nothing decides by itself; Stop ends the turn, denying them.
    `rates` are the settings' sandbox prices, the cost meter's: what a question says an action
    costs (`consent.words.effect_of`)."""

    calls: tuple[PendingCall, ...]
    rates: SandboxRates
    event_kind: Literal["approval_requested"] = field(
        default="approval_requested", init=False, repr=False
    )


@dataclass(frozen=True)
class ApprovalResolved:
    """What was decided for each waiting call; the turn goes on."""

    outcomes: tuple[Outcome, ...]
    event_kind: Literal["approval_resolved"] = field(
        default="approval_resolved", init=False, repr=False
    )


@dataclass(frozen=True)
class Usage:
    """What a turn (or a conversation, summed) spent; `cost` is None when no price was known.

    The one usage type: the store and the export validate and write it with a pydantic
    `TypeAdapter` (desktop.core.store.codec), which also enforces the bounds annotated here.
    """

    input_tokens: Annotated[int, Ge(0)] = 0
    output_tokens: Annotated[int, Ge(0)] = 0
    requests: Annotated[int, Ge(0)] = 0
    tool_calls: Annotated[int, Ge(0)] = 0
    cost: Annotated[Decimal, Ge(0)] | None = None

    def __add__(self, other: Usage) -> Usage:
        if self.cost is None and other.cost is None:
            cost = None
        else:
            cost = (self.cost or Decimal(0)) + (other.cost or Decimal(0))
        return Usage(
            self.input_tokens + other.input_tokens,
            self.output_tokens + other.output_tokens,
            self.requests + other.requests,
            self.tool_calls + other.tool_calls,
            cost,
        )


@dataclass(frozen=True)
class TurnFinished:
    text: str
    usage: Usage
    # The turn's new Pydantic AI messages (ModelMessagesTypeAdapter JSON), for the store.
    messages_json: bytes = b""
    model: str = ""  # which model answered ("anthropic:claude-sonnet-4-5"); "" if unknown
    event_kind: Literal["turn_finished"] = field(default="turn_finished", init=False, repr=False)


@dataclass(frozen=True)
class TurnCancelled:
    """The user stopped the turn; `partial_text` is what arrived and is kept in history."""

    partial_text: str
    messages_json: bytes = b""
    usage: Usage = field(default_factory=Usage)  # what its model requests cost until then
    model: str = ""  # which model it went to; "" if unknown
    event_kind: Literal["turn_cancelled"] = field(default="turn_cancelled", init=False, repr=False)


@dataclass(frozen=True)
class TurnFailed:
    kind: ErrorKind
    message: str  # one actionable sentence, never a traceback, never a key
    # Tool calls that ran before the failure (a sandbox created, say) stay in the history.
    messages_json: bytes = b""
    # What is missing or refused, for each face to word the remedy its own way (None: `message`
    # says it all).
    fix: Fix | None = None
    service: Service | None = None  # the remote service that failed, when one did
    usage: Usage = field(default_factory=Usage)  # what its model requests cost until then
    model: str = ""  # which model it went to; "" if unknown
    event_kind: Literal["turn_failed"] = field(default="turn_failed", init=False, repr=False)

    @classmethod
    def of(cls, error: UserFacingError, messages_json: bytes = b"") -> TurnFailed:
        return cls(error.kind, error.message, messages_json, error.fix, error.service)


TurnEvent = (
    TextDelta
    | ToolCallStarted
    | ToolCallFinished
    | ApprovalRequested
    | ApprovalResolved
    | TurnFinished
    | TurnCancelled
    | TurnFailed
)

TurnEnd = TurnFinished | TurnCancelled | TurnFailed
"""The events that end a turn's stream: exactly one comes last."""

TERMINAL_EVENTS: tuple[type[TurnEnd], ...] = get_args(TurnEnd)
"""`TurnEnd`'s classes, for `isinstance`; consumers `match` each event class with `assert_never`."""
