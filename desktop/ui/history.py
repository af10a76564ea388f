"""Stored turns as what the chat view shows: a user message, tool cards, the reply, how it ended."""

from __future__ import annotations

from collections.abc import Iterable

from desktop.core.events import ToolCallFinished, ToolCallStarted
from desktop.core.store_records import ToolCardRecord, TurnRecord
from desktop.ui.chat_model import (
    AssistantItem,
    ErrorItem,
    HistoryItem,
    NoticeItem,
    ToolCallItem,
    UserItem,
)

STOPPED_NOTICE = "Stopped. What arrived is kept."
PENDING_NOTICE = "No reply was saved: the app closed before it arrived. Regenerate to ask again."


def tool_call_item(card: ToolCardRecord) -> ToolCallItem:
    started = ToolCallStarted(
        call_id=card.call_id,
        tool_name=card.tool_name,
        arguments=dict(card.actions[0].arguments) if len(card.actions) == 1 else {},
        actions=card.actions,
    )
    finished = ToolCallFinished(
        call_id=card.call_id,
        tool_name=card.tool_name,
        outcome=card.outcome,
        result_text=card.result_text,
        connect_links=card.connect_links,
        errors=card.errors,
    )
    return ToolCallItem(started, finished, card.seconds)


def items_from_turn(turn: TurnRecord) -> list[HistoryItem]:
    """One turn: the prompt, its tool cards, the reply, then an error or notice if it did not
    finish. (The store keeps the reply's text whole, so its stretches follow the cards.)"""
    items: list[HistoryItem] = [UserItem(turn.prompt)]
    items.extend(tool_call_item(card) for card in turn.tool_cards)
    if turn.text.strip():
        items.append(AssistantItem(turn.text))
    if turn.status == "failed":
        items.append(ErrorItem(turn.error or "The reply failed."))
    elif turn.status == "cancelled":
        items.append(NoticeItem(STOPPED_NOTICE))
    elif turn.status == "pending":
        items.append(NoticeItem(PENDING_NOTICE))
    return items


def items_from_turns(turns: Iterable[TurnRecord]) -> list[HistoryItem]:
    items: list[HistoryItem] = []
    for turn in turns:
        items.extend(items_from_turn(turn))
    return items
