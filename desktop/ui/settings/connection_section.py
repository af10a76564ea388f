"""The Settings dialog's "Test connection": the button and what each service answered."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from desktop.core.agent.service_check import ConnectionReport, Outcome
from desktop.ui.settings.connection_tester import ConnectionTester
from desktop.ui.settings.settings_fields import wrapped_label

CHECKING = "Checking the model provider, Composio and the Tool Router…"
RESULT_PROPERTY: dict[Outcome, str] = {"ok": "ok", "failed": "error", "not_checked": "skipped"}


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
            "Check each service with these values, without spending tokens: the model "
            "provider's model list, a Composio session and its Tool Router tools"
        )
        self.test_button.clicked.connect(self.test_requested)
        self.test_button.setVisible(tester is not None)
        self.test_result = wrapped_label("", "testResultLabel")
        self.test_result.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.test_result.hide()
        self.service_labels: list[QLabel] = []
        self._results = QVBoxLayout()
        self._results.setContentsMargins(0, 0, 0, 0)
        self._results.setSpacing(2)
        self._results.addWidget(self.test_result)
        if tester is not None:
            tester.running_changed.connect(self._on_tester_running_changed)
            tester.reported.connect(self._on_tester_reported)
            tester.failed.connect(self._on_tester_failed)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(10)
        row.addWidget(self.test_button, 0, Qt.AlignmentFlag.AlignTop)
        row.addLayout(self._results, 1)

    def focus_order(self) -> tuple[QWidget, ...]:
        return (self.test_button,)

    def _on_tester_running_changed(self, running: bool) -> None:
        self.test_button.setEnabled(not running)
        if running:
            self._clear_services()
            self.show_result(CHECKING, None)

    def _on_tester_reported(self, report: ConnectionReport) -> None:
        """One line per service, in its colour; the Tool Router's tools in its tooltip."""
        self.test_result.hide()
        self._clear_services()
        for check in report.checks:
            label = wrapped_label(check.sentence, "serviceResultLabel")
            label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            label.setAccessibleName(check.sentence)
            label.setProperty("result", RESULT_PROPERTY[check.outcome])
            if check.tool_names:
                label.setToolTip(", ".join(check.tool_names))
            self._results.addWidget(label)
            self.service_labels.append(label)

    def _clear_services(self) -> None:
        for label in self.service_labels:
            self._results.removeWidget(label)
            label.deleteLater()
        self.service_labels = []

    def _on_tester_failed(self, message: str) -> None:
        self._clear_services()
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
