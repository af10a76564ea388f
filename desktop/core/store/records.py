"""What the conversation store returns: frozen records, its error type and small pure helpers."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Literal, TypeGuard, get_args

from desktop.core.agent.events import (
    ConnectLink,
    ToolAction,
    ToolCallFinished,
    ToolCallStarted,
    ToolOutcome,
)

TurnStatus = Literal["pending", "complete", "cancelled", "failed"]
"""'pending' until the reply is stored; a pending turn left by a crash stays pending."""

FinalStatus = Literal["complete", "cancelled", "failed"]

FINAL_STATUSES: tuple[str, ...] = get_args(FinalStatus)
TOOL_OUTCOMES: tuple[str, ...] = get_args(ToolOutcome)

DEFAULT_TITLE = "New conversation"
TITLE_LENGTH = 60
MAX_TITLE_LENGTH = 200
RESULT_TEXT_LIMIT = 64 * 1024
"""Characters of a tool result kept on its card (the messages keep the whole result)."""
TRUNCATION_MARK = "\n… [truncated]"

# Search snippets mark matches with these control characters, which never occur in typed text:
# the UI escapes the snippet for display and then replaces them with its own highlight markup.
HIGHLIGHT_START = "\x02"
HIGHLIGHT_END = "\x03"


class StoreError(Exception):
    """A store operation failed; the message is one sentence fit to show to the user."""


class NotFoundError(StoreError):
    """The conversation or turn does not exist (any more)."""


@dataclass(frozen=True)
class UsageTotals:
    """Tokens, requests, tool calls and cost; `cost` is None when no price was known."""

    input_tokens: int = 0
    output_tokens: int = 0
    requests: int = 0
    tool_calls: int = 0
    cost: Decimal | None = None

    def __add__(self, other: UsageTotals) -> UsageTotals:
        if self.cost is None and other.cost is None:
            cost = None
        else:
            cost = (self.cost or Decimal(0)) + (other.cost or Decimal(0))
        return UsageTotals(
            input_tokens=self.input_tokens + other.input_tokens,
            output_tokens=self.output_tokens + other.output_tokens,
            requests=self.requests + other.requests,
            tool_calls=self.tool_calls + other.tool_calls,
            cost=cost,
        )


@dataclass(frozen=True)
class ToolCardRecord:
    """What the chat view needs to redraw one tool call card."""

    call_id: str
    tool_name: str
    actions: tuple[ToolAction, ...]
    outcome: ToolOutcome
    result_text: str = ""
    connect_links: tuple[ConnectLink, ...] = ()
    errors: tuple[str, ...] = ()  # failed E2B actions inside the call ("SLUG: message")
    seconds: float | None = None  # how long the call ran; None when not known
    # Where in the turn's reply text the call came (characters before it); None: not known, as
    # for cards stored before this was kept, which are shown ahead of the text.
    text_offset: int | None = None


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
    usage: UsageTotals
    turn_count: int


@dataclass(frozen=True)
class TurnRecord:
    """Display data of one turn (the pydantic-ai messages are read by `history()` only)."""

    id: int
    conversation_id: str
    prompt: str
    status: TurnStatus
    text: str  # the assistant's display text; "" while pending
    tool_cards: tuple[ToolCardRecord, ...]
    error: str | None
    usage: UsageTotals
    created_at: datetime
    completed_at: datetime | None


@dataclass(frozen=True)
class SearchHit:
    conversation_id: str
    title: str
    snippet: str  # matches wrapped in HIGHLIGHT_START / HIGHLIGHT_END
    turn_id: int | None  # None when the title matched


def tool_card_from_events(
    started: ToolCallStarted, finished: ToolCallFinished | None, seconds: float | None = None
) -> ToolCardRecord:
    """The card of a call; a call that never finished (stopped turn) is recorded as interrupted.
    `seconds` is how long it ran, when that was measured."""
    if finished is not None and finished.call_id != started.call_id:
        raise ValueError(f"tool call ids differ: {started.call_id!r} != {finished.call_id!r}")
    return ToolCardRecord(
        call_id=started.call_id,
        tool_name=started.tool_name,
        actions=started.actions,
        outcome=finished.outcome if finished is not None else "interrupted",
        result_text=truncate_result(finished.result_text) if finished is not None else "",
        connect_links=finished.connect_links if finished is not None else (),
        errors=finished.errors if finished is not None else (),
        seconds=seconds if finished is not None else None,
    )


def truncate_result(text: str) -> str:
    if len(text) <= RESULT_TEXT_LIMIT:
        return text
    return text[: RESULT_TEXT_LIMIT - len(TRUNCATION_MARK)] + TRUNCATION_MARK


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


def parse_cost(text: str | None) -> Decimal | None:
    if text is None:
        return None
    try:
        return Decimal(text)
    except InvalidOperation as exc:
        raise StoreError(f"Invalid cost value {text!r}.") from exc


def format_cost(cost: Decimal | None) -> str | None:
    return None if cost is None else str(cost)


def tool_cards_to_json(cards: Sequence[ToolCardRecord]) -> str:
    return json.dumps([tool_card_to_dict(card) for card in cards], ensure_ascii=False)


def tool_card_to_dict(card: ToolCardRecord) -> dict[str, object]:
    return {
        "call_id": card.call_id,
        "tool_name": card.tool_name,
        "actions": [{"slug": a.slug, "arguments": dict(a.arguments)} for a in card.actions],
        "outcome": card.outcome,
        "result_text": card.result_text,
        "connect_links": [{"toolkit": c.toolkit, "url": c.url} for c in card.connect_links],
        "errors": list(card.errors),
        "seconds": card.seconds,
        "text_offset": card.text_offset,
    }


def tool_cards_from_json(text: str) -> tuple[ToolCardRecord, ...]:
    raw: object = json.loads(text)
    if not isinstance(raw, list):
        raise StoreError("Stored tool cards are not a list.")
    return tuple(tool_card_from_dict(item) for item in raw)


def tool_card_from_dict(raw: object) -> ToolCardRecord:
    """Build a card from its JSON form, checking every field (the input may come from an import)."""
    card = _mapping(raw, "tool card")
    outcome = _str(card.get("outcome"), "tool card outcome")
    if not _is_outcome(outcome):
        raise StoreError(f"Unknown tool outcome {outcome!r}.")
    actions = []
    for item in _list(card.get("actions", []), "tool card actions"):
        action = _mapping(item, "tool action")
        arguments = _mapping(action.get("arguments", {}), "tool action arguments")
        actions.append(
            ToolAction(slug=_str(action.get("slug"), "tool action slug"), arguments=arguments)
        )
    links = []
    for item in _list(card.get("connect_links", []), "connect links"):
        link = _mapping(item, "connect link")
        links.append(
            ConnectLink(
                toolkit=_str(link.get("toolkit"), "connect link toolkit"),
                url=_str(link.get("url"), "connect link url"),
            )
        )
    return ToolCardRecord(
        call_id=_str(card.get("call_id"), "tool card call_id"),
        tool_name=_str(card.get("tool_name"), "tool card tool_name"),
        actions=tuple(actions),
        outcome=outcome,
        result_text=_str(card.get("result_text", ""), "tool card result_text"),
        connect_links=tuple(links),
        # Both came later: cards stored before have neither.
        errors=tuple(
            _str(item, "tool card error") for item in _list(card.get("errors", []), "errors")
        ),
        seconds=_seconds(card.get("seconds")),
        text_offset=_offset(card.get("text_offset")),
    )


def _offset(raw: object) -> int | None:
    if raw is None:
        return None
    if isinstance(raw, bool) or not isinstance(raw, int) or raw < 0:
        raise StoreError(f"Invalid tool card position {raw!r}.")
    return raw


def _seconds(raw: object) -> float | None:
    if raw is None:
        return None
    if isinstance(raw, bool) or not isinstance(raw, int | float) or not 0 <= raw < 1e7:
        raise StoreError(f"Invalid tool call duration {raw!r}.")
    return float(raw)


def _is_outcome(value: str) -> TypeGuard[ToolOutcome]:
    return value in TOOL_OUTCOMES


def _mapping(value: object, what: str) -> dict[str, object]:
    if not isinstance(value, Mapping) or not all(isinstance(k, str) for k in value):
        raise StoreError(f"Invalid {what}: expected an object.")
    return dict(value)


def _list(value: object, what: str) -> list[object]:
    if not isinstance(value, list):
        raise StoreError(f"Invalid {what}: expected a list.")
    return value


def _str(value: object, what: str) -> str:
    if not isinstance(value, str):
        raise StoreError(f"Invalid {what}: expected a string.")
    return value


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
