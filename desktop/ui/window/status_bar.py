"""The status bar's permanent parts: which model answers and the state of the connection."""

from __future__ import annotations

import html

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHBoxLayout, QLabel, QWidget

from desktop.core.conversations.backend import ConnectionState, ConnectionStatus

_CONNECTION_TEXT = {
    ConnectionState.NOT_CONFIGURED: "Composio: not configured",
    ConnectionState.CONNECTING: "Composio: connecting…",
    ConnectionState.READY: "Composio: ready",
    ConnectionState.ERROR: "Composio: error",
}


def connection_text(status: ConnectionStatus) -> str:
    text = _CONNECTION_TEXT[status.state]
    if status.state is ConnectionState.READY and status.detail:
        return f"{text} ({status.detail})"
    if status.state is ConnectionState.ERROR and status.detail:
        return f"{text}: {status.detail}"
    return text


class ConnectionStatusWidget(QWidget):
    """A coloured dot and a sentence; the full reason is also the tooltip."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("statusConnection")
        self.dot = QLabel("●", self)
        self.dot.setObjectName("statusConnectionDot")
        self.dot.setTextFormat(Qt.TextFormat.PlainText)
        self.label = QLabel(self)
        self.label.setObjectName("statusConnectionLabel")
        self.label.setTextFormat(Qt.TextFormat.PlainText)
        self.label.setMaximumWidth(560)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(6)
        layout.addWidget(self.dot)
        layout.addWidget(self.label)
        self.status = ConnectionStatus(ConnectionState.NOT_CONFIGURED)
        self.set_status(self.status)

    def set_status(self, status: ConnectionStatus) -> None:
        self.status = status
        text = connection_text(status)
        metrics = self.label.fontMetrics()
        self.label.setText(metrics.elidedText(text, Qt.TextElideMode.ElideRight, 540))
        self.label.setToolTip(plain_tooltip(text))
        self.label.setAccessibleName(text)
        self.dot.setProperty("state", status.state.value)
        self.dot.style().unpolish(self.dot)
        self.dot.style().polish(self.dot)

    @property
    def text(self) -> str:
        return connection_text(self.status)


def plain_tooltip(text: str) -> str:
    """Tooltips render anything that looks like HTML; escape it so the text shows as text."""
    return f"<p style='white-space:pre-wrap'>{html.escape(text)}</p>"
