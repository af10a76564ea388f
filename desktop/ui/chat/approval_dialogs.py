"""The approval card's dialog: the second, explicit yes a rule for a destructive action needs.

Opened with `open()` (never `exec()`, which would nest an event loop inside qasync's), like the
conversation dialogs; it reports through a callback and deletes itself when closed.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox, QWidget


def confirm_always(parent: QWidget, slugs: str, on_confirmed: Callable[[], None]) -> QMessageBox:
    """The second, explicit yes a rule for a destructive action needs; opened, never exec'd."""
    box = QMessageBox(parent)
    box.setObjectName("confirmAlwaysBox")
    box.setIcon(QMessageBox.Icon.Warning)
    box.setWindowTitle("Always allow")
    box.setTextFormat(Qt.TextFormat.PlainText)  # a slug is text, never markup
    box.setText(f"Always allow {slugs} without asking?")
    box.setInformativeText(
        "From now on the agent may do this in any conversation without asking you, until you "
        "revoke the rule in Settings. What it kills or deletes is lost for good."
    )
    confirm = box.addButton("Always allow", QMessageBox.ButtonRole.DestructiveRole)
    confirm.setObjectName("confirmAlwaysButton")
    confirm.setAccessibleName("Always allow without asking")
    cancel = box.addButton(QMessageBox.StandardButton.Cancel)
    cancel.setObjectName("cancelAlwaysButton")
    cancel.setAccessibleName("Do not make a rule")
    box.setDefaultButton(cancel)  # Enter must not make the rule
    box.setEscapeButton(cancel)

    def _on_box_finished(_result: int) -> None:
        if box.clickedButton() is confirm:
            on_confirmed()
        box.deleteLater()

    box.finished.connect(_on_box_finished)
    box.open()
    return box
