"""The status bar's services: each one's state as a dot and a few words, the reason beside them
(built right after the first paint: it is the first window module that needs the core's types)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHBoxLayout, QLabel, QWidget

from desktop.core.conversations.backend import ConnectionState, ConnectionStatus, ServiceStatus
from desktop.core.errors import Service
from desktop.ui.tooltips import plain_tooltip
from desktop.ui.window.status_labels import shrinking_label

REASON_WIDTH_PX = 460

SERVICE_LABELS = {
    Service.MODEL: "Model server",
    Service.COMPOSIO: "Composio",
    Service.TOOL_ROUTER: "Tool Router",
}
_OBJECT_NAMES = {
    Service.MODEL: "statusModelServer",
    Service.COMPOSIO: "statusComposio",
    Service.TOOL_ROUTER: "statusToolRouter",
}
_STATE_WORDS = {
    ConnectionState.NOT_CONFIGURED: "not set up",
    ConnectionState.CONNECTING: "connecting…",
    ConnectionState.READY: "ready",
    ConnectionState.ERROR: "error",
    ConnectionState.UNKNOWN: "not checked",
}
_UNKNOWN_TIPS = {
    Service.MODEL: "The model is first asked with your first message.",
    Service.COMPOSIO: "Not reached yet.",
    Service.TOOL_ROUTER: "Not reached yet.",
}


def service_text(status: ServiceStatus) -> str:
    """'Composio: ready', 'Tool Router: 7 tools', 'Model server: error'."""
    word = _STATE_WORDS[status.state]
    if status.state is ConnectionState.READY and status.detail:
        word = status.detail
    return f"{SERVICE_LABELS[status.service]}: {word}"


def _problem(status: ConnectionStatus) -> str:
    if status.state in (ConnectionState.ERROR, ConnectionState.NOT_CONFIGURED):
        return status.detail
    return ""


class ServiceIndicator(QWidget):
    """One service: a coloured dot and its state in a few words; the reason is the tooltip."""

    def __init__(self, service: Service, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.service = service
        self.setObjectName(_OBJECT_NAMES[service])
        self.dot = QLabel("●", self)
        self.dot.setObjectName("statusConnectionDot")
        self.dot.setTextFormat(Qt.TextFormat.PlainText)
        self.label = QLabel(self)  # whole: on a small screen the reason and the model give way
        self.label.setObjectName("statusServiceLabel")
        self.label.setTextFormat(Qt.TextFormat.PlainText)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        layout.addWidget(self.dot)
        layout.addWidget(self.label)

    def set_status(self, status: ServiceStatus) -> None:
        text = service_text(status)
        self.label.setText(text)
        reason = status.detail if status.state is not ConnectionState.READY else ""
        if status.state is ConnectionState.UNKNOWN:
            reason = _UNKNOWN_TIPS[status.service]
        tip = f"{text}. {reason}" if reason else text
        self.setToolTip(plain_tooltip(tip))
        self.setAccessibleName(tip)
        self.dot.setProperty("state", status.state.value)
        self.dot.style().unpolish(self.dot)
        self.dot.style().polish(self.dot)

    @property
    def text(self) -> str:
        return self.label.text()


class ConnectionStatusWidget(QWidget):
    """Each service's dot and state, then why the app cannot send, if it cannot."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("statusConnection")
        self.services = {service: ServiceIndicator(service, self) for service in Service}
        # The reason, when something is wrong (whole in the tooltip).
        self.label = shrinking_label("statusConnectionLabel", self)
        self.label.setMaximumWidth(REASON_WIDTH_PX + 20)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(10)
        for indicator in self.services.values():
            layout.addWidget(indicator)
        layout.addWidget(self.label)
        self.status = ConnectionStatus(ConnectionState.NOT_CONFIGURED)
        self.set_status(self.status)

    def set_status(self, status: ConnectionStatus) -> None:
        self.status = status
        for service, indicator in self.services.items():
            indicator.set_status(status.of(service))
        problem = _problem(status)
        metrics = self.label.fontMetrics()
        self.label.setText(
            metrics.elidedText(problem, Qt.TextElideMode.ElideRight, REASON_WIDTH_PX)
        )
        self.label.setToolTip(plain_tooltip(problem) if problem else "")
        self.label.setAccessibleName(problem)
        self.label.setVisible(bool(problem))

    @property
    def text(self) -> str:
        """Every service's state, then the reason: what the status bar says, in one line."""
        parts = [indicator.text for indicator in self.services.values()]
        return " · ".join(parts) + (f" — {_problem(self.status)}" if _problem(self.status) else "")
