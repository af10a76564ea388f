"""The Settings dialog's API keys: the model provider's key (one per provider, the chosen one's
shown), Composio's, the Composio user id, where they are kept, and the values found in the
environment."""

from __future__ import annotations

from collections.abc import Mapping

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLineEdit, QPushButton, QVBoxLayout, QWidget

from desktop.core.config.credentials import KeyringUnreadable
from desktop.core.config.secrets import ENV_VARS, USER_ID_ENV, SecretName
from desktop.core.errors import join_labels
from desktop.ui.settings.keyring_notice import KeyringNotice
from desktop.ui.settings.settings_fields import (
    KEY_LABELS,
    KeyField,
    add_row,
    field_description,
    new_form,
    wrapped_label,
)

NO_KEYRING = (
    "No secure keyring is available on this system: the keys you enter are kept in memory "
    "until the app closes."
)
USER_ID_KEY = "user_id"
ENVIRONMENT_NAMES = {
    **{name.value: variable for name, variable in ENV_VARS.items()},
    USER_ID_KEY: USER_ID_ENV,
}
MODEL_KEYS = (
    SecretName.OPENAI_API_KEY,
    SecretName.ANTHROPIC_API_KEY,
    SecretName.GOOGLE_API_KEY,
    SecretName.OPENROUTER_API_KEY,
)
"""The model providers' keys, one row each; the chosen provider's row is shown."""
_FIELD_NAMES = {
    SecretName.OPENAI_API_KEY: "openaiKeyField",
    SecretName.COMPOSIO_API_KEY: "composioKeyField",
    SecretName.ANTHROPIC_API_KEY: "anthropicKeyField",
    SecretName.GOOGLE_API_KEY: "googleKeyField",
    SecretName.OPENROUTER_API_KEY: "openrouterKeyField",
}
_MNEMONIC_LABELS = {
    SecretName.OPENAI_API_KEY: "&OpenAI API key",
    SecretName.ANTHROPIC_API_KEY: "&Anthropic API key",
    SecretName.GOOGLE_API_KEY: "&Google Gemini API key",
    SecretName.OPENROUTER_API_KEY: "&OpenRouter API key",
}
_KEY_OWNERS = {
    SecretName.OPENAI_API_KEY: "OpenAI",
    SecretName.ANTHROPIC_API_KEY: "Anthropic",
    SecretName.GOOGLE_API_KEY: "Google Gemini",
    SecretName.OPENROUTER_API_KEY: "OpenRouter",
}


def insecure_warning(
    environment: Mapping[str, tuple[str, str]],
    needed: tuple[SecretName, ...] = (SecretName.OPENAI_API_KEY, SecretName.COMPOSIO_API_KEY),
) -> str:
    """The one notice without a keyring, naming the variables that would spare the typing."""
    unset = [ENV_VARS[name] for name in needed if name.value not in environment]
    if not unset:
        return NO_KEYRING
    where = "it" if len(unset) == 1 else "them"
    return (
        f"{NO_KEYRING} Set {join_labels(unset)} in the environment or a .env file to skip "
        f"typing {where} at every start."
    )


def from_environment_text(name: str, source: str) -> str:
    """What a field set from outside shows in its place: the variable, never its value."""
    variable = ENVIRONMENT_NAMES.get(name, name)
    return f"from {variable}" if source == "environment" else f"from {variable} in {source}"


