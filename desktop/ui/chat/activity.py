"""What the chat shows while it waits: a prompt held until the app can send it, and what the
agent is doing between Enter and its first words."""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING

from PySide6.QtWidgets import QVBoxLayout, QWidget

from desktop.ui.chat.labels import plain_label

if TYPE_CHECKING:
    from desktop.ui.chat.message_widget import UserMessageWidget


class Activity(StrEnum):
    LOADING = "loading"  # the agent (its libraries, its connection to the tools) is loading
    THINKING = "thinking"  # the model has the request; nothing came back yet


ACTIVITY_TEXT = {
    Activity.LOADING: "Loading the agent…",
    Activity.THINKING: "Thinking…",
}


class ActivityWidget(QWidget):
    """Under the last entry: the prompt held for later (as its bubble) and what is awaited."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("chatActivity")
        self.held: UserMessageWidget | None = None
        self.label = plain_label("", "activityLabel", self)
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self._layout.setSpacing(14)
        self._layout.addWidget(self.label)
        self.activity: Activity | None = None
        self.hide()

    def show_state(self, activity: Activity | None, held: str | None = None) -> None:
        """Show `activity` (None: nothing awaited), after the `held` prompt if there is one."""
        self.activity = activity
        if held is not None and (self.held is None or self.held.text != held):
            from desktop.ui.chat.message_widget import UserMessageWidget

            self._drop_held()
            self.held = UserMessageWidget(held, self)
            self.held.setAccessibleDescription("Waiting to be sent")
            self._layout.insertWidget(0, self.held)
        elif held is None:
            self._drop_held()
        text = ACTIVITY_TEXT[activity] if activity is not None else ""
        self.label.setText(text)
        self.label.setAccessibleName(text)
        self.label.setVisible(activity is not None)
        self.setVisible(activity is not None or self.held is not None)

    @property
    def text(self) -> str:
        return self.label.text() if self.activity is not None else ""

    def _drop_held(self) -> None:
        if self.held is not None:
            self._layout.removeWidget(self.held)
            self.held.deleteLater()
            self.held = None
