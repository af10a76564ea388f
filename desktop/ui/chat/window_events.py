"""A turn's events as the window shows them, and what a turn's end tells the connection status."""

from __future__ import annotations

from typing import assert_never

from desktop.core.agent.events import (
    ApprovalRequested,
    ApprovalResolved,
    TextDelta,
    ToolCallFinished,
    ToolCallStarted,
    TurnCancelled,
    TurnEvent,
    TurnFailed,
    TurnFinished,
)
from desktop.core.conversations.connection import CONNECTION_KINDS, BackendConnection
from desktop.core.errors import UserFacingError
from desktop.ui.messages import window_failure


def as_window_shows(event: TurnEvent, connection: BackendConnection) -> TurnEvent:
    """`event` as the window shows it (a failure in the window's words). A finished turn shows
    the connection works; a failure of the connection's own kinds sets its status."""
    match event:
        case TurnFinished():
            connection.record_reply()
        case TurnFailed():
            if event.kind in CONNECTION_KINDS:
                connection.record_failure(
                    UserFacingError(event.kind, event.message, event.fix, service=event.service)
                )
            elif event.usage.requests:  # stopped later (a budget, a tool): the model answered
                connection.record_reply()
            return window_failure(event)
        case (
            TextDelta()
            | ToolCallStarted()
            | ToolCallFinished()
            | ApprovalRequested()
            | ApprovalResolved()
            | TurnCancelled()
        ):
            pass
        case _:
            assert_never(event)
    return event
