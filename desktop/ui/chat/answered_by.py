"""The live reply shows on hover which model answered and what it cost, as a reloaded one does
(a reply stopped or failed part way too: its requests cost all the same)."""

from __future__ import annotations

from desktop.core.agent.events import TurnCancelled, TurnEvent, TurnFailed, TurnFinished
from desktop.core.agent.usage_words import answered_by
from desktop.ui.chat.chat_view import ChatView
from desktop.ui.chat.message_widget import AssistantMessageWidget, UserMessageWidget


def mark_reply(view: ChatView, event: TurnEvent) -> None:
    """At a turn's end (finished, stopped or failed): every stretch of its reply (since the
    last prompt) says it."""
    if not isinstance(event, TurnFinished | TurnCancelled | TurnFailed) or not event.model:
        return
    words = answered_by(event.model, event.usage)
    for widget in reversed(view.entries()):
        if isinstance(widget, UserMessageWidget):
            break
        if isinstance(widget, AssistantMessageWidget):
            widget.show_answered_by(words)
