"""The Settings dialog's Agent: the provider picker, the model (with that provider's models), its
base URL where it has one, its plain-http consent beside it, the toolkits and the instructions."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QComboBox, QLineEdit, QPlainTextEdit, QVBoxLayout, QWidget

from desktop.core.config.providers import (
    BY_PREFIX,
    ProviderSpec,
    picker_providers,
    provider_of,
    split_model,
)
from desktop.core.config.secrets import SecretName
from desktop.core.config.settings import Settings, model_problem
from desktop.core.errors import endpoint_problem
from desktop.ui.settings.endpoint_section import EndpointSection
from desktop.ui.settings.settings_fields import add_row, field_description, new_form, wrapped_label


class AgentSection(QWidget):
    """The agent's fields of `settings`, as edited; `edited(field)` says one changed and
    `provider_changed(spec)` that another provider was picked (the keys section shows its key).

    `base_url_variables`: the families whose base URL a variable sets ({family: variable}): its
    field then says so in place of a value; `model_note`: what Settings says of `E2B_AGENT_MODEL`
    (the core's sentence), if it is set."""

    edited = Signal(object)  # the QWidget edited
    provider_changed = Signal(object)  # ProviderSpec

    def __init__(
        self,
        settings: Settings,
        parent: QWidget | None = None,
        *,
        base_url_variables: Mapping[str, str] | None = None,
        model_note: str | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("agentSection")
        self._settings = settings
        self._base_urls = dict(settings.base_urls)  # as edited, for every family
        self._variables = dict(base_url_variables or {})
        self._listed: dict[str, tuple[str, ...]] = {}  # each provider's own list, once fetched
        self._syncing = False
        self.provider_field = QComboBox()
        self.provider_field.setObjectName("providerField")
        self.provider_field.setAccessibleName("Model provider")
        self.provider_field.setToolTip(
            "Who runs the model: each provider has its own key (OpenAI, Anthropic, Google "
            "Gemini, OpenRouter), local servers need none."
        )
        for spec in picker_providers():
            self.provider_field.addItem(spec.label, spec.prefix)
        self.model_field = QComboBox()
        self.model_field.setObjectName("modelField")
        self.model_field.setEditable(True)
        self.model_field.setAccessibleName("Model")
        line_edit = self.model_field.lineEdit()
        if line_edit is not None:
            line_edit.setObjectName("modelFieldEdit")
            line_edit.setAccessibleName("Model")
        self.model_field.setToolTip(field_description("model"))
        self.base_url_field = QLineEdit()
        self.base_url_field.setObjectName("baseUrlField")
        self.base_url_field.setAccessibleName("Base URL")
        self.override_label = wrapped_label(model_note or "", "modelOverrideLabel")
        self.override_label.setVisible(model_note is not None)
        self.toolkits_field = QLineEdit(", ".join(settings.toolkits))
        self.toolkits_field.setObjectName("toolkitsField")
        self.toolkits_field.setAccessibleName("Toolkits")
        self.toolkits_field.setToolTip(
            field_description("toolkits") + " Separate several with commas."
        )
        self.instructions_field = QPlainTextEdit(settings.instructions)
        self.instructions_field.setObjectName("instructionsField")
        self.instructions_field.setAccessibleName("Instructions")
        self.instructions_field.setToolTip(field_description("instructions"))
        self.instructions_field.setTabChangesFocus(True)
        self.instructions_field.setMinimumHeight(96)

        self.form = new_form()
        self.form.addRow(wrapped_label("Agent", "sectionTitle"))
        add_row(self.form, "&Provider", self.provider_field)
        add_row(self.form, "&Model", self.model_field)
        self.form.addRow("", self.override_label)
        add_row(self.form, "&Base URL", self.base_url_field)
        self.endpoint = EndpointSection(settings)
        self.form.addRow("", self.endpoint)
        add_row(self.form, "&Toolkits", self.toolkits_field)
        add_row(self.form, "&Instructions", self.instructions_field)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(self.form)
        self._show_provider(provider_of(settings.model) or BY_PREFIX["openai"], settings.model)
        self.toolkits_field.textChanged.connect(lambda _t: self.edited.emit(self.toolkits_field))
        self.model_field.currentTextChanged.connect(self._on_model_field_current_text_changed)
        self.provider_field.currentIndexChanged.connect(
            self._on_provider_field_current_index_changed
        )
        self.base_url_field.textEdited.connect(self._on_base_url_field_text_edited)

    # -- the provider and its model ----------------------------------------------------------
    @property
    def provider(self) -> ProviderSpec:
        return BY_PREFIX[str(self.provider_field.currentData())]

    def provider_key(self) -> SecretName | None:
        """The key of the model typed's provider (None: it takes none)."""
        spec = provider_of(self.model_field.currentText()) or self.provider
        return spec.key

    def _suggestions(self, spec: ProviderSpec) -> tuple[str, ...]:
        return self._listed.get(spec.prefix) or spec.suggestions

    def _show_provider(self, spec: ProviderSpec, model: str) -> None:
        """Show `spec` picked, its models offered, `model` in the field, its base URL."""
        self._syncing = True
        try:
            shown = spec if spec.in_picker else BY_PREFIX["openai"]
            self.provider_field.setCurrentIndex(self.provider_field.findData(shown.prefix))
            self.model_field.clear()
            # Both of OpenAI's APIs share the key: their models are offered together.
            family = [p for p in picker_providers() if p.family == spec.family] or [spec]
            self.model_field.addItems(
                [f"{p.prefix}:{name}" for p in family for name in self._suggestions(p)]
            )
            self.model_field.setCurrentText(model)
            self._show_base_url(spec)
        finally:
            self._syncing = False
        self.provider_changed.emit(spec)

    def _show_base_url(self, spec: ProviderSpec) -> None:
        """`spec`'s base URL and, beside it, whether it may be plain http on another machine."""
        self.endpoint.show_family(spec.family)
        variable = self._variables.get(spec.family)
        shown = spec.base_url_in_settings or variable is not None
        self.form.setRowVisible(self.base_url_field, shown)
        self.base_url_field.setReadOnly(variable is not None)
        if variable is not None:
            self.base_url_field.clear()
            self.base_url_field.setPlaceholderText(f"from {variable}")
            self.base_url_field.setToolTip(
                f"Set by {variable}, which the app uses instead: change or unset it there."
            )
            return
        self.base_url_field.setText(self._base_urls.get(spec.family, ""))
        default = spec.default_base_url
        self.base_url_field.setPlaceholderText(default or "e.g. http://localhost:8000/v1")
        self.base_url_field.setToolTip(
            f"Where {spec.service} is: leave it empty for {default}."
            if default
            else "The server's OpenAI-compatible address, ending in /v1."
        )

    def _on_provider_field_current_index_changed(self, _index: int) -> None:
        if self._syncing:
            return
        spec = self.provider
        current = provider_of(self.model_field.currentText())
        name = split_model(self.model_field.currentText())[1]
        if current is None or current.family != spec.family or not name:
            suggestions = self._suggestions(spec)
            name = suggestions[0] if suggestions else ""
        self._show_provider(spec, f"{spec.prefix}:{name}")
        self.edited.emit(self.model_field)

    def _on_model_field_current_text_changed(self, text: str) -> None:
        if self._syncing:
            return
        spec = provider_of(text)
        if spec is not None and spec.prefix != self.provider_field.currentData():
            self._syncing = True  # typed another provider's prefix: the picker follows
            try:
                shown = spec if spec.in_picker else BY_PREFIX["openai"]
                self.provider_field.setCurrentIndex(self.provider_field.findData(shown.prefix))
                self._show_base_url(spec)
            finally:
                self._syncing = False
            self.provider_changed.emit(spec)
        self.edited.emit(self.model_field)

    def _on_base_url_field_text_edited(self, text: str) -> None:
        self._base_urls[self.provider.family] = text.strip()
        self.edited.emit(self.base_url_field)

    def offer_models(self, models: Sequence[str]) -> None:
        """The provider's own list (Test connection fetched it, no tokens spent) replaces the
        offline suggestions for the provider picked; the model typed stays."""
        if not models:
            return
        spec = self.provider
        self._listed[spec.prefix] = tuple(models)
        self._show_provider(spec, self.model_field.currentText())

    # -- values ------------------------------------------------------------------------------
    def focus_order(self) -> tuple[QWidget, ...]:
        return (
            self.provider_field,
            self.model_field,
            self.base_url_field,
            self.endpoint.allow_plain_http,
            self.toolkits_field,
            self.instructions_field,
        )

    def fields(self) -> tuple[QWidget, ...]:
        """The fields `field_problems` may name (each drawn as invalid or not)."""
        return (self.model_field, self.base_url_field, self.toolkits_field)

    def toolkits(self) -> tuple[str, ...]:
        return tuple(t.strip() for t in self.toolkits_field.text().split(",") if t.strip())

    def values(self) -> dict[str, Any]:
        """The Settings fields of this section, not yet validated."""
        return {
            "model": self.model_field.currentText().strip(),
            "base_urls": {k: v for k, v in self._base_urls.items() if v},
            "toolkits": self.toolkits(),
            "instructions": self.instructions_field.toPlainText().strip()
            or self._settings.instructions,
            "plain_http_model_providers": self.endpoint.families(),
        }

    def field_problems(self) -> list[tuple[QWidget, str]]:
        problems: list[tuple[QWidget, str]] = []
        model_problem_text = model_problem(self.model_field.currentText())
        if model_problem_text:
            problems.append((self.model_field, model_problem_text))
        spec = provider_of(self.model_field.currentText())
        if spec is not None and spec.family not in self._variables:
            url = self._base_urls.get(spec.family, "")
            if not url and spec.default_base_url is None:
                problems.append(
                    (
                        self.base_url_field,
                        "Enter the server's base URL, e.g. http://localhost:8000/v1.",
                    )
                )
            elif url and (refusal := endpoint_problem("The base URL", url)) is not None:
                reason = refusal.message.partition("): ")[0]
                problems.append((self.base_url_field, f"{reason})."))
        if not self.toolkits():
            problems.append((self.toolkits_field, "Name at least one toolkit, e.g. e2b."))
        return problems
