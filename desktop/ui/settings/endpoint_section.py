"""The Settings dialog's consent to a plain-http server on another machine (a LAN Ollama), for
the provider picked: each provider's consent is its own."""

from __future__ import annotations

from PySide6.QtWidgets import QCheckBox, QVBoxLayout, QWidget

from desktop.core.config.settings import Settings
from desktop.ui.messages import PLAIN_HTTP_CHECK
from desktop.ui.settings.settings_fields import field_description, wrapped_label

PLAIN_HTTP_WARNING = (
    "This provider's key (if it has one) and every message will then travel unencrypted between "
    "this computer and its server at the base URL (or OPENAI_BASE_URL, OLLAMA_BASE_URL...): "
    "anyone on the network between can read them. Tick this only for a server of your own on a "
    "network you trust, such as Ollama on another machine at home. Other providers keep to "
    "https:// unless you tick it for them too; loopback and https:// addresses never need it."
)


class EndpointSection(QWidget):
    """The switch of the provider family shown (`show_family`), off unless the user turned it
    on for that family; its warning shows while it is on. `families()`: every family's
    consent as edited, the ones not shown kept as they were."""

    def __init__(self, settings: Settings, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("endpointSection")
        self._families = list(settings.plain_http_model_providers)
        self._family: str | None = None  # the family shown
        self.allow_plain_http = QCheckBox(PLAIN_HTTP_CHECK)
        self.allow_plain_http.setObjectName("allowPlainHttpModelCheck")
        self.allow_plain_http.setAccessibleName(PLAIN_HTTP_CHECK)
        self.allow_plain_http.setToolTip(field_description("plain_http_model_providers"))
        self.warning = wrapped_label(PLAIN_HTTP_WARNING, "plainHttpWarningLabel")
        self.warning.setVisible(False)
        self.allow_plain_http.toggled.connect(self._on_allow_plain_http_toggled)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        layout.addWidget(self.allow_plain_http)
        layout.addWidget(self.warning)

    def show_family(self, family: str) -> None:
        """Show (and from now on edit) the consent of `family` ("ollama")."""
        self._family = family
        self.allow_plain_http.setChecked(family in self._families)
        self.warning.setVisible(self.allowed())

    def allowed(self) -> bool:
        """The family shown may be plain http on another machine."""
        return self.allow_plain_http.isChecked()

    def families(self) -> tuple[str, ...]:
        return tuple(self._families)

    def _on_allow_plain_http_toggled(self, checked: bool) -> None:
        family = self._family
        if family is not None and checked and family not in self._families:
            self._families.append(family)
        elif family is not None and not checked and family in self._families:
            self._families.remove(family)
        self.warning.setVisible(checked)
