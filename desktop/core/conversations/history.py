"""Stored turns as what the chat view shows: a user message, tool cards, the reply, how it ended."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable

from desktop.core.agent.usage_words import answered_by
from desktop.core.conversations.transcript import (
    AssistantItem,
    ErrorItem,
    HistoryItem,
    NoticeItem,
    ToolCallItem,
    UserItem,
)
from desktop.core.errors import REPLY_ENDED_MESSAGE, ErrorKind, Remedy
from desktop.core.store.records import ToolCardRecord, TurnRecord

STOPPED_NOTICE = "Stopped. What arrived is kept."
PENDING_NOTICE = "No reply was saved: the app closed before it arrived. Regenerate to ask again."
INTERRUPTED_NOTICE = (
    "Interrupted: the app closed before this reply ended. What ran above is kept, and the agent "
    "remembers it."
)


def _reply_items(text: str, cards: tuple[ToolCardRecord, ...]) -> list[HistoryItem]:
    """The reply's text and its tool cards in the order they came. Cards stored before their
    place was kept come first, then the whole text."""
    if any(card.text_offset is None for card in cards):
        items: list[HistoryItem] = [ToolCallItem(card) for card in cards]
        return [*items, AssistantItem(text)] if text.strip() else items
    items = []
    start = 0
    for card in cards:
        end = min(max(card.text_offset or 0, start), len(text))
        if text[start:end].strip():
            items.append(AssistantItem(text[start:end].strip()))
        items.append(ToolCallItem(card))
        start = end
    if text[start:].strip():
        items.append(AssistantItem(text[start:].strip()))
    return items


def items_from_turn(turn: TurnRecord) -> list[HistoryItem]:
    """One turn: the prompt, the reply's text and tool cards as they came, then an error or
    notice if it did not finish."""
    items: list[HistoryItem] = [UserItem(turn.prompt, turn.attachments)]
    answered = answered_by(turn.model, turn.usage)
    for item in _reply_items(turn.text, turn.tool_cards):
        if isinstance(item, AssistantItem) and answered:
            item = dataclasses.replace(item, answered_by=answered)
        items.append(item)
    if turn.status == "failed":
        # Its kind is not stored; a budget reached is known by its fix (the window offers the
        # raise button on it again).
        budget = turn.fix is not None and turn.fix.remedy is Remedy.RAISE_BUDGET
        kind = ErrorKind.BUDGET_REACHED if budget else None
        items.append(ErrorItem(turn.error or REPLY_ENDED_MESSAGE, kind, turn.fix))
    elif turn.status == "cancelled":
        items.append(NoticeItem(STOPPED_NOTICE))
    elif turn.status == "pending":  # its process ended before the reply did
        done = turn.tool_cards or turn.text.strip()
        items.append(NoticeItem(INTERRUPTED_NOTICE if done else PENDING_NOTICE))
    return items


def items_from_turns(turns: Iterable[TurnRecord]) -> list[HistoryItem]:
    return items_and_position(turns, None)[0]


def items_and_position(
    turns: Iterable[TurnRecord], turn_id: int | None
) -> tuple[list[HistoryItem], int | None]:
    """The items of all turns, and where turn `turn_id`'s prompt is among them (None if absent)."""
    items: list[HistoryItem] = []
    position = None
    for turn in turns:
        if turn.id == turn_id:
            position = len(items)
        items.extend(items_from_turn(turn))
    return items, position
