"""What the conversation store returns: frozen records, its error type and small pure helpers."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated, Literal, get_args

from annotated_types import Ge, Lt
from pydantic import Strict

from desktop.core.agent.attachments import Attachment
from desktop.core.agent.budget import OwnBudget
from desktop.core.agent.code_runs import CodeRun
from desktop.core.agent.events import (
    ConnectLink,
    ToolAction,
    ToolCallFinished,
    ToolCallStarted,
    ToolOutcome,
    Usage,
    interrupted_call,
)
from desktop.core.errors import Fix

TurnStatus = Literal["pending", "complete", "cancelled", "failed"]
"""'pending' until the reply is stored; a pending turn left by a crash stays pending, with what
it had done by the last tool call that finished (an interrupted turn)."""

FinalStatus = Literal["complete", "cancelled", "failed"]

FINAL_STATUSES: tuple[str, ...] = get_args(FinalStatus)

DEFAULT_TITLE = "New conversation"
TITLE_LENGTH = 60
MAX_TITLE_LENGTH = 200

EXPORT_FORMAT = "e2b-agent.conversation"
EXPORT_VERSION = 1
_MIB = 1024 * 1024
MAX_IMPORT_BYTES = 64 * _MIB
"""The largest conversation export the store imports (the sidebar checks the file size first)."""


class StoreError(Exception):
    """A store operation failed; the message is one sentence fit to show to the user."""


class NotFoundError(StoreError):
    """The conversation or turn does not exist (any more)."""


class TurnEndedError(StoreError):
    """The turn is no longer pending: its end is stored already (say, by a write that went on
    while the task that asked for it was cancelled at shutdown)."""


@dataclass(frozen=True, kw_only=True)
class ToolCardRecord:
    """What the chat view needs to redraw one tool call card: the one tool-card type, stored and
    exported through the TypeAdapter in desktop.core.store.codec (field names are the JSON's)."""

    call_id: str
    tool_name: str
    actions: tuple[ToolAction, ...] = ()
    outcome: ToolOutcome
    result_text: str = ""  # cut by truncate_result, live and stored alike
    connect_links: tuple[ConnectLink, ...] = ()
    # The next three came later: cards stored before have none of them.
    errors: tuple[str, ...] = ()  # failed E2B actions inside the call ("SLUG: message")
    # How long the call ran; None when not known.
    seconds: Annotated[float, Ge(0), Lt(10**7), Strict()] | None = None
    # Where in the turn's reply text the call came (characters before it); None: not known, as
    # for cards stored before this was kept, which are shown ahead of the text.
    text_offset: Annotated[int, Ge(0), Strict()] | None = None
    # Who decided that it ran or not ("Approved by you", "Denied by you: ...", "Allowed by your
    # rule: ..."); "" when nobody had to (a read), as for every card stored before consent.
    consent: str = ""
    consent_at: datetime | None = None  # when the person decided (None: nobody did)
    # Which of `actions` did not run: those a person left out of a call allowed in part, or all
    # of a call denied (indices; () for every card stored before this was kept).
    not_run: tuple[Annotated[int, Ge(0), Strict()], ...] = ()
    # A workbench or bash call: its code cell (code, outputs, images as base64, files left);
    # None for every other call, and for every card stored before cells were kept.
    code_run: CodeRun | None = None

    def events(self) -> tuple[ToolCallStarted, ToolCallFinished]:
        """The call's events as they were live, for redrawing its card (an interrupted call's
        "finished" event says so)."""
        started = ToolCallStarted(
            call_id=self.call_id,
            tool_name=self.tool_name,
            arguments=dict(self.actions[0].arguments) if len(self.actions) == 1 else {},
            actions=self.actions,
            consent=self.consent,
            code_run=self.code_run,
        )
        finished = ToolCallFinished(
            call_id=self.call_id,
            tool_name=self.tool_name,
            outcome=self.outcome,
            result_text=self.result_text,
            connect_links=self.connect_links,
            errors=self.errors,
            code_run=self.code_run,
        )
        return started, finished


@dataclass(frozen=True)
class ConversationSummary:
    """One sidebar row."""

    id: str
    title: str
    updated_at: datetime
    turn_count: int  # one turn = one prompt and its reply


@dataclass(frozen=True)
class Conversation:
    id: str
    title: str
    model: str
    created_at: datetime
    updated_at: datetime
    router_session_id: str | None
    usage: Usage
    turn_count: int
    allowed_actions: tuple[str, ...] = ()  # allowed for the rest of this conversation
    budget: OwnBudget = None  # its own budget (None: the setting's)
    unpriced_turns: int = 0  # its stored turns that used tokens at a price nobody knew


@dataclass(frozen=True)
class TurnRecord:
    """Display data of one turn (the pydantic-ai messages are read by `history()` only)."""

    id: int
    conversation_id: str
    prompt: str
    status: TurnStatus
    text: str  # the assistant's display text; while pending, as of the last finished tool call
    tool_cards: tuple[ToolCardRecord, ...]
    error: str | None
    usage: Usage
    created_at: datetime
    completed_at: datetime | None
    fix: Fix | None = None  # what a failed turn lacked, unworded (turns stored before: None)
    attachments: tuple[Attachment, ...] = ()  # files sent with the prompt (records, no content)
    model: str | None = None  # which model it went to (turns stored before: None)


@dataclass(frozen=True)
class SearchHit:
    conversation_id: str
    title: str
    snippet: str  # matches wrapped in HIGHLIGHT_START / HIGHLIGHT_END
    turn_id: int | None  # None when the title matched


def tool_card_from_events(
    started: ToolCallStarted,
    finished: ToolCallFinished | None,
    seconds: float | None = None,
) -> ToolCardRecord:
    """The card of a call; a call that never finished (stopped turn) is recorded as interrupted.
    `seconds` is how long it ran, when that was measured. The result text is the event's, as the
    live card showed it; `complete_turn` bounds every card it stores."""
    if finished is not None and finished.call_id != started.call_id:
        raise ValueError(f"tool call ids differ: {started.call_id!r} != {finished.call_id!r}")
    ended = finished if finished is not None else interrupted_call(started)
    return ToolCardRecord(
        call_id=started.call_id,
        tool_name=started.tool_name,
        actions=started.actions,
        outcome=ended.outcome,
        result_text=ended.result_text,
        connect_links=ended.connect_links,
        errors=ended.errors,
        seconds=seconds if finished is not None else None,
        consent=started.consent,
        code_run=ended.code_run or started.code_run,
    )


def check_import_size(size: int) -> None:
    """Refuse an import of `size` bytes larger than MAX_IMPORT_BYTES: the one check and sentence,
    asked by the sidebar before it reads a file and by the store before it parses one."""
    if size > MAX_IMPORT_BYTES:
        raise StoreError(
            f"The file is too large to import ({size / _MIB:.1f} MiB; the limit is "
            f"{MAX_IMPORT_BYTES // _MIB} MiB): a conversation export is much smaller."
        )


def derive_title(prompt: str) -> str | None:
    """The first non-blank line of the prompt, whitespace collapsed, at most TITLE_LENGTH chars."""
    for line in prompt.splitlines():
        title = " ".join(line.split())
        if title:
            break
    else:
        return None
    if len(title) <= TITLE_LENGTH:
        return title
    cut = title[: TITLE_LENGTH - 1]
    space = cut.rfind(" ")
    if space >= TITLE_LENGTH * 2 // 3:  # prefer a word boundary when it costs little
        cut = cut[:space]
    return cut.rstrip(" .,;:-") + "…"


def clean_title(title: str) -> str:
    """A user-given title: one line, whitespace collapsed, not empty, not overly long."""
    cleaned = " ".join(title.split())
    if not cleaned:
        raise StoreError("A conversation title cannot be empty.")
    return cleaned[:MAX_TITLE_LENGTH]


def to_datetime(epoch: float) -> datetime:
    return datetime.fromtimestamp(epoch, UTC)


_TERM = re.compile(r"\S+")


def fts_query(text: str) -> str | None:
    """A safe FTS5 query: each term quoted (so no operator or syntax error), prefix on the last.

    Terms without a letter or digit are dropped (they index to nothing); None when nothing is left.
    """
    terms = [t for t in _TERM.findall(text) if any(ch.isalnum() for ch in t)]
    if not terms:
        return None
    quoted = ['"' + t.replace('"', '""') + '"' for t in terms]
    quoted[-1] += "*"
    return " ".join(quoted)
