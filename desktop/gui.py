"""The window's lifetime: Qt + qasync, first paint, keys and settings, the agent, shutdown."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import sys
import threading
import time
from collections.abc import Coroutine, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QEvent, QObject, QTimer, Signal
from PySide6.QtWidgets import QApplication, QMessageBox

from desktop.core.agent import Endpoints
from desktop.core.chat import ChatSession
from desktop.core.secrets import (
    Credentials,
    MemorySecretStore,
    SecretName,
    SecretStore,
    SecretStoreError,
    overrides_from_environment,
    read_dotenv,
    resolve_credentials,
)
from desktop.core.settings import Settings, load_settings, save_settings
from desktop.core.tool_router import Timeouts
from desktop.log_setup import KnownSecrets
from desktop.paths import AppPaths
from desktop.ui.connection_tester import ConnectionTester
from desktop.ui.controller import ChatController
from desktop.ui.main_window import MainWindow
from desktop.ui.settings_dialog import SettingsDialog
from desktop.ui.theme import apply_theme
from desktop.ui.wiring import connect_window

if TYPE_CHECKING:
    from pydantic_ai.messages import ModelMessage

log = logging.getLogger(__name__)

SHUTDOWN_SECONDS = 1.5  # the running turn and the MCP connection get this long to close
AGENT_STACK = (
    "pydantic_ai",
    "pydantic_ai.mcp",
    "pydantic_ai.models.openai",
    "pydantic_ai.providers.openai",
    "composio",
    "openai",
)


class FirstPaintWatcher(QObject):
    """Emits `painted` once, when the window has really been painted."""

    painted = Signal()

    def __init__(self, target: QObject) -> None:
        super().__init__(target)
        self._done = False
        target.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if not self._done and event.type() == QEvent.Type.Paint:
            self._done = True
            watched.removeEventFilter(self)
            # Emitted after this paint has finished, not in the middle of it.
            QTimer.singleShot(0, self.painted.emit)
        return False


def _warm_up_agent_stack() -> None:
    """Import the agent's libraries in the background so the first chat does not wait."""
    import importlib

    started = time.perf_counter()
    for name in AGENT_STACK:
        try:
            importlib.import_module(name)
        except Exception:  # reported properly when the session is created
            log.warning("could not import %s", name, exc_info=True)
    log.info("agent stack imported in %.2f s", time.perf_counter() - started)


