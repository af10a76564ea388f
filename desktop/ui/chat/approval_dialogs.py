"""The approval card's dialog: the second, explicit yes a rule for a destructive action needs.

Opened with `open()` (never `exec()`, which would nest an event loop inside qasync's), like the
conversation dialogs; it reports through a callback and deletes itself when closed.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QMessageBox, QWidget

from desktop.ui.confirm import Choice, ask_to_confirm


def confirm_always(parent: QWidget, slugs: str, on_confirmed: Callable[[], None]) -> QMessageBox:
    """The second, explicit yes a rule for a destructive action needs; opened, never exec'd."""
    return ask_to_confirm(
        parent,
        name="confirmAlwaysBox",
        title="Always allow",
        text=f"Always allow {slugs} without asking?",
        detail=(
            "From now on the agent may do this in any conversation without asking you, until "
            "you revoke the rule in Settings. What it kills or deletes is lost for good."
        ),
        act=Choice("Always allow", "confirmAlwaysButton", "Always allow without asking"),
        safe=Choice("Cancel", "cancelAlwaysButton", "Do not make a rule"),
        on_answer=lambda yes: on_confirmed() if yes else None,
    )