class KeysSection(QWidget):
    """The keys and user id as typed (never stored here).

    `environment` is what `desktop.core.config.secrets.overrides_from_environment` found:
    name -> (value, source). The environment wins over the keyring and the settings, so a field
    set there is read-only and says where its value comes from ("from OPENAI_API_KEY"), never
    the value; with a secure keyring the values can be imported into it. One notice says where
    typed keys go (the first run's, or the warning that there is no secure keyring).
    `edited(field)` says a field changed.
    """

    edited = Signal(object)  # the QWidget edited

    def __init__(
        self,
        keys: Mapping[SecretName, str],
        user_id: str,
        *,
        backend_name: str,
        is_secure: bool,
        first_run: bool,
        environment: Mapping[str, tuple[str, str]],
        unreadable: KeyringUnreadable | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("keysSection")
        self._environment = dict(environment)
        self._user_id = user_id
        self._first_run = first_run
        self._is_secure = is_secure
        self.unreadable = unreadable
        self._backend_name = backend_name
        self.model_key: SecretName | None = SecretName.OPENAI_API_KEY  # the chosen provider's
        self.first_run_label = wrapped_label("", "firstRunLabel")
        self.keyring_warning = wrapped_label(insecure_warning(environment), "keyringWarning")
        self.keyring_label = wrapped_label(f"Keys are stored in: {backend_name}", "keyringLabel")
        self.keyring_notice = KeyringNotice()

        self._key_fields = {name: KeyField(name, _FIELD_NAMES[name], self) for name in SecretName}
        for secret, key_field in self._key_fields.items():
            key_field.edit.setText(keys.get(secret, ""))
        self.openai_key = self._key_fields[SecretName.OPENAI_API_KEY]
        self.composio_key = self._key_fields[SecretName.COMPOSIO_API_KEY]
        self.user_id_field = QLineEdit(user_id)
        self.user_id_field.setObjectName("userIdField")
        self.user_id_field.setAccessibleName("Composio user id")
        self.user_id_field.setToolTip(field_description("user_id"))
        self.user_id_field.setPlaceholderText("e.g. you@example.com")
        for name, edit in self._edits().items():
            if name in self._environment:
                self._show_from_environment(name, edit)

        self.import_button = QPushButton("Import keys found in the environment")
        self.import_button.setObjectName("importEnvironmentButton")
        self.import_button.setAccessibleName("Import keys found in the environment")
        self.import_button.clicked.connect(self._on_import_button_clicked)
        self.environment_label = wrapped_label(
            self._environment_summary(backend_name), "environmentLabel"
        )
        # Importing keeps a copy in the keyring; into memory it would keep nothing.
        can_import = bool(self._environment) and is_secure
        self.import_button.setVisible(can_import)
        self.environment_label.setVisible(can_import)
        self._lay_out()
        self.set_keyring_state(unreadable, {})
        for edit in self._edits().values():
            edit.textChanged.connect(lambda _text, edit=edit: self.edited.emit(edit))

    def _lay_out(self) -> None:
        self.form = new_form()
        self.form.addRow(wrapped_label("API keys", "sectionTitle"))
        for name in MODEL_KEYS:
            key_field = self._key_fields[name]
            add_row(self.form, _MNEMONIC_LABELS[name], key_field, key_field.edit)
        add_row(self.form, "&Composio API key", self.composio_key, self.composio_key.edit)
        add_row(self.form, "Composio &user id", self.user_id_field)
        self.form.addRow("", self.keyring_label)
        environment = QHBoxLayout()
        environment.setSpacing(10)
        environment.addWidget(self.environment_label, 1)
        environment.addWidget(self.import_button, 0, Qt.AlignmentFlag.AlignTop)
        self.form.addRow("", environment)
        # A hidden row takes no room (an empty one still has its spacing).
        self.form.setRowVisible(environment, not self.import_button.isHidden())
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(10)
        layout.addWidget(self.keyring_notice)
        layout.addWidget(self.first_run_label)
        layout.addWidget(self.keyring_warning)
        layout.addLayout(self.form)
        self.show_model_key(self.model_key)

    def focus_order(self) -> tuple[QWidget, ...]:
        keys = [self._key_fields[name] for name in (*MODEL_KEYS, SecretName.COMPOSIO_API_KEY)]
        return (
            self.keyring_notice.retry_button,
            *(widget for key in keys for widget in (key.edit, key.toggle)),
            self.user_id_field,
            self.import_button,
        )

    def show_model_key(self, name: SecretName | None) -> None:
        """Show the chosen provider's key (None: it takes none, as local servers), and say
        which keys to enter."""
        self.model_key = name
        for key in MODEL_KEYS:
            self.form.setRowVisible(self._key_fields[key], key == name)
        owner = f"{_KEY_OWNERS[name]} and Composio keys" if name is not None else "Composio key"
        self.first_run_label.setText(
            f"Enter your {owner} once; they are stored in {self._backend_name}."
            if name is not None
            else f"Enter your {owner} once; it is stored in {self._backend_name}."
        )
        needed = (*((name,) if name is not None else ()), SecretName.COMPOSIO_API_KEY)
        self.keyring_warning.setText(insecure_warning(self._environment, needed))

    # -- the keyring's state ----------------------------------------------------------------
    def set_keyring_state(
        self,
        unreadable: KeyringUnreadable | None,
        keys: Mapping[SecretName, str],
        *,
        again: bool = False,
    ) -> None:
        """What reading the keyring found: while it cannot be read, its notice (with Retry) is
        the one notice and the keys it may hold are not asked for; once read, `keys` fill the
        fields still empty (without counting as edits)."""
        self.unreadable = unreadable
        self.keyring_notice.show_state(unreadable, again=again)
        # One notice: where keys go (or why they are unknown) is said once, by whichever fits.
        readable = unreadable is None
        self.keyring_warning.setVisible(readable and not self._is_secure)
        self.first_run_label.setVisible(readable and self._first_run and self._is_secure)
        self.form.setRowVisible(
            self.keyring_label, readable and self._is_secure and not self._first_run
        )
        unknown = ""
        if unreadable is not None:
            why = "is locked" if unreadable.locked else "cannot be read"
            unknown = f"unknown while the keyring {why}"
        for name, field in self.key_fields().items():
            if name.value in self._environment:
                continue
            field.edit.setPlaceholderText(unknown)
            if keys.get(name) and not field.edit.text():
                field.edit.blockSignals(True)
                field.edit.setText(keys[name])
                field.edit.blockSignals(False)

    def initial_focus(self) -> QWidget:
        """Retry while the keyring cannot be read; else where typing starts: the first field
        the environment does not set."""
        if self.unreadable is not None:
            return self.keyring_notice.retry_button
        edits = [edit for edit in self._edits().values() if not edit.isReadOnly()]
        return edits[0] if edits else self.user_id_field

    def fields(self) -> tuple[QWidget, ...]:
        """The fields `field_problems` may name (each drawn as invalid or not)."""
        return (*(key.edit for key in self._key_fields.values()), self.user_id_field)

    def _show_from_environment(self, name: str, edit: QLineEdit) -> None:
        edit.clear()  # a stored value is not the one in use: the environment's is
        edit.setReadOnly(True)
        edit.setClearButtonEnabled(False)
        where = from_environment_text(name, self._environment[name][1])
        edit.setPlaceholderText(where)
        edit.setToolTip(
            f"Set {where.removeprefix('from ')}, which the app uses instead of a stored value: "
            "change or unset it there."
        )
        if name != USER_ID_KEY:
            self.key_fields()[SecretName(name)].toggle.setEnabled(False)

    # -- values ------------------------------------------------------------------------------
    def _environment_summary(self, backend_name: str) -> str:
        found = [
            from_environment_text(key, source).removeprefix("from ")
            for key, (_, source) in self._environment.items()
        ]
        verb, them = ("is", "it") if len(found) == 1 else ("are", "them")
        return (
            f"{join_labels(found)} {verb} in use: import {them} to keep a copy in "
            f"{backend_name} for later starts."
        )

    def key_fields(self) -> dict[SecretName, KeyField]:
        return dict(self._key_fields)

    def _key_edits(self) -> dict[SecretName, QLineEdit]:
        return {name: key.edit for name, key in self.key_fields().items()}

    def _edits(self) -> dict[str, QLineEdit]:
        """Every field by the name `environment` uses."""
        edits = {name.value: edit for name, edit in self._key_edits().items()}
        return {**edits, USER_ID_KEY: self.user_id_field}

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
        """The user id typed, else (with `use_environment`) the environment's; a field the
        environment sets keeps the saved one, which is not in use while the variable is set."""
        user_id = self.user_id_field.text().strip()
        if user_id or USER_ID_KEY not in self._environment:
            return user_id
        return self._environment[USER_ID_KEY][0] if use_environment else self._user_id

    def field_problems(self) -> list[tuple[QWidget, str]]:
        problems: list[tuple[QWidget, str]] = []
        for name, edit in self._key_edits().items():
            if name not in (self.model_key, SecretName.COMPOSIO_API_KEY):
                continue  # another provider's: not needed for the model chosen
            known_elsewhere = name.value in self._environment or self.unreadable is not None
            if not edit.text().strip() and not known_elsewhere:
                problems.append((edit, f"Enter your {KEY_LABELS[name]}."))
        if not self.user_id_field.text().strip() and USER_ID_KEY not in self._environment:
            problems.append((self.user_id_field, "Enter your Composio user id."))
        return problems

    # -- actions -----------------------------------------------------------------------------
    def _on_import_button_clicked(self) -> None:
        edits = self._edits()
        for key, (value, _source) in self._environment.items():
            edits[key].setText(value)
            if key != USER_ID_KEY:
                self.key_fields()[SecretName(key)].toggle.setEnabled(True)
        self.import_button.setText("Imported")
        self.import_button.setEnabled(False)
