"""Asks before leaving a conversation whose turn waits for a decision: deny and leave, or stay."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QMessageBox, QWidget

from desktop.ui.confirm import Choice, ask_to_confirm

if TYPE_CHECKING:
    from desktop.ui.chat.controller import ChatController

LEAVE_TITLE = "Waiting for your decision"
LEAVE_TEXT = "The agent is waiting for you to allow or deny an action."
LEAVE_DETAIL = "Leaving denies it and stops the reply: the action is not run."


def ask_leave_while_waiting(parent: QWidget, on_answer: Callable[[bool], None]) -> QMessageBox:
    """Deny and leave (`on_answer(True)`) or Stay (`on_answer(False)`, the default, also Esc).

    Opened with `open()`, never `exec()` (that would nest an event loop inside qasync's); it
    deletes itself once answered.
    """
    return ask_to_confirm(
        parent,
        name="leaveWhileWaitingDialog",
        title=LEAVE_TITLE,
        text=LEAVE_TEXT,
        detail=LEAVE_DETAIL,
        act=Choice("Deny and leave", "denyAndLeaveButton", "Deny the action and leave"),
        safe=Choice("Stay", "stayButton", "Stay and decide"),
        icon=QMessageBox.Icon.Question,
        on_answer=on_answer,
    )


class LeaveGuard(QObject):
    """Stands between the wish to leave the conversation on screen (another conversation, a new
    chat, closing the window) and doing it.

    Whether leaving would abandon a decision is the controller's to say (`leaves_decision`);
    if it would, the person is asked first. "Deny and leave" stops the turn (which denies what
    waits) and then leaves; "Stay" does nothing and emits `stayed`, so that whatever already
    showed the other conversation as chosen (the sidebar) marks the one on screen again. While
    the question is open the latest wish to leave is the one carried out.
    """

    stayed = Signal()

    def __init__(self, parent: QWidget, controller: ChatController) -> None:
        super().__init__(parent)
        self._parent = parent
        self._controller = controller
        self._box: QMessageBox | None = None
        self._leave: Callable[[], object] | None = None

    @property
    def dialog(self) -> QMessageBox | None:
        """The open question, if any."""
        return self._box

    def new_conversation(self) -> None:
        self.leave(self._controller.new_conversation)

    def open_conversation(self, conversation_id: str) -> None:
        controller = self._controller
        self.leave(lambda: controller.open_conversation(conversation_id), conversation_id)

    def open_conversation_at(self, conversation_id: str, turn_id: int) -> None:
        controller = self._controller
        self.leave(
            lambda: controller.open_conversation_at(conversation_id, turn_id), conversation_id
        )

    def leave(self, then: Callable[[], object], going_to: str | None = None) -> None:
        """Call `then`, which shows `going_to` (None: a new chat, or closes the window), now if
        no decision waits, else once the person chose to deny and leave."""
        if not self._controller.leaves_decision(going_to):
            then()
            return
        self._leave = then
        if self._box is None:
            self._box = ask_leave_while_waiting(self._parent, self._on_answer)
        else:
            self._box.raise_()
            self._box.activateWindow()

    def _on_answer(self, leave: bool) -> None:
        then, self._leave, self._box = self._leave, None, None
        if leave and then is not None:
            self._controller.stop()  # denies what waits; the card says "Not run: stopped"
            then()
        else:
            self.stayed.emit()
