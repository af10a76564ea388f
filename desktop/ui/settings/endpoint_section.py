"""The Settings dialog's consent to a plain-http model server on another machine (a LAN Ollama)."""

from __future__ import annotations

from PySide6.QtWidgets import QCheckBox, QVBoxLayout, QWidget

from desktop.core.config.settings import Settings
from desktop.ui.messages import PLAIN_HTTP_CHECK
from desktop.ui.settings.settings_fields import field_description, wrapped_label

PLAIN_HTTP_WARNING = (
    "The model's key (if it has one) and every message will then travel unencrypted between "
    "this computer and the model server at the base URL (or OPENAI_BASE_URL, OLLAMA_BASE_URL...): "
    "anyone on the network between can read them. Tick this only for a server of your own on a "
    "network you trust, such as Ollama on another machine at home. Loopback and https:// "
    "addresses never need it."
)


class EndpointSection(QWidget):
    """The switch, off unless the user turns it on; its warning shows while it is on."""

    def __init__(self, settings: Settings, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("endpointSection")
        self.allow_plain_http = QCheckBox(PLAIN_HTTP_CHECK)
        self.allow_plain_http.setObjectName("allowPlainHttpModelCheck")
        self.allow_plain_http.setAccessibleName(PLAIN_HTTP_CHECK)
        self.allow_plain_http.setToolTip(field_description("allow_plain_http_model_endpoint"))
        self.allow_plain_http.setChecked(settings.allow_plain_http_model_endpoint)
        self.warning = wrapped_label(PLAIN_HTTP_WARNING, "plainHttpWarningLabel")
        self.allow_plain_http.toggled.connect(self._on_allow_plain_http_toggled)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        layout.addWidget(self.allow_plain_http)
        layout.addWidget(self.warning)
        self.warning.setVisible(self.allowed())

    def allowed(self) -> bool:
        return self.allow_plain_http.isChecked()

    def _on_allow_plain_http_toggled(self, checked: bool) -> None:
        self.warning.setVisible(checked)
