"""Keys, Composio user id, model, toolkits, instructions, permissions: emitted, never stored.

The dialog composes its sections (each its own module, top to bottom as shown) and owns what
spans them: the validation line, the Settings built from them, Save and Cancel.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence

from pydantic import ValidationError
from PySide6.QtCore import Signal
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QVBoxLayout, QWidget

from desktop.core.config.credentials import KeyringUnreadable
from desktop.core.config.providers import ProviderSpec
from desktop.core.config.secrets import SecretName
from desktop.core.config.settings import Settings
from desktop.ui.settings.agent_section import AgentSection
from desktop.ui.settings.connection_section import ConnectionSection
from desktop.ui.settings.connection_tester import ConnectionTester
from desktop.ui.settings.consent_section import ConsentSection
from desktop.ui.settings.keys_section import KeysSection
from desktop.ui.settings.settings_fields import align_labels, mark_invalid, wrapped_label

DIALOG_WIDTH = 620


class SettingsDialog(QDialog):
    """Edit settings and keys. Save emits `settings_saved(Settings, {SecretName: key}, revoked)`
    with the keys typed in (blank fields are left out) and the slugs of the rules revoked; the
    composition root stores them. Open it with `open()`, never `exec()`.

    `environment` is what `desktop.core.config.secrets.overrides_from_environment` found: name ->
    (value, source) (see `KeysSection`); `unreadable`, why the keyring could not be read, if it
    could not: its notice's Retry (`keys.keyring_notice.retry_requested`) asks the owner to read
    it again and report with `keyring_read`.
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
        unreadable: KeyringUnreadable | None = None,
        tester: ConnectionTester | None = None,
        base_url_variables: Mapping[str, str] | None = None,
        model_note: str | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("settingsDialog")
        self.setWindowTitle("Settings")
        self.setAccessibleName("Settings")
        self.setModal(True)
        self.setMinimumWidth(520)
        self._settings = settings
        # Problems show for the fields edited, and for all of them once Save or Test is pressed:
        # never in red before the person has done anything.
        self._edited: set[QWidget] = set()
        self._revealed = False
        self.keys = KeysSection(
            keys,
            settings.user_id,
            backend_name=backend_name,
            is_secure=is_secure,
            first_run=first_run,
            environment=environment or {},
            unreadable=unreadable,
        )
        self.agent = AgentSection(
            settings, base_url_variables=base_url_variables, model_note=model_note
        )
        self.keys.show_model_key(self.agent.provider_key())
        self.agent.provider_changed.connect(self._on_agent_provider_changed)
        self.connection = ConnectionSection(tester)
        if tester is not None:  # the provider's own list of models, once it is fetched
            tester.reported.connect(lambda report: self.agent.offer_models(report.models))
        self.consent = ConsentSection(settings)
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
        self.connection.test_requested.connect(self._on_connection_test_requested)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(22, 18, 22, 16)
        layout.setSpacing(10)
        for section in self._sections():
            layout.addWidget(section)
        layout.addWidget(self.validation_label)
        layout.addWidget(self.buttons)
        align_labels(self.keys.form, self.agent.form)
        order: Sequence[QWidget] = (
            *self.keys.focus_order(),
            *self.agent.focus_order(),
            *self.connection.focus_order(),
            *self.consent.focus_order(),
            self.save_button,
            self.cancel_button,
        )
        for first, second in itertools.pairwise(order):
            self.setTabOrder(first, second)
        self.keys.initial_focus().setFocus()
        self.keys.edited.connect(self._on_section_edited)
        self.agent.edited.connect(self._on_section_edited)
        self._validate()

    def _sections(self) -> tuple[QWidget, ...]:
        """Top to bottom."""
        return (self.keys, self.agent, self.connection, self.consent)

    # -- values ------------------------------------------------------------------------------
    def typed_keys(self) -> dict[SecretName, str]:
        """The keys in the fields (blank ones left out)."""
        return self.keys.typed_keys()

    def build_settings(self, *, use_environment_user_id: bool = False) -> Settings:
        """A validated Settings from the fields; raises pydantic.ValidationError."""
        data = self._settings.model_dump()
        data.update(
            self.agent.values(),
            user_id=self.keys.user_id(use_environment=use_environment_user_id),
            ask_before_reads=self.consent.ask_before_reads.isChecked(),
            approval_rules=self.consent.kept_rules(),
        )
        return Settings.model_validate(data)

    def _field_problems(self) -> list[tuple[QWidget, str]]:
        return [*self.keys.field_problems(), *self.agent.field_problems()]

    def problems(self) -> list[str]:
        """What keeps Save from saving, one sentence per field (shown or not yet)."""
        return [message for _, message in self._field_problems()]

    def _validate(self) -> bool:
        """Show the problems of the fields edited (all once revealed); True without any."""
        problems = self._field_problems()
        shown = [(f, text) for f, text in problems if self._revealed or f in self._edited]
        self.validation_label.setText(" ".join(message for _, message in shown))
        self.validation_label.setVisible(bool(shown))
        bad_fields = {field for field, _ in shown}
        for field in (*self.keys.fields(), *self.agent.fields()):
            mark_invalid(field, field in bad_fields)
        return not problems

    def _reveal_problems(self) -> bool:
        self._revealed = True
        valid = self._validate()
        if not valid:
            self._field_problems()[0][0].setFocus()
        return valid

    @property
    def edited(self) -> bool:
        """Something was typed or changed since the dialog opened."""
        return bool(self._edited)

    def keyring_read(
        self, unreadable: KeyringUnreadable | None, keys: Mapping[SecretName, str]
    ) -> None:
        """The keyring read again (Retry): its state, and its keys in the fields still empty."""
        self.keys.set_keyring_state(unreadable, keys, again=True)
        self._validate()

    # -- actions -----------------------------------------------------------------------------
    def _on_agent_provider_changed(self, spec: ProviderSpec) -> None:
        self.keys.show_model_key(spec.key)
        self._validate()

    def _on_section_edited(self, field: QWidget) -> None:
        self._edited.add(field)
        self._validate()

    def _on_buttons_accepted(self) -> None:
        if not self._reveal_problems():
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

    def _on_connection_test_requested(self) -> None:
        tester = self.connection.tester
        if tester is None:
            return
        self._revealed = True  # the test reports each service; the fields say what is missing
        self._validate()
        try:
            settings = self.build_settings(use_environment_user_id=True)
        except ValidationError as exc:
            self.connection.show_result(str(exc.errors()[0].get("msg", "Invalid settings.")), False)
            return
        tester.start(settings, self.keys.effective_keys())

    def showEvent(self, event: QShowEvent) -> None:
        # Wrapped labels need height for their width; a dialog is not sized that way by itself.
        layout = self.layout()
        width = max(self.width(), DIALOG_WIDTH)
        needed = layout.totalHeightForWidth(width) if layout is not None else self.height()
        self.setMinimumHeight(needed)
        self.resize(width, max(self.height(), needed))
        super().showEvent(event)

    def done(self, result: int) -> None:
        self.connection.cancel()
        super().done(result)
