"""The Settings dialog's API keys: the two keys, the Composio user id, where they are kept, and
the values found in the environment."""

from __future__ import annotations

from collections.abc import Mapping

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLineEdit, QPushButton, QVBoxLayout, QWidget

from desktop.core.config.secrets import ENV_VARS, USER_ID_ENV, SecretName
from desktop.ui.settings.settings_fields import (
    KEY_LABELS,
    KeyField,
    add_row,
    field_description,
    new_form,
    wrapped_label,
)

INSECURE_WARNING = (
    "No secure keyring is available on this system: keys will be kept in memory for this "
    "session only"
)
USER_ID_KEY = "user_id"


class KeysSection(QWidget):
    """The keys and user id as typed (never stored here). `environment` is what
    `desktop.core.config.secrets.overrides_from_environment` found: name -> (value, source);
    a value found there makes its field optional and can be imported. `edited` says a field
    changed."""

    edited = Signal()

    def __init__(
        self,
        keys: Mapping[SecretName, str],
        user_id: str,
        *,
        backend_name: str,
        is_secure: bool,
        first_run: bool,
        environment: Mapping[str, tuple[str, str]],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("keysSection")
        self._environment = dict(environment)
        self.first_run_label = wrapped_label(
            f"Enter your OpenAI and Composio keys once; they are stored in {backend_name}.",
            "firstRunLabel",
        )
        self.first_run_label.setVisible(first_run)
        self.keyring_warning = wrapped_label(INSECURE_WARNING, "keyringWarning")
        self.keyring_warning.setVisible(not is_secure)
        self.keyring_label = wrapped_label(f"Keys are stored in: {backend_name}", "keyringLabel")

        self.openai_key = KeyField(SecretName.OPENAI_API_KEY, "openaiKeyField", self)
        self.composio_key = KeyField(SecretName.COMPOSIO_API_KEY, "composioKeyField", self)
        self.openai_key.edit.setText(keys.get(SecretName.OPENAI_API_KEY, ""))
        self.composio_key.edit.setText(keys.get(SecretName.COMPOSIO_API_KEY, ""))
        self.user_id_field = QLineEdit(user_id)
        self.user_id_field.setObjectName("userIdField")
        self.user_id_field.setAccessibleName("Composio user id")
        self.user_id_field.setToolTip(field_description("user_id"))
        self.user_id_field.setPlaceholderText("e.g. you@example.com")

        self.import_button = QPushButton("Import keys found in the environment")
        self.import_button.setObjectName("importEnvironmentButton")
        self.import_button.setAccessibleName("Import keys found in the environment")
        self.import_button.clicked.connect(self._on_import_button_clicked)
        self.environment_label = wrapped_label(self._environment_summary(), "environmentLabel")
        has_environment = bool(self._environment)
        self.import_button.setVisible(has_environment)
        self.environment_label.setVisible(has_environment)
        self._lay_out()
        for edit in (self.openai_key.edit, self.composio_key.edit, self.user_id_field):
            edit.textChanged.connect(self.edited)

    def _lay_out(self) -> None:
        self.form = new_form()
        self.form.addRow(wrapped_label("API keys", "sectionTitle"))
        add_row(self.form, "&OpenAI API key", self.openai_key, self.openai_key.edit)
        add_row(self.form, "&Composio API key", self.composio_key, self.composio_key.edit)
        add_row(self.form, "Composio &user id", self.user_id_field)
        self.form.addRow("", self.keyring_label)
        environment = QHBoxLayout()
        environment.setSpacing(10)
        environment.addWidget(self.environment_label, 1)
        environment.addWidget(self.import_button, 0, Qt.AlignmentFlag.AlignTop)
        self.form.addRow("", environment)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(10)
        layout.addWidget(self.first_run_label)
        layout.addWidget(self.keyring_warning)
        layout.addLayout(self.form)

    def focus_order(self) -> tuple[QWidget, ...]:
        return (
            self.openai_key.edit,
            self.openai_key.toggle,
            self.composio_key.edit,
            self.composio_key.toggle,
            self.user_id_field,
            self.import_button,
        )

    def fields(self) -> tuple[QWidget, ...]:
        """The fields `field_problems` may name (each drawn as invalid or not)."""
        return (self.openai_key.edit, self.composio_key.edit, self.user_id_field)

    # -- values ------------------------------------------------------------------------------
    def _environment_summary(self) -> str:
        names = {
            SecretName.OPENAI_API_KEY.value: ENV_VARS[SecretName.OPENAI_API_KEY],
            SecretName.COMPOSIO_API_KEY.value: ENV_VARS[SecretName.COMPOSIO_API_KEY],
            USER_ID_KEY: USER_ID_ENV,
        }
        found = [
            f"{names.get(key, key)} ({source})" for key, (_, source) in self._environment.items()
        ]
        if not found:
            return ""
        return (
            f"Found {', '.join(found)}: used while the matching field is empty. "
            "Import to keep it in the keyring."
        )

    def _key_edits(self) -> dict[SecretName, QLineEdit]:
        return {
            SecretName.OPENAI_API_KEY: self.openai_key.edit,
            SecretName.COMPOSIO_API_KEY: self.composio_key.edit,
        }

    def typed_keys(self) -> dict[SecretName, str]:
        """The keys in the fields (blank ones left out)."""
        edits = self._key_edits().items()
        return {name: edit.text().strip() for name, edit in edits if edit.text().strip()}

    def effective_keys(self) -> dict[SecretName, str]:
        """Typed keys, else the environment's: what a connection would use."""
        keys = {
            name: self._environment[name.value][0]
            for name in SecretName
            if name.value in self._environment
        }
        keys.update(self.typed_keys())
        return keys

    def user_id(self, *, use_environment: bool = False) -> str:
        """The user id typed (with `use_environment`, else the environment's)."""
        user_id = self.user_id_field.text().strip()
        if use_environment and not user_id and USER_ID_KEY in self._environment:
            return self._environment[USER_ID_KEY][0]
        return user_id

    def field_problems(self) -> list[tuple[QWidget, str]]:
        problems: list[tuple[QWidget, str]] = []
        for name, edit in self._key_edits().items():
            if not edit.text().strip() and name.value not in self._environment:
                problems.append((edit, f"Enter your {KEY_LABELS[name]}."))
        if not self.user_id_field.text().strip() and USER_ID_KEY not in self._environment:
            problems.append((self.user_id_field, "Enter your Composio user id."))
        return problems

    # -- actions -----------------------------------------------------------------------------
    def _on_import_button_clicked(self) -> None:
        edits = self._key_edits()
        for key, (value, _source) in self._environment.items():
            if key == USER_ID_KEY:
                self.user_id_field.setText(value)
            else:
                edits[SecretName(key)].setText(value)
        self.import_button.setText("Imported")
        self.import_button.setEnabled(False)
