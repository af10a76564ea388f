"""How the window shows one event of the running turn in the chat."""

from __future__ import annotations

from typing import TYPE_CHECKING, assert_never

from desktop.core.agent.events import (
    ApprovalRequested,
    ApprovalResolved,
    TextDelta,
    ToolCallFinished,
    ToolCallStarted,
    TurnCancelled,
    TurnFailed,
    TurnFinished,
)
from desktop.core.conversations.history import STOPPED_NOTICE

if TYPE_CHECKING:  # imported by the window's complete(), after the paint
    from desktop.core.agent import events
    from desktop.ui.chat.chat_view import ChatView


def show_turn_event(view: ChatView, event: events.TurnEvent, *, text_shown: bool) -> bool:
    """Show `event` in `view`; True when it showed the reply's text (`text_shown`: the turn
    has shown some already, so its end does not show the whole text again)."""
    match event:
        case TextDelta():
            if event.text:
                view.append_assistant_text(event.text)
                return True
        case ToolCallStarted():
            view.add_tool_call(event)
        case ToolCallFinished():
            view.finish_tool_call(event)
        case TurnFinished():
            if not text_shown and event.text.strip():
                view.append_assistant_text(event.text)
            view.end_turn()
        case TurnCancelled():
            view.end_turn()
            view.add_notice(STOPPED_NOTICE)
        case TurnFailed():
            view.end_turn()
            view.add_error(event.message, event.kind)
        case ApprovalRequested() | ApprovalResolved():
            view.show_approval(event)
        case _:
            assert_never(event)
    return False