class DesktopApp:
    """Builds the window once, loads keys after the first paint, and owns shutdown."""

    def __init__(
        self,
        paths: AppPaths,
        known_secrets: KnownSecrets,
        *,
        environ: Mapping[str, str] | None = None,
        cwd: Path | None = None,
        secret_store: SecretStore | None = None,
        timeouts: Timeouts | None = None,
    ) -> None:
        self.paths = paths
        self.known_secrets = known_secrets
        self.environ = dict(os.environ if environ is None else environ)
        self.cwd = cwd or Path.cwd()
        self.timeouts = timeouts or Timeouts()
        self.endpoints = Endpoints.from_environ(self.environ)
        self.settings = load_settings(paths.settings_file)
        self.store: SecretStore | None = secret_store
        self.credentials: Credentials | None = None
        self.window = MainWindow()
        self.controller = ChatController(None, self.window)
        connect_window(self.window, self.controller)
        self.window.set_model_name(self.settings.model)
        self.window.settings_requested.connect(self.open_settings)
        self.window.quit_requested.connect(self.request_quit)
        self.window.close_requested.connect(self.request_quit)
        self.dialog: SettingsDialog | None = None
        self._quit = asyncio.Event()
        self._tasks: set[asyncio.Task[None]] = set()
        self._carried_history: tuple[ModelMessage, ...] = ()
        self.ready = asyncio.Event()  # keys loaded and the connection started (for tests)

    # -- start-up ----------------------------------------------------------------------------
    async def start(self) -> None:
        """After the first paint: keys from the keyring, then connect (or ask for keys)."""
        warm = threading.Thread(target=_warm_up_agent_stack, name="warm-up", daemon=True)
        warm.start()
        if self.store is None:
            from desktop.core.secrets import open_secret_store

            self.store = await asyncio.to_thread(open_secret_store)
        await self._reload_credentials()
        if self._complete(self.credentials):
            self.controller.reconfigure(self._factory)
        else:
            self.controller.connect_backend()  # shows "not configured" with the reason
            self.open_settings(first_run=True)
        self.ready.set()

    def _dotenv(self) -> dict[str, str]:
        return read_dotenv(self.cwd / ".env")

    async def _reload_credentials(self) -> None:
        assert self.store is not None
        self.credentials = await asyncio.to_thread(
            resolve_credentials, self.store, self.settings.user_id, self.environ, self._dotenv()
        )
        self.known_secrets.add(*self.credentials.secret_values())

    @staticmethod
    def _complete(creds: Credentials | None) -> bool:
        return bool(creds and creds.openai_api_key and creds.composio_api_key and creds.user_id)

    def _factory(self) -> ChatSession:
        assert self.credentials is not None
        history, self._carried_history = self._carried_history, ()
        return ChatSession(
            self.settings, self.credentials, self.endpoints, self.timeouts, history=history
        )

    # -- settings ----------------------------------------------------------------------------
    def open_settings(self, first_run: bool = False) -> None:
        if self.dialog is not None:
            self.dialog.raise_()
            self.dialog.activateWindow()
            return
        self._spawn(self._open_settings(first_run))

    @staticmethod
    def _stored_keys(store: SecretStore) -> dict[SecretName, str]:
        stored: dict[SecretName, str] = {}
        for name in SecretName:
            with contextlib.suppress(SecretStoreError):
                value = store.get(name)
                if value:
                    stored[name] = value
        return stored

    async def _open_settings(self, first_run: bool) -> None:
        store = self.store or MemorySecretStore()
        # The keyring may sit behind D-Bus or a system prompt: never read it on the UI thread.
        stored = await asyncio.to_thread(self._stored_keys, store)
        if self.dialog is not None:
            return
        tester = ConnectionTester(self._probe, self.window)
        dialog = SettingsDialog(
            self.settings,
            stored,
            backend_name=store.backend_name,
            is_secure=store.is_secure,
            first_run=first_run,
            environment=overrides_from_environment(self.environ, self._dotenv()),
            tester=tester,
            parent=self.window,
        )
        dialog.settings_saved.connect(self._on_dialog_settings_saved)
        dialog.finished.connect(self._on_dialog_finished)
        self.dialog = dialog
        dialog.open()

    def _on_dialog_finished(self, _result: int) -> None:
        if self.dialog is not None:
            self.dialog.deleteLater()
        self.dialog = None

    def _on_dialog_settings_saved(self, settings: Settings, keys: dict[SecretName, str]) -> None:
        self._spawn(self.save(settings, keys))

    async def save(self, settings: Settings, keys: Mapping[SecretName, str]) -> None:
        """Keys into the secret store only; the rest into the settings file; then reconnect."""
        assert self.store is not None
        try:
            for name, value in keys.items():
                await asyncio.to_thread(self.store.set, name, value)
        except SecretStoreError as exc:
            self._warn("The keys were not saved", exc.args[0])
            return
        try:
            await asyncio.to_thread(save_settings, self.paths.settings_file, settings)
        except OSError as exc:
            self._warn("The settings were not saved", f"{exc.strerror or exc}.")
            return
        self.settings = settings
        self.window.set_model_name(settings.model)
        # New settings or keys continue the conversation on screen rather than forgetting it.
        previous = self.controller.backend
        if isinstance(previous, ChatSession):
            self._carried_history = previous.history
        await self._reload_credentials()
        self.controller.reconfigure(self._factory if self._complete(self.credentials) else None)

    async def _probe(self, settings: Settings, keys: Mapping[SecretName, str]) -> Sequence[str]:
        from desktop.core.chat import check_connection

        credentials = Credentials(
            openai_api_key=keys.get(SecretName.OPENAI_API_KEY),
            composio_api_key=keys.get(SecretName.COMPOSIO_API_KEY),
            user_id=settings.user_id,
        )
        info = await check_connection(settings, credentials, self.endpoints, self.timeouts)
        return info.tool_names

    def _warn(self, title: str, text: str) -> None:
        box = QMessageBox(QMessageBox.Icon.Warning, title, text, parent=self.window)
        box.setObjectName("warningBox")
        box.open()

    # -- lifetime ----------------------------------------------------------------------------
    def _spawn(self, coroutine: Coroutine[Any, Any, None]) -> None:
        task = asyncio.ensure_future(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def request_quit(self) -> None:
        self._quit.set()

    async def wait_for_quit(self) -> None:
        await self._quit.wait()

    async def shutdown(self) -> None:
        """Cancel the running turn, close the MCP connection, then close the window."""
        if self.dialog is not None:
            self.dialog.reject()
        try:
            await asyncio.wait_for(self.controller.aclose(), SHUTDOWN_SECONDS)
        except TimeoutError:
            log.warning("shutdown: the agent did not close within %.1f s", SHUTDOWN_SECONDS)
        for task in list(self._tasks):
            task.cancel()
        if self._tasks:
            await asyncio.wait(self._tasks, timeout=0.5)
        self.window.close_for_good()


async def _main(
    app: QApplication, shell: DesktopApp, *, smoke_test: bool, process_start: float
) -> int:
    watcher = FirstPaintWatcher(shell.window)
    painted: asyncio.Future[float] = asyncio.get_running_loop().create_future()

    def _on_watcher_painted() -> None:
        if not painted.done():
            painted.set_result(time.perf_counter())

    watcher.painted.connect(_on_watcher_painted)
    shell.window.show()
    try:
        at = await asyncio.wait_for(painted, timeout=30)
    except TimeoutError:
        print("the window was never painted", file=sys.stderr)
        return 1
    elapsed = at - process_start
    log.info("first paint %.3f s after start", elapsed)
    if smoke_test:
        print(f"first paint: {elapsed:.3f} s")
        await shell.shutdown()
        return 0
    await shell.start()
    await shell.wait_for_quit()
    await shell.shutdown()
    return 0


def run_gui(
    paths: AppPaths, known_secrets: KnownSecrets, *, smoke_test: bool, process_start: float
) -> int:
    import qasync

    app = QApplication.instance() or QApplication([sys.argv[0]])
    assert isinstance(app, QApplication)
    app.setApplicationName("E2B Agent")
    app.setDesktopFileName("e2b-agent")
    # qasync: the loop ends from our shutdown, not when Qt sees the last window close.
    app.setQuitOnLastWindowClosed(False)
    apply_theme(app)
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    with loop:
        shell = DesktopApp(paths, known_secrets)
        status = loop.run_until_complete(
            _main(app, shell, smoke_test=smoke_test, process_start=process_start)
        )
    return int(status)
