"""What the chat view shows, as plain records, and the text helpers behind its widgets (no Qt)."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

from desktop.core.agent.attachments import Attachment
from desktop.core.agent.connect_links import LinkOffer
from desktop.core.agent.events import ToolCallFinished, ToolCallStarted, ToolOutcome
from desktop.core.errors import ErrorKind, Fix
from desktop.core.store.records import ToolCardRecord, tool_card_from_events

RESULT_PREVIEW_CHARS = 4_000
RESULT_PREVIEW_LINES = 80
ARGUMENTS_PREVIEW_CHARS = 140


@dataclass(frozen=True)
class UserItem:
    text: str
    attachments: tuple[Attachment, ...] = ()  # the files sent with it (shown as chips)


@dataclass(frozen=True)
class AssistantItem:
    """A stretch of the agent's reply (markdown); a turn with tool calls has several.
    `answered_by`: which model wrote it and what it cost (`usage_words.answered_by`)."""

    text: str
    answered_by: str = ""


@dataclass(frozen=True)
class ToolCallItem:
    """One tool call's card: the card type the store keeps, whether drawn live or reloaded."""

    card: ToolCardRecord

    @classmethod
    def of(
        cls,
        started: ToolCallStarted,
        finished: ToolCallFinished | None = None,
        elapsed: float | None = None,
    ) -> ToolCallItem:
        """The card of a call as its events showed it (unfinished: interrupted)."""
        return cls(tool_card_from_events(started, finished, elapsed))

    @property
    def started(self) -> ToolCallStarted:
        return self.card.events()[0]

    @property
    def finished(self) -> ToolCallFinished:
        return self.card.events()[1]

    @property
    def elapsed(self) -> float | None:
        """Seconds it ran, when known."""
        return self.card.seconds


@dataclass(frozen=True)
class ErrorItem:
    message: str  # neutral, unless `fix` is None: each face words a fix its own way
    kind: ErrorKind | None = None
    fix: Fix | None = None


@dataclass(frozen=True)
class NoticeItem:
    """A quiet line such as "Stopped": part of the record, not a message from anyone."""

    text: str


HistoryItem = UserItem | AssistantItem | ToolCallItem | ErrorItem | NoticeItem


@dataclass(frozen=True)
class OutcomeStyle:
    label: str
    symbol: str


ShownOutcome = ToolOutcome | Literal["action_needed"]
"""How a finished call reads: its outcome, or "action_needed" (see `shown_outcome`)."""

OUTCOMES: Mapping[ShownOutcome, OutcomeStyle] = {
    "success": OutcomeStyle("Succeeded", "✓"),
    "action_needed": OutcomeStyle("Action needed", "!"),
    "failed": OutcomeStyle("Failed", "✕"),
    "denied": OutcomeStyle("Denied", "⊘"),
    "interrupted": OutcomeStyle("Interrupted", "■"),
    "retried": OutcomeStyle("Retried", "↻"),
}


def shown_outcome(finished: ToolCallFinished, offers: Sequence[LinkOffer]) -> ShownOutcome:
    """A call that succeeded but left the user a Connect Link to open is not done: it reads
    "Action needed" until they have (the next call then shows whether it worked)."""
    return "action_needed" if finished.outcome == "success" and offers else finished.outcome


_TOOLKIT_NAMES = {"e2b": "E2B", "github": "GitHub", "gmail": "Gmail"}


def toolkit_display_name(toolkit: str) -> str:
    """'e2b' -> 'E2B': how a toolkit slug reads on a button."""
    slug = toolkit.strip()
    return _TOOLKIT_NAMES.get(slug.lower(), slug.replace("_", " ").title() or "the toolkit")


def action_title(started: ToolCallStarted) -> str:
    """The E2B slugs a call runs (the inner ones of a router call), or the tool's own name."""
    slugs = [action.slug for action in started.actions] or [started.tool_name]
    unique = list(dict.fromkeys(slugs))
    if len(unique) > 3:
        return f"{', '.join(unique[:3])} +{len(unique) - 3} more"
    return ", ".join(unique)


def _short_value(value: object) -> str:
    if isinstance(value, str):
        text = value
    else:
        try:
            text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str)
        except (TypeError, ValueError):
            text = str(value)
    text = " ".join(text.split())
    return text if len(text) <= 40 else text[:39] + "…"


def compact_arguments(started: ToolCallStarted, limit: int = ARGUMENTS_PREVIEW_CHARS) -> str:
    """One line of `key=value` pairs: the inner action's arguments when there is one action."""
    if len(started.actions) == 1:
        arguments = started.actions[0].arguments
    elif started.actions:
        return f"{len(started.actions)} actions"
    else:
        arguments = started.arguments
    text = ", ".join(f"{key}={_short_value(value)}" for key, value in arguments.items())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def full_arguments(started: ToolCallStarted) -> str:
    """The arguments of the action(s), pretty-printed, for the expanded card."""
    value: object
    if len(started.actions) == 1:
        value = dict(started.actions[0].arguments)
    elif started.actions:
        value = [{action.slug: dict(action.arguments)} for action in started.actions]
    else:
        value = dict(started.arguments)
    try:
        return json.dumps(value, indent=2, ensure_ascii=False, default=str)
    except (TypeError, ValueError):
        return str(value)


def result_preview(text: str) -> tuple[str, bool]:
    """The start of a long tool result and whether anything was left out."""
    lines = text.split("\n", RESULT_PREVIEW_LINES)
    preview = "\n".join(lines[:RESULT_PREVIEW_LINES])
    if len(preview) > RESULT_PREVIEW_CHARS:
        preview = preview[:RESULT_PREVIEW_CHARS]
    truncated = len(preview) < len(text)
    return (preview.rstrip() + "\n…" if truncated else preview), truncated


def format_elapsed(seconds: float, *, precise: bool = False) -> str:
    """'3 s' while a call runs; '0.4 s' for a short finished one; '2 min 05 s' for long ones."""
    if precise and seconds < 10:
        return f"{seconds:.1f} s"
    whole = int(seconds)
    if whole < 60:
        return f"{whole} s"
    return f"{whole // 60} min {whole % 60:02d} s"
