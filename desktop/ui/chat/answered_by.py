"""The live reply shows on hover which model answered and what it cost, as a reloaded one does."""

from __future__ import annotations

from desktop.core.agent.events import TurnEvent, TurnFinished
from desktop.core.agent.usage_words import answered_by
from desktop.ui.chat.chat_view import ChatView
from desktop.ui.chat.message_widget import AssistantMessageWidget, UserMessageWidget


def mark_reply(view: ChatView, event: TurnEvent) -> None:
    """On a finished turn: every stretch of its reply (since the last prompt) says it."""
    if not isinstance(event, TurnFinished) or not event.model:
        return
    words = answered_by(event.model, event.usage)
    for widget in reversed(view.entries()):
        if isinstance(widget, UserMessageWidget):
            break
        if isinstance(widget, AssistantMessageWidget):
            widget.show_answered_by(words)
