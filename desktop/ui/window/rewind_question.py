"""Asks before a reply whose actions already ran is asked again (regenerate, edit and resend).

Whether a warning is needed and what it says is the core's (`conversations.rewind_warning`): the
controller hears it from there and announces it (`rewind_warned`); this module shows it with the
shared non-blocking question, and only a yes asks again.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtWidgets import QMessageBox, QWidget

from desktop.ui.confirm import Choice, ask_to_confirm

if TYPE_CHECKING:
    from desktop.core.conversations.rewind_warning import RewindWarning
    from desktop.ui.chat.controller import ChatController

KEEP = Choice("Cancel", "keepReplyButton", "Keep the reply")


def ask_rewind_anyway(
    parent: QWidget, warning: RewindWarning, *, edited: bool, on_answer: Callable[[bool], None]
) -> QMessageBox:
    """Ask again anyway (`on_answer(True)`) or keep the reply (Cancel: the default, also Esc)."""
    act = "Send anyway" if edited else "Regenerate anyway"
    return ask_to_confirm(
        parent,
        name="rewindWarningDialog",
        title=warning.title,
        text=warning.text,
        detail=warning.detail,
        act=Choice(act, "rewindAnywayButton", f"{act}: the actions may run again"),
        safe=KEEP,
        on_answer=on_answer,
    )


def ask_before_rewinding(parent: QWidget, controller: ChatController) -> None:
    """When the controller warns that the reply to ask again ran actions, ask; a yes asks again
    (the edited prompt, if it was an edit: the message box keeps it on a no)."""

    def _on_rewind_warned(warning: RewindWarning, prompt: str | None) -> None:
        def _on_answer(go: bool) -> None:
            if not go:
                return
            if prompt is None:
                controller.regenerate(confirmed=True)
            else:
                controller.resend_edited(prompt, confirmed=True)

        ask_rewind_anyway(parent, warning, edited=prompt is not None, on_answer=_on_answer)

    controller.rewind_warned.connect(_on_rewind_warned)
