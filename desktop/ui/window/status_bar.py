"""The window's status bar: each service's state, passing messages beside them, and the model.

The first paint shows the bar with its passing-message label only; `complete()` adds the
services (`status_services`, which needs the core's connection types) and the model switcher
(which needs the providers) right after it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QStatusBar, QWidget

from desktop.ui.tooltips import plain_tooltip
from desktop.ui.window.status_labels import shrinking_label

if TYPE_CHECKING:
    from desktop.ui.window.model_switcher import ModelSwitcher
    from desktop.ui.window.status_services import ConnectionStatusWidget

STATUS_MESSAGE_MS = 6_000


class WindowStatusBar(QStatusBar):
    """The connection's state on the left, a passing message beside it (it never hides the
    state, as `QStatusBar.showMessage` would), and the model switcher on the right."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("statusBar")
        self.setSizeGripEnabled(False)
        self.connection: ConnectionStatusWidget
        self.model_switcher: ModelSwitcher  # the next turn's model; Settings' by default
        self.message_label = shrinking_label("statusMessage", self)
        self.addWidget(self.message_label, 1)
        self.message_timer = QTimer(self)
        self.message_timer.setSingleShot(True)
        self.message_timer.setInterval(STATUS_MESSAGE_MS)
        self.message_timer.timeout.connect(self.message_label.clear)

    def complete(self) -> None:
        """Add the services' states left of the passing message, and the model switcher."""
        from desktop.ui.window.model_switcher import ModelSwitcher
        from desktop.ui.window.status_services import ConnectionStatusWidget

        self.connection = ConnectionStatusWidget(self)
        self.insertWidget(0, self.connection)
        self.model_switcher = ModelSwitcher(self)
        self.addPermanentWidget(self.model_switcher)

    def show_message(self, text: str) -> None:
        """A passing note (where an export was written), gone after a few seconds."""
        self.message_label.setText(text)
        self.message_label.setToolTip(plain_tooltip(text))
        self.message_timer.start()

    def set_model_name(self, model: str) -> None:
        """Settings' model, in use from now on (the switcher shows it)."""
        self.model_switcher.set_default(model)
