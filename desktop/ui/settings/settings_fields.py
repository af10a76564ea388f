"""The settings dialog's building blocks: a masked key field, forms and small label helpers."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFormLayout, QHBoxLayout, QLabel, QLineEdit, QToolButton, QWidget

from desktop.core.config.credentials import KEY_LABELS as KEY_LABELS
from desktop.core.config.secrets import SecretName
from desktop.core.config.settings import Settings

KEY_TOOLTIPS = {
    SecretName.OPENAI_API_KEY: "Your OpenAI API key (sk-...): the agent's model runs on it.",
    SecretName.COMPOSIO_API_KEY: (
        "Your Composio API key: it creates the Tool Router session through which the agent "
        "reaches E2B."
    ),
    SecretName.ANTHROPIC_API_KEY: "Your Anthropic API key (sk-ant-...), for Claude models.",
    SecretName.GOOGLE_API_KEY: "Your Gemini API key (from Google AI Studio), for Gemini models.",
    SecretName.OPENROUTER_API_KEY: "Your OpenRouter API key (sk-or-...), for its models.",
}


def field_description(field: str) -> str:
    return Settings.model_fields[field].description or ""


def wrapped_label(text: str, name: str) -> QLabel:
    label = QLabel(text)
    label.setObjectName(name)
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setWordWrap(True)
    return label


def new_form() -> QFormLayout:
    """A section's form, laid out like the others (`align_labels` lines their labels up)."""
    form = QFormLayout()
    form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
    form.setHorizontalSpacing(12)
    form.setVerticalSpacing(8)
    return form


def add_row(form: QFormLayout, text: str, field: QWidget, buddy: QWidget | None = None) -> None:
    """A labelled row; the label's mnemonic moves the focus to `buddy` (else `field`)."""
    label = QLabel(text)
    label.setBuddy(buddy or field)
    form.addRow(label, field)


def align_labels(*forms: QFormLayout) -> None:
    """The label columns of several sections' forms as wide as the widest, so fields line up."""
    labels: list[QWidget] = []
    for form in forms:
        for row in range(form.rowCount()):
            item = form.itemAt(row, QFormLayout.ItemRole.LabelRole)
            label = item.widget() if item is not None else None
            if label is not None:
                labels.append(label)
    width = max((label.sizeHint().width() for label in labels), default=0)
    for label in labels:
        label.setMinimumWidth(width)


def mark_invalid(field: QWidget, bad: bool) -> None:
    """The `invalid` property the style sheet draws (a red border), repolished on change."""
    if field.property("invalid") != bad:
        field.setProperty("invalid", bad)
        field.style().unpolish(field)
        field.style().polish(field)


class KeyField(QWidget):
    """A masked line edit with a Show/Hide button."""

    def __init__(self, secret: SecretName, object_name: str, parent: QWidget | None = None):
        super().__init__(parent)
        label = KEY_LABELS[secret]
        self.edit = QLineEdit(self)
        self.edit.setObjectName(object_name)
        self.edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.edit.setAccessibleName(label)
        self.edit.setToolTip(KEY_TOOLTIPS[secret])
        self.edit.setClearButtonEnabled(True)
        self.toggle = QToolButton(self)
        self.toggle.setObjectName(object_name.replace("Field", "Toggle"))
        self.toggle.setCheckable(True)
        self.toggle.setText("Show")
        self.toggle.setAccessibleName(f"Show {label}")
        self.toggle.toggled.connect(self._on_toggle_toggled)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(6)
        layout.addWidget(self.edit, 1)
        layout.addWidget(self.toggle)

    def _on_toggle_toggled(self, shown: bool) -> None:
        self.edit.setEchoMode(QLineEdit.EchoMode.Normal if shown else QLineEdit.EchoMode.Password)
        self.toggle.setText("Hide" if shown else "Show")
        name = self.edit.accessibleName()
        self.toggle.setAccessibleName(f"{'Hide' if shown else 'Show'} {name}")
