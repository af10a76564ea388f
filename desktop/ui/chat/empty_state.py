"""What a new chat shows before its first message: a greeting and a few things to ask."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QHBoxLayout, QPushButton, QVBoxLayout, QWidget

from desktop.ui.chat.labels import plain_label
from desktop.ui.qt_values import centre_text

if TYPE_CHECKING:
    from PySide6.QtGui import QEnterEvent

SUGGESTIONS = (
    "List my running sandboxes",
    "Start a sandbox from the base template",
    "Show the logs of my newest sandbox",
)


class EmptyState(QWidget):
    """What a new chat shows: a greeting and a few things to ask."""

    suggestion_chosen = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("emptyState")
        title = plain_label("What should we do with your sandboxes?", "emptyTitle", self)
        subtitle = plain_label(
            "The agent lists, starts, pauses and inspects your E2B sandboxes for you.",
            "emptySubtitle",
            self,
        )
        subtitle.setWordWrap(True)
        for label in (title, subtitle):
            centre_text(label)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 96, 0, 24)
        layout.setSpacing(8)
        layout.addWidget(title)
        layout.addWidget(subtitle)
        layout.addSpacing(16)
        self.buttons: list[QPushButton] = []
        for text in SUGGESTIONS:
            button = QPushButton(text, self)
            button.setObjectName("suggestionButton")
            button.setAccessibleName(f"Suggestion: {text}")
            button.clicked.connect(lambda _=False, t=text: self.suggestion_chosen.emit(t))
            layout.addLayout(centred(button))
            self.buttons.append(button)
        self._pointing = False

    def enterEvent(self, event: QEnterEvent) -> None:
        """The suggestions take the pointing hand once the pointer first comes near (not at
        the first paint: see `desktop.ui.qt_values`)."""
        if not self._pointing:
            from PySide6.QtCore import Qt

            self._pointing = True
            for button in self.buttons:
                button.setCursor(Qt.CursorShape.PointingHandCursor)
        super().enterEvent(event)


def centred(widget: QWidget) -> QHBoxLayout:
    """`widget` at its own width in the middle of a row (as a vertical layout's AlignHCenter
    would put it); the row takes no room while the widget is hidden."""
    row = QHBoxLayout()
    row.addStretch(1)
    row.addWidget(widget)
    row.addStretch(1)
    return row
