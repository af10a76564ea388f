"""The Settings dialog's notice for a keyring that could not be read, with its Retry button."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QPushButton, QWidget

from desktop.core.config.credentials import KeyringUnreadable
from desktop.core.errors import KEYRING_EXAMPLES
from desktop.ui.settings.settings_fields import wrapped_label


def unreadable_text(unreadable: KeyringUnreadable, *, again: bool) -> str:
    """What the notice says; `again` after a Retry that found it as it was."""
    still = "still " if again else ""
    if unreadable.locked:
        return f"The keyring is {still}locked: unlock it ({KEYRING_EXAMPLES}…) and press Retry."
    return (
        f"The keyring {still}could not be read ({unreadable.reason}): check that it is running "
        f"and unlocked ({KEYRING_EXAMPLES}…), then press Retry."
    )


class KeyringNotice(QWidget):
    """Says why the stored keys are unknown; Retry (`retry_requested`) reads the keyring again,
    without a restart. The owner calls `show_state` with what the new reading found."""

    retry_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("keyringUnreadableNotice")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)  # the box is styled
        self.label = wrapped_label("", "keyringUnreadableLabel")
        self.retry_button = QPushButton("Retry")
        self.retry_button.setObjectName("keyringRetryButton")
        self.retry_button.setAccessibleName("Read the keyring again")
        self.retry_button.setToolTip("Read the keys from the keyring again, once it is unlocked")
        self.retry_button.clicked.connect(self._on_retry_button_clicked)
        row = QHBoxLayout(self)
        row.setContentsMargins(12, 8, 8, 8)
        row.setSpacing(10)
        row.addWidget(self.label, 1)
        row.addWidget(self.retry_button, 0, Qt.AlignmentFlag.AlignVCenter)
        self.hide()

    def show_state(self, unreadable: KeyringUnreadable | None, *, again: bool = False) -> None:
        """Shown while the keyring cannot be read, hidden once it could be."""
        self.retry_button.setEnabled(True)
        self.retry_button.setText("Retry")
        if unreadable is not None:
            self.label.setText(unreadable_text(unreadable, again=again))
        self.setVisible(unreadable is not None)

    def _on_retry_button_clicked(self) -> None:
        self.retry_button.setEnabled(False)
        self.retry_button.setText("Reading…")
        self.retry_requested.emit()
