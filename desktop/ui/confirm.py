"""The one question before something that cannot be undone: a non-blocking message box whose
default (Enter) and Esc are the safe answer.

Opened with `open()`, never `exec()` (which would nest an event loop inside qasync's); it reports
through a callback once answered and deletes itself.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox, QWidget


@dataclass(frozen=True)
class Choice:
    """A button: its text, object name and accessible name."""

    text: str
    name: str
    accessible_name: str


def ask_to_confirm(
    parent: QWidget,
    *,
    name: str,
    title: str,
    text: str,
    detail: str,
    act: Choice,
    safe: Choice,
    icon: QMessageBox.Icon = QMessageBox.Icon.Warning,
    on_answer: Callable[[bool], None],
) -> QMessageBox:
    """Ask; `on_answer(True)` only when `act` was clicked. `safe` (the platform's own Cancel when
    its text is "Cancel") is the default button and the Esc answer, so Enter alone never acts."""
    box = QMessageBox(parent)
    box.setObjectName(name)
    box.setIcon(icon)
    box.setWindowTitle(title)
    box.setTextFormat(Qt.TextFormat.PlainText)  # titles and slugs are text, never markup
    box.setText(text)
    box.setInformativeText(detail)
    acting = box.addButton(act.text, QMessageBox.ButtonRole.DestructiveRole)
    acting.setObjectName(act.name)
    acting.setAccessibleName(act.accessible_name)
    if safe.text == "Cancel":
        keep = box.addButton(QMessageBox.StandardButton.Cancel)
    else:
        keep = box.addButton(safe.text, QMessageBox.ButtonRole.RejectRole)
    keep.setObjectName(safe.name)
    keep.setAccessibleName(safe.accessible_name)
    box.setDefaultButton(keep)
    box.setEscapeButton(keep)

    def _on_box_finished(_result: int) -> None:
        on_answer(box.clickedButton() is acting)
        box.deleteLater()

    box.finished.connect(_on_box_finished)
    box.open()
    return box
