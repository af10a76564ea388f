"""Under the last reply: ask it again, or edit the message that asked it."""

from __future__ import annotations

from PySide6.QtWidgets import QHBoxLayout, QPushButton, QWidget

from desktop.ui.chat.labels import keeps_focus


class TurnActionsWidget(QWidget):
    """Regenerate / Edit message; the chat view shows it when the last turn can be rewound."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("turnActions")
        self.regenerate_button = QPushButton("Regenerate", self)
        self.regenerate_button.setObjectName("regenerateButton")
        self.regenerate_button.setAccessibleName("Regenerate the last reply")
        self.regenerate_button.setToolTip("Ask your last message again (Ctrl+R)")
        self.edit_last_button = QPushButton("Edit message", self)
        self.edit_last_button.setObjectName("editLastButton")
        self.edit_last_button.setAccessibleName("Edit your last message")
        self.edit_last_button.setToolTip(
            "Change your last message and send it again (Up in an empty message box)"
        )
        keeps_focus(self.regenerate_button, self.edit_last_button)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(6)
        layout.addWidget(self.regenerate_button)
        layout.addWidget(self.edit_last_button)
        layout.addStretch(1)
        self.hide()
