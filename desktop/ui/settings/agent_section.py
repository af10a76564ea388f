"""The Settings dialog's Agent: the model (and the plain-http consent beside it), the toolkits
and the instructions."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QComboBox, QLineEdit, QPlainTextEdit, QVBoxLayout, QWidget

from desktop.core.config.settings import Settings, model_problem
from desktop.ui.settings.endpoint_section import EndpointSection
from desktop.ui.settings.settings_fields import add_row, field_description, new_form, wrapped_label

MODEL_CHOICES = (
    "openai:gpt-5",
    "openai:gpt-5-mini",
    "openai:gpt-5-nano",
    "openai-chat:gpt-4.1",
    "openai-chat:gpt-4.1-mini",
    "openai-chat:gpt-4o",
)


class AgentSection(QWidget):
    """The agent's fields of `settings`, as edited; `edited(field)` says one changed."""

    edited = Signal(object)  # the QWidget edited

    def __init__(self, settings: Settings, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("agentSection")
        self._settings = settings
        self.model_field = QComboBox()
        self.model_field.setObjectName("modelField")
        self.model_field.setEditable(True)
        self.model_field.addItems(list(MODEL_CHOICES))
        self.model_field.setCurrentText(settings.model)
        self.model_field.setAccessibleName("Model")
        line_edit = self.model_field.lineEdit()
        if line_edit is not None:
            line_edit.setObjectName("modelFieldEdit")
            line_edit.setAccessibleName("Model")
        self.model_field.setToolTip(field_description("model"))
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
        add_row(self.form, "&Model", self.model_field)
        self.endpoint = EndpointSection(settings)
        self.form.addRow("", self.endpoint)
        add_row(self.form, "&Toolkits", self.toolkits_field)
        add_row(self.form, "&Instructions", self.instructions_field)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(self.form)
        self.toolkits_field.textChanged.connect(lambda _t: self.edited.emit(self.toolkits_field))
        self.model_field.currentTextChanged.connect(lambda _t: self.edited.emit(self.model_field))

    def focus_order(self) -> tuple[QWidget, ...]:
        return (
            self.model_field,
            self.endpoint.allow_plain_http,
            self.toolkits_field,
            self.instructions_field,
        )

    def fields(self) -> tuple[QWidget, ...]:
        """The fields `field_problems` may name (each drawn as invalid or not)."""
        return (self.model_field, self.toolkits_field)

    def toolkits(self) -> tuple[str, ...]:
        return tuple(t.strip() for t in self.toolkits_field.text().split(",") if t.strip())

    def values(self) -> dict[str, Any]:
        """The Settings fields of this section, not yet validated."""
        return {
            "model": self.model_field.currentText().strip(),
            "toolkits": self.toolkits(),
            "instructions": self.instructions_field.toPlainText().strip()
            or self._settings.instructions,
            "allow_plain_http_model_endpoint": self.endpoint.allowed(),
        }

    def field_problems(self) -> list[tuple[QWidget, str]]:
        problems: list[tuple[QWidget, str]] = []
        model_problem_text = model_problem(self.model_field.currentText())
        if model_problem_text:
            problems.append((self.model_field, model_problem_text))
        if not self.toolkits():
            problems.append((self.toolkits_field, "Name at least one toolkit, e.g. e2b."))
        return problems
