"""Labels that show text as text, and buttons that leave the focus alone: shared by the chat's
light and heavy widgets."""

from __future__ import annotations

from PySide6.QtWidgets import QAbstractButton, QLabel, QWidget

from desktop.ui.qt_values import focus_by_tab_only, show_as_plain_text


def keeps_focus(*buttons: QAbstractButton) -> None:
    """A click on any of `buttons` leaves the keyboard focus where it was (the message box, so
    what is being typed goes on there); Tab still reaches them."""
    for button in buttons:
        focus_by_tab_only(button)


def plain_label(text: str, object_name: str, parent: QWidget | None = None) -> QLabel:
    """A label that shows text as text: Qt would otherwise guess and render HTML."""
    label = QLabel(parent)
    label.setObjectName(object_name)
    show_as_plain_text(label)
    label.setText(text)
    return label
