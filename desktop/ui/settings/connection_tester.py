"""Runs the Settings dialog's "Test connection" off the widgets: one task, reported by signals."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping

from PySide6.QtCore import QObject, Signal

from desktop.core.agent.service_check import ConnectionReport
from desktop.core.config.secrets import SecretName
from desktop.core.config.settings import Settings
from desktop.core.conversations.backend import user_error
from desktop.ui.messages import error_text

ConnectionProbe = Callable[[Settings, Mapping[SecretName, str]], Awaitable[ConnectionReport]]
"""Checks each service with these (unsaved) values and reports what each answered. The
composition root adapts `desktop.core.agent.probe.check_services`."""


class ConnectionTester(QObject):
    """Owns the probe's task (a strong reference) so the dialog never awaits anything."""

    running_changed = Signal(bool)
    reported = Signal(object)  # ConnectionReport: each service's answer
    failed = Signal(str)  # one sentence for the user: the check itself could not run

    def __init__(self, probe: ConnectionProbe, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._probe = probe
        self._task: asyncio.Task[None] | None = None

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    def start(self, settings: Settings, keys: Mapping[SecretName, str]) -> bool:
        if self.running:
            return False
        self._task = asyncio.ensure_future(self._run(settings, dict(keys)))
        self.running_changed.emit(True)
        return True

    async def _run(self, settings: Settings, keys: Mapping[SecretName, str]) -> None:
        try:
            report = await self._probe(settings, keys)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            self._task = None
            self.failed.emit(error_text(user_error(exc)))
        else:
            self._task = None
            self.reported.emit(report)
        finally:
            self._task = None
            self.running_changed.emit(False)

    def cancel(self) -> None:
        if self._task is not None and not self._task.done():
            self._task.cancel()
