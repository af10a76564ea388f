"""The window's lifetime: Qt + qasync, first paint, keys and settings, the agent, shutdown."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import sys
import time
from collections.abc import Coroutine, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from desktop.core.agent.build import Endpoints
from desktop.core.agent.worker import AgentLoop
from desktop.core.config.credentials import (
    Credentials,
    missing_credentials,
    resolve_credentials,
)
from desktop.core.config.secrets import (
    SecretName,
    SecretStore,
    SecretStoreError,
    overrides_from_environment,
    read_dotenv,
)
from desktop.core.config.settings import Settings, load_settings, save_settings
from desktop.core.conversations.backend import ChatBackend
from desktop.core.lazy_imports import RENDERING, start_import
from desktop.core.router.http import open_http_client
from desktop.core.router.types import Timeouts
from desktop.core.store.records import StoreError
from desktop.gc_policy import pause_collection_while_importing
from desktop.log_setup import KnownSecrets
from desktop.paths import AppPaths
from desktop.ui import pyside_imports
from desktop.ui.chat.controller import ChatController
from desktop.ui.chat.message_widget import prepare_rendering
from desktop.ui.settings.connection_tester import ConnectionTester
from desktop.ui.settings.settings_dialog import SettingsDialog
from desktop.ui.sidebar.conversation_dialogs import show_problem
from desktop.ui.sidebar.conversation_list_controller import ConversationListController
from desktop.ui.sidebar.conversation_sidebar import ConversationSidebar
from desktop.ui.theme import apply_theme
from desktop.ui.window.first_paint import FirstPaintWatcher
from desktop.ui.window.main_window import MainWindow
from desktop.ui.window.wiring import connect_sidebar, connect_window

if TYPE_CHECKING:
    import httpx

    from desktop.core.conversations.factory import BackendMaker
    from desktop.core.store.facade import AsyncConversationStore

log = logging.getLogger(__name__)

SHUTDOWN_SECONDS = 1.5  # the running turn and the MCP connection get this long to close
SIDEBAR_WIDTH = 270


class DesktopApp:
    """Builds the window once, loads keys after the first paint, and owns shutdown.

    Conversations live in the SQLite store (`database_file`, by default in the data dir), opened
    in `start()`. On start the most recent conversation is reopened, as a desktop app restores
    where you left off; "New chat" (Ctrl+N) is one key away. Without a usable database the app
    still chats, without keeping anything, and says so.
    """

    def __init__(
        self,
        paths: AppPaths,
        known_secrets: KnownSecrets,
        *,
        environ: Mapping[str, str] | None = None,
        cwd: Path | None = None,
        secret_store: SecretStore | None = None,
        timeouts: Timeouts | None = None,
        database_file: Path | None = None,
        reopen_last: bool = True,
    ) -> None:
        # Usually done by app.py already; idempotent. The agent's libraries import later.
        pyside_imports.install()
        # The window's choice: the agent's libraries import with the collector paused.
        pause_collection_while_importing()
        self.paths = paths
        self.database_file = database_file or paths.database_file
        self.reopen_last = reopen_last
        self.known_secrets = known_secrets
        self.environ = dict(os.environ if environ is None else environ)
        self.cwd = cwd or Path.cwd()
        self.timeouts = timeouts or Timeouts()
        self.endpoints = Endpoints.from_environ(self.environ)
        self.settings = load_settings(paths.settings_file)
        self.store: SecretStore | None = secret_store
        self._store_opening: asyncio.Future[SecretStore] | None = None
        self.credentials: Credentials | None = None
        self.window = MainWindow()
        self.controller = ChatController(None, self.window)
        self.sidebar = ConversationSidebar()
        self.conversations = ConversationListController(None, self.window)
        connect_window(self.window, self.controller)
        connect_sidebar(self.window, self.sidebar, self.conversations, self.controller)
        self.window.set_sidebar(self.sidebar, SIDEBAR_WIDTH)
        self.conversation_store: AsyncConversationStore | None = None
        self.window.set_model_name(self.settings.model)
        self.window.settings_requested.connect(self.open_settings)
        self.window.quit_requested.connect(self.request_quit)
        self.window.close_requested.connect(self.request_quit)
        self.dialog: SettingsDialog | None = None
        self._quit = asyncio.Event()
        self._tasks: set[asyncio.Task[None]] = set()
        self.ready = asyncio.Event()  # keys loaded and the connection started (for tests)
        # The agent, its MCP connection and the SDK clients run on their own loop and thread:
        # their CPU (the openai SDK's request transform grows with the history) never stalls
        # the window.
        self.agent_loop = AgentLoop()
        self.http: httpx.AsyncClient | None = None

    # -- start-up ----------------------------------------------------------------------------
    async def start(self) -> None:
        """After the first paint: the HTTP client, the conversations, keys from the keyring,
        then connect (or ask for keys)."""
        if self.http is None:  # before Settings (Test connection, Save) can be opened
            # The app's one client for its own requests, on the agent's loop; it needs no keys.
            self.http = await self.agent_loop.run(open_http_client(self.timeouts))
        start_import(RENDERING, then=prepare_rendering)  # before the first reply needs them
        # The keyring may sit behind D-Bus: it opens off the UI thread, meanwhile.
        keyring = asyncio.ensure_future(self._secret_store())
        await self._open_conversations()
        await keyring
        await self._reload_credentials()
        if self._complete(self.credentials):
            # Ready to send once the Tool Router answers; the agent itself (pydantic-ai, its
            # MCP client, openai: ~90 MB) loads when a prompt is first typed, so an idle
            # window stays light (desktop.core.lazy_imports).
            self.controller.reconfigure(self._backend_maker())
        else:
            self.controller.connect_backend()  # shows "not configured" with the reason
            self.open_settings(first_run=True)
        self.ready.set()

    async def _open_conversations(self) -> None:
        # After the first paint: sqlite and the store's modules are not needed to paint.
        from desktop.core.store.facade import AsyncConversationStore

        try:
            await asyncio.to_thread(self.database_file.parent.mkdir, parents=True, exist_ok=True)
            store = await AsyncConversationStore.open(self.database_file)
        except (StoreError, OSError, ImportError) as exc:
            log.error("conversation store unavailable", exc_info=True)
            if isinstance(exc, OSError):
                reason = f"{exc.strerror or exc}."
            else:
                reason = str(exc.args[0]) if exc.args else type(exc).__name__
            self._warn(
                "Conversations are not being saved",
                f"The conversation database ({self.database_file}) could not be opened: "
                f"{reason} This session's chat is kept in memory only.",
            )
            return
        self.conversation_store = store
        self.controller.set_repository(store)
        self.conversations.set_repository(store)
        self.sidebar.start()
        if self.reopen_last:
            try:
                recent = await store.list_conversations(limit=1)
            except StoreError:
                log.warning("could not read the most recent conversation", exc_info=True)
                recent = []
            if recent and self.controller.conversation_id is None and not self.controller.busy:
                self.controller.open_conversation(recent[0].id)

    async def _secret_store(self) -> SecretStore:
        """The keyring, once open (Settings may be opened while it still opens)."""
        if self.store is None:
            if self._store_opening is None:
                from desktop.core.config.secrets import open_secret_store

                self._store_opening = asyncio.ensure_future(asyncio.to_thread(open_secret_store))
            self.store = await asyncio.shield(self._store_opening)
        return self.store

    def _dotenv(self) -> dict[str, str]:
        return read_dotenv(self.cwd / ".env")

    async def _reload_credentials(self) -> None:
        store = await self._secret_store()
        self.credentials = await asyncio.to_thread(
            resolve_credentials, store, self.settings.user_id, self.environ, self._dotenv()
        )
        self.known_secrets.add(*self.credentials.secret_values())

    @staticmethod
    def _complete(creds: Credentials | None) -> bool:
        return not missing_credentials(creds)

    def _backend_maker(self, previous: ChatBackend | None = None) -> BackendMaker:
        """The backend factory for the current settings and keys (see `core.conversations`)."""
        # After the first paint: the chat session's modules are not needed to paint.
        from desktop.core.conversations.factory import BackendMaker

        assert self.credentials is not None
        return BackendMaker(
            self.agent_loop,
            self.settings,
            self.credentials,
            self.endpoints,
            self.timeouts,
            self.conversation_store,
            previous=previous,
            http=self.http,
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
        store = await self._secret_store()
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
        store = await self._secret_store()
        try:
            for name, value in keys.items():
                await asyncio.to_thread(store.set, name, value)
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
        await self._reload_credentials()
        # New settings or keys continue the conversation on screen rather than forgetting it.
        previous = self.controller.backend
        self.controller.reconfigure(
            self._backend_maker(previous) if self._complete(self.credentials) else None
        )

    async def _probe(self, settings: Settings, keys: Mapping[SecretName, str]) -> Sequence[str]:
        from desktop.core.agent.session import check_connection

        credentials = Credentials(
            openai_api_key=keys.get(SecretName.OPENAI_API_KEY),
            composio_api_key=keys.get(SecretName.COMPOSIO_API_KEY),
            user_id=settings.user_id,
        )
        info = await self.agent_loop.run(
            check_connection(settings, credentials, self.endpoints, self.timeouts, http=self.http)
        )
        return info.tool_names

    def _warn(self, title: str, text: str) -> None:
        show_problem(self.window, title, text, object_name="warningBox")

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
        await self.conversations.aclose()
        # Whatever the agent still runs ends before the database closes.
        http, self.http = self.http, None
        if http is not None:
            with contextlib.suppress(Exception):
                await self.agent_loop.run(http.aclose())
        await self.agent_loop.aclose()
        store, self.conversation_store = self.conversation_store, None
        if store is not None:
            # After the turn above was stopped: its reply is stored before the database closes.
            self.controller.set_repository(None)
            self.conversations.set_repository(None)
            try:
                await store.aclose()
            except StoreError:
                log.warning("closing the conversation store failed", exc_info=True)
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


def _quit_on_signals(app: QApplication, shell: DesktopApp) -> None:
    """SIGTERM (logout, `kill`) and Ctrl-C in the starting terminal shut down like Ctrl+Q."""

    def _on_signal(_signum: int, _frame: object) -> None:
        shell.request_quit()

    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, _on_signal)
    # Python runs signal handlers only between bytecodes; while Qt's loop waits in C nothing
    # runs, so a slow no-op timer hands control back to Python a few times a second.
    ticker = QTimer(app)
    ticker.setInterval(250)
    ticker.timeout.connect(lambda: None)
    ticker.start()


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
        _quit_on_signals(app, shell)
        status = loop.run_until_complete(
            _main(app, shell, smoke_test=smoke_test, process_start=process_start)
        )
    return int(status)
