"""The Settings dialog's lifetime: open it once, save through the core, report what failed."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine, Mapping
from typing import Any

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QWidget

from desktop.core.config.configuration import Configuration
from desktop.core.config.providers import base_urls_in_environment
from desktop.core.config.secrets import SecretName
from desktop.core.config.settings import Settings
from desktop.ui.settings.connection_tester import ConnectionProbe, ConnectionTester
from desktop.ui.settings.settings_dialog import SettingsDialog

SAVE_FAILED_TITLES = {"keys": "The keys were not saved", "settings": "The settings were not saved"}


class SettingsFlow(QObject):
    """Owns the one Settings dialog and the tasks behind it; the window never awaits.

    Emits `saved` once new settings and keys are in use: written and resolved again, or read
    again from a keyring that could not be read before (its Retry); the root then reconnects.
    Emits `problem(title, text)` when something could not be saved.
    """

    saved = Signal()
    problem = Signal(str, str)

    def __init__(
        self, configuration: Configuration, probe: ConnectionProbe, parent: QWidget
    ) -> None:
        super().__init__(parent)
        self._configuration = configuration
        self._probe = probe
        self._parent = parent
        self.dialog: SettingsDialog | None = None
        self._tasks: set[asyncio.Task[None]] = set()

    def open(self, first_run: bool = False) -> None:
        """Show the dialog (raised if it is open already); it waits for the keyring if needed."""
        if self.dialog is not None:
            self.dialog.raise_()
            self.dialog.activateWindow()
            return
        self._spawn(self._open(first_run))

    async def _open(self, first_run: bool) -> None:
        store = await self._configuration.secret_store()
        stored = await self._configuration.stored_keys()
        if self.dialog is not None:
            return
        dialog = SettingsDialog(
            self._configuration.settings,
            stored.keys,
            backend_name=store.backend_name,
            is_secure=store.is_secure,
            first_run=first_run,
            environment=self._configuration.overrides(),
            unreadable=stored.unreadable,
            tester=ConnectionTester(self._probe, self._parent),
            base_url_variables=base_urls_in_environment(self._configuration.environ),
            model_note=self._configuration.model_override_note(),
            parent=self._parent,
        )
        dialog.settings_saved.connect(self._on_dialog_settings_saved)
        dialog.keys.keyring_notice.retry_requested.connect(self._on_keyring_retry_requested)
        dialog.finished.connect(self._on_dialog_finished)
        self.dialog = dialog
        dialog.open()

    def _on_dialog_finished(self, _result: int) -> None:
        if self.dialog is not None:
            self.dialog.deleteLater()
        self.dialog = None

    def _on_keyring_retry_requested(self) -> None:
        self._spawn(self.retry_keyring())

    async def retry_keyring(self) -> None:
        """Read the keyring again (no restart): once it can be read, its keys are in use; a
        dialog that had nothing else to do (nothing edited, nothing missing) then closes."""
        credentials = await self._configuration.reload_credentials()
        stored = await self._configuration.stored_keys()
        dialog = self.dialog
        if dialog is not None:
            dialog.keyring_read(stored.unreadable, stored.keys)
        if credentials.unreadable is not None:
            return
        self.saved.emit()
        if dialog is not None and self._configuration.complete and not dialog.edited:
            dialog.reject()

    def _on_dialog_settings_saved(
        self, settings: Settings, keys: dict[SecretName, str], revoked: frozenset[str]
    ) -> None:
        self._spawn(self.save(settings, keys, revoked))

    async def save(
        self,
        settings: Settings,
        keys: Mapping[SecretName, str],
        revoked: frozenset[str] = frozenset(),
    ) -> None:
        """Save through the core, which keeps the rules made meanwhile (less `revoked`)."""
        failed = await self._configuration.save(settings, keys, revoked=revoked)
        if failed is not None:
            self.problem.emit(SAVE_FAILED_TITLES[failed.part], failed.reason)
            return
        self.saved.emit()

    def _spawn(self, coroutine: Coroutine[Any, Any, None]) -> None:
        task = asyncio.ensure_future(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def aclose(self) -> None:
        """Close the dialog and stop what it started (a save or an opening in progress)."""
        if self.dialog is not None:
            self.dialog.reject()
        for task in list(self._tasks):
            task.cancel()
        if self._tasks:
            await asyncio.wait(self._tasks, timeout=0.5)
