"""The widget of one stored entry of a conversation: a message, a tool card, an error, a notice."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from PySide6.QtWidgets import QWidget

from desktop.core.conversations.transcript import (
    AssistantItem,
    ErrorItem,
    HistoryItem,
    ToolCallItem,
    UserItem,
)
from desktop.ui.chat.call_widgets import call_widget
from desktop.ui.chat.cell_requests import CellRequests
from desktop.ui.chat.message_widget import (
    AssistantMessageWidget,
    ErrorWidget,
    NoticeWidget,
    UserMessageWidget,
)
from desktop.ui.chat.tool_card import ToolCardWidget
from desktop.ui.links import Links
from desktop.ui.messages import window_text

if TYPE_CHECKING:
    from desktop.core.agent.attachments import Attachment

EntryWidget = (
    UserMessageWidget | AssistantMessageWidget | ToolCardWidget | ErrorWidget | NoticeWidget
)


def last_prompt(entries: Sequence[EntryWidget], older: Sequence[HistoryItem]) -> str | None:
    """The newest user message among the entries shown, else among those not built yet."""
    for entry in reversed(entries):
        if isinstance(entry, UserMessageWidget):
            return entry.text
    for record in reversed(older):
        if isinstance(record, UserItem):
            return record.text
    return None


def show_on_last_prompt(entries: Sequence[EntryWidget], attachments: Sequence[Attachment]) -> None:
    """The files the turn just begun sent, as chips on its message (the newest one shown)."""
    for entry in reversed(entries):
        if isinstance(entry, UserMessageWidget):
            entry.set_attachments(attachments)
            return


def mark_only(entries: Sequence[EntryWidget], revealed: EntryWidget) -> None:
    """Mark the user message a search revealed (if it is one), and no other."""
    for entry in entries:
        if isinstance(entry, UserMessageWidget) and entry.is_marked and entry is not revealed:
            entry.set_marked(False)
    if isinstance(revealed, UserMessageWidget):
        revealed.set_marked(True)


def entry_widget(
    item: HistoryItem, parent: QWidget, links: Links, requests: CellRequests | None = None
) -> EntryWidget:
    """A past entry as it was shown live (a tool card, or a code cell, with its outcome and
    time); a cell's requests go to `requests`."""
    if isinstance(item, UserItem):
        return UserMessageWidget(item.text, parent, item.attachments)
    if isinstance(item, AssistantItem):
        reply = AssistantMessageWidget(item.text, url_opener=links.opener, parent=parent)
        reply.show_answered_by(item.answered_by)
        return reply
    if isinstance(item, ToolCallItem):
        card = call_widget(item.started, parent, links, None, requests)
        card.finish(item.finished, elapsed=item.elapsed if item.elapsed is not None else 0)
        return card
    if isinstance(item, ErrorItem):
        # Worded as the live failure was (`window_failure`): the window's own controls.
        return ErrorWidget(window_text(item.message, item.fix), item.kind, parent)
    return NoticeWidget(item.text, parent)
