"""What a new chat shows before its first message: a greeting and a few things to ask."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QPushButton, QVBoxLayout, QWidget

from desktop.ui.chat.labels import plain_label

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
            label.setAlignment(Qt.AlignmentFlag.AlignHCenter)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 96, 0, 24)
        layout.setSpacing(8)
        layout.addWidget(title)
        layout.addWidget(subtitle)
        layout.addSpacing(16)
        for text in SUGGESTIONS:
            button = QPushButton(text, self)
            button.setObjectName("suggestionButton")
            button.setAccessibleName(f"Suggestion: {text}")
            button.setCursor(Qt.CursorShape.PointingHandCursor)
            button.clicked.connect(lambda _=False, t=text: self.suggestion_chosen.emit(t))
            layout.addWidget(button, 0, Qt.AlignmentFlag.AlignHCenter)
