"""Labels that show text as text, shared by the chat's light and heavy widgets."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QWidget


def plain_label(text: str, object_name: str, parent: QWidget | None = None) -> QLabel:
    """A label that shows text as text: Qt would otherwise guess and render HTML."""
    label = QLabel(parent)
    label.setObjectName(object_name)
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setText(text)
    return label
