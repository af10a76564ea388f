"""Keys, Composio user id, model, toolkits, instructions, permissions: emitted, never stored."""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence

from pydantic import ValidationError
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desktop.core.config.secrets import ENV_VARS, USER_ID_ENV, SecretName
from desktop.core.config.settings import Settings, model_problem
from desktop.ui.settings.connection_tester import ConnectionTester
from desktop.ui.settings.consent_section import ConsentSection
from desktop.ui.settings.endpoint_section import EndpointSection
from desktop.ui.settings.settings_fields import (
    KEY_LABELS,
    KeyField,
    add_row,
    field_description,
    wrapped_label,
)

MODEL_CHOICES = (
    "openai:gpt-5",
    "openai:gpt-5-mini",
    "openai:gpt-5-nano",
    "openai-chat:gpt-4.1",
    "openai-chat:gpt-4.1-mini",
    "openai-chat:gpt-4o",
)
INSECURE_WARNING = (
    "No secure keyring is available on this system: keys will be kept in memory for this "
    "session only"
)
USER_ID_KEY = "user_id"
DIALOG_WIDTH = 620


class SettingsDialog(QDialog):
    """Edit settings and keys. Save emits `settings_saved(Settings, {SecretName: key}, revoked)`
    with the keys typed in (blank fields are left out) and the slugs of the rules revoked; the
    composition root stores them. Open it with `open()`, never `exec()`.

    `environment` is what `desktop.core.config.secrets.overrides_from_environment` found: name ->
    (value, source). A value found there makes its field optional and can be imported.
    """

    settings_saved = Signal(object, object, object)  # Settings, {SecretName: str}, frozenset

    def __init__(
        self,
        settings: Settings,
        keys: Mapping[SecretName, str],
        *,
        backend_name: str,
        is_secure: bool,
        first_run: bool = False,
        environment: Mapping[str, tuple[str, str]] | None = None,
        tester: ConnectionTester | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("settingsDialog")
        self.setWindowTitle("Settings")
        self.setAccessibleName("Settings")
        self.setModal(True)
        self.setMinimumWidth(520)
        self._settings = settings
        self._environment = dict(environment or {})
        self._tester = tester

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
        self.user_id_field = QLineEdit(settings.user_id)
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
        self.consent = ConsentSection(settings)
        self.endpoint = EndpointSection(settings)

        self.test_button = QPushButton("Test connection")
        self.test_button.setObjectName("testConnectionButton")
        self.test_button.setAccessibleName("Test connection")
        self.test_button.setToolTip(
            "Create a Tool Router session with these values and list its tools"
        )
        self.test_button.clicked.connect(self._on_test_button_clicked)
        self.test_button.setVisible(tester is not None)
        self.test_result = wrapped_label("", "testResultLabel")
        self.test_result.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.test_result.hide()
        if tester is not None:
            tester.running_changed.connect(self._on_tester_running_changed)
            tester.succeeded.connect(self._on_tester_succeeded)
            tester.failed.connect(self._on_tester_failed)

        self.validation_label = wrapped_label("", "validationLabel")
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        self.save_button = self.buttons.button(QDialogButtonBox.StandardButton.Save)
        self.save_button.setObjectName("saveButton")
        self.save_button.setAccessibleName("Save settings")
        self.cancel_button = self.buttons.button(QDialogButtonBox.StandardButton.Cancel)
        self.cancel_button.setObjectName("cancelButton")
        self.cancel_button.setAccessibleName("Cancel")
        self.buttons.accepted.connect(self._on_buttons_accepted)
        self.buttons.rejected.connect(self.reject)

        self._layout_form()
        for edit in (self.openai_key.edit, self.composio_key.edit, self.user_id_field):
            edit.textChanged.connect(self._validate)
        self.toolkits_field.textChanged.connect(self._validate)
        self.model_field.currentTextChanged.connect(self._validate)
        self._validate()

    # -- layout ------------------------------------------------------------------------------
    def _layout_form(self) -> None:
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.setHorizontalSpacing(12)
        form.setVerticalSpacing(8)
        form.addRow(wrapped_label("API keys", "sectionTitle"))
        add_row(form, "&OpenAI API key", self.openai_key, self.openai_key.edit)
        add_row(form, "&Composio API key", self.composio_key, self.composio_key.edit)
        add_row(form, "Composio &user id", self.user_id_field)
        form.addRow("", self.keyring_label)
        environment = QHBoxLayout()
        environment.setSpacing(10)
        environment.addWidget(self.environment_label, 1)
        environment.addWidget(self.import_button, 0, Qt.AlignmentFlag.AlignTop)
        form.addRow("", environment)
        form.addRow(wrapped_label("Agent", "sectionTitle"))
        add_row(form, "&Model", self.model_field)
        form.addRow("", self.endpoint)
        add_row(form, "&Toolkits", self.toolkits_field)
        add_row(form, "&Instructions", self.instructions_field)

        test_row = QHBoxLayout()
        test_row.setSpacing(10)
        test_row.addWidget(self.test_button, 0, Qt.AlignmentFlag.AlignTop)
        test_row.addWidget(self.test_result, 1)
        test_row.addStretch(0)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(22, 18, 22, 16)
        layout.setSpacing(10)
        layout.addWidget(self.first_run_label)
        layout.addWidget(self.keyring_warning)
        layout.addLayout(form)
        layout.addLayout(test_row)
        layout.addWidget(self.consent)
        layout.addWidget(self.validation_label)
        layout.addWidget(self.buttons)

        order: Sequence[QWidget] = (
            self.openai_key.edit,
            self.openai_key.toggle,
            self.composio_key.edit,
            self.composio_key.toggle,
            self.user_id_field,
            self.import_button,
            self.model_field,
            self.endpoint.allow_plain_http,
            self.toolkits_field,
            self.instructions_field,
            self.test_button,
            *self.consent.focus_order(),
            self.save_button,
            self.cancel_button,
        )
        for first, second in itertools.pairwise(order):
            self.setTabOrder(first, second)

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

    def _toolkits(self) -> tuple[str, ...]:
        return tuple(t.strip() for t in self.toolkits_field.text().split(",") if t.strip())

    def build_settings(self, *, use_environment_user_id: bool = False) -> Settings:
        """A validated Settings from the fields; raises pydantic.ValidationError."""
        user_id = self.user_id_field.text().strip()
        if use_environment_user_id and not user_id and USER_ID_KEY in self._environment:
            user_id = self._environment[USER_ID_KEY][0]
        data = self._settings.model_dump()
        data.update(
            model=self.model_field.currentText().strip(),
            user_id=user_id,
            toolkits=self._toolkits(),
            instructions=self.instructions_field.toPlainText().strip()
            or self._settings.instructions,
            ask_before_reads=self.consent.ask_before_reads.isChecked(),
            allow_plain_http_model_endpoint=self.endpoint.allowed(),
            approval_rules=self.consent.kept_rules(),
        )
        return Settings.model_validate(data)

    def _field_problems(self) -> list[tuple[QWidget, str]]:
        problems: list[tuple[QWidget, str]] = []
        for name, edit in self._key_edits().items():
            if not edit.text().strip() and name.value not in self._environment:
                problems.append((edit, f"Enter your {KEY_LABELS[name]}."))
        if not self.user_id_field.text().strip() and USER_ID_KEY not in self._environment:
            problems.append((self.user_id_field, "Enter your Composio user id."))
        model_problem_text = model_problem(self.model_field.currentText())
        if model_problem_text:
            problems.append((self.model_field, model_problem_text))
        if not self._toolkits():
            problems.append((self.toolkits_field, "Name at least one toolkit, e.g. e2b."))
        return problems

    def problems(self) -> list[str]:
        """What keeps Save disabled, one sentence per field."""
        return [message for _, message in self._field_problems()]

    def _validate(self) -> bool:
        problems = self._field_problems()
        self.validation_label.setText(" ".join(message for _, message in problems))
        self.validation_label.setVisible(bool(problems))
        self.save_button.setEnabled(not problems)
        bad_fields = {field for field, _ in problems}
        for field in (
            self.openai_key.edit,
            self.composio_key.edit,
            self.user_id_field,
            self.model_field,
            self.toolkits_field,
        ):
            bad = field in bad_fields
            if field.property("invalid") != bad:
                field.setProperty("invalid", bad)
                field.style().unpolish(field)
                field.style().polish(field)
        return not problems

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

    def _on_buttons_accepted(self) -> None:
        if not self._validate():
            return
        try:
            settings = self.build_settings()
        except ValidationError as exc:
            errors = exc.errors()
            self.validation_label.setText(str(errors[0].get("msg", "Invalid settings.")))
            self.validation_label.show()
            return
        self.settings_saved.emit(settings, self.typed_keys(), self.consent.revoked)
        self.accept()

    def _on_test_button_clicked(self) -> None:
        if self._tester is None:
            return
        try:
            settings = self.build_settings(use_environment_user_id=True)
        except ValidationError as exc:
            self._show_test_result(str(exc.errors()[0].get("msg", "Invalid settings.")), False)
            return
        self._tester.start(settings, self.effective_keys())

    def _on_tester_running_changed(self, running: bool) -> None:
        self.test_button.setEnabled(not running)
        if running:
            self._show_test_result("Connecting to Composio…", None)

    def _on_tester_succeeded(self, names: tuple[str, ...]) -> None:
        shown = ", ".join(names[:4]) + (f" and {len(names) - 4} more" if len(names) > 4 else "")
        count = f"{len(names)} tool{'s' if len(names) != 1 else ''}"
        self._show_test_result(f"Connected: {count} available ({shown}).", True)

    def _on_tester_failed(self, message: str) -> None:
        self._show_test_result(message, False)

    def _show_test_result(self, text: str, ok: bool | None) -> None:
        self.test_result.setText(text)
        self.test_result.setProperty("result", "" if ok is None else ("ok" if ok else "error"))
        self.test_result.style().unpolish(self.test_result)
        self.test_result.style().polish(self.test_result)
        self.test_result.show()

    def showEvent(self, event: QShowEvent) -> None:
        # Wrapped labels need height for their width; a dialog is not sized that way by itself.
        layout = self.layout()
        width = max(self.width(), DIALOG_WIDTH)
        needed = layout.totalHeightForWidth(width) if layout is not None else self.height()
        self.setMinimumHeight(needed)
        self.resize(width, max(self.height(), needed))
        super().showEvent(event)

    def done(self, result: int) -> None:
        if self._tester is not None:  # a test still running has nothing left to report to
            self._tester.cancel()
        super().done(result)
