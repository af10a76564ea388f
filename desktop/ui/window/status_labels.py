"""The status bar's labels: cut off on a small screen (whole in the tooltip), text as text."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QWidget

from desktop.ui.qt_values import show_as_plain_text

MIN_LABEL_PX = 24


def shrinking_label(name: str, parent: QWidget) -> QLabel:
    """A label that gives up width on a small screen (cut off, whole in the tooltip) rather than
    make the window wider than the screen."""
    label = QLabel(parent)
    label.setObjectName(name)
    show_as_plain_text(label)
    label.setMinimumWidth(MIN_LABEL_PX)
    return label
