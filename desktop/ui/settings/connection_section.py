"""The Settings dialog's "Test connection": the button and what the test found."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QPushButton, QWidget

from desktop.ui.settings.connection_tester import ConnectionTester
from desktop.ui.settings.settings_fields import wrapped_label


class ConnectionSection(QWidget):
    """Asks for a test with `test_requested` (the dialog knows the values to test) and shows
    what `tester` reports. Without a tester it is hidden."""

    test_requested = Signal()

    def __init__(self, tester: ConnectionTester | None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("connectionSection")
        self.tester = tester
        self.test_button = QPushButton("Test connection")
        self.test_button.setObjectName("testConnectionButton")
        self.test_button.setAccessibleName("Test connection")
        self.test_button.setToolTip(
            "Create a Tool Router session with these values and list its tools"
        )
        self.test_button.clicked.connect(self.test_requested)
        self.test_button.setVisible(tester is not None)
        self.test_result = wrapped_label("", "testResultLabel")
        self.test_result.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.test_result.hide()
        if tester is not None:
            tester.running_changed.connect(self._on_tester_running_changed)
            tester.succeeded.connect(self._on_tester_succeeded)
            tester.failed.connect(self._on_tester_failed)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(10)
        row.addWidget(self.test_button, 0, Qt.AlignmentFlag.AlignTop)
        row.addWidget(self.test_result, 1)
        row.addStretch(0)

    def focus_order(self) -> tuple[QWidget, ...]:
        return (self.test_button,)

    def _on_tester_running_changed(self, running: bool) -> None:
        self.test_button.setEnabled(not running)
        if running:
            self.show_result("Connecting to Composio…", None)

    def _on_tester_succeeded(self, names: tuple[str, ...]) -> None:
        shown = ", ".join(names[:4]) + (f" and {len(names) - 4} more" if len(names) > 4 else "")
        count = f"{len(names)} tool{'s' if len(names) != 1 else ''}"
        self.show_result(f"Connected: {count} available ({shown}).", True)

    def _on_tester_failed(self, message: str) -> None:
        self.show_result(message, False)

    def show_result(self, text: str, ok: bool | None) -> None:
        self.test_result.setText(text)
        self.test_result.setProperty("result", "" if ok is None else ("ok" if ok else "error"))
        self.test_result.style().unpolish(self.test_result)
        self.test_result.style().polish(self.test_result)
        self.test_result.show()

    def cancel(self) -> None:
        if self.tester is not None:  # a test still running has nothing left to report to
            self.tester.cancel()
