"""Wires the painted window to the core: keys, the backend, conversations; owns shutdown."""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING

from desktop.ui.window.geometry import save_geometry
from desktop.ui.window.shell import WindowShell

if TYPE_CHECKING:
    import httpx

    from desktop.core.agent.service_check import ConnectionReport
    from desktop.core.config.credentials import Credentials
    from desktop.core.config.secrets import SecretName, SecretStore
    from desktop.core.config.settings import Settings
    from desktop.core.conversations.budgets import ConversationBudgets
    from desktop.core.conversations.factory import BackendMaker
    from desktop.core.conversations.memory_chat import MemoryConversation
    from desktop.core.redaction import Redactor
    from desktop.core.router.types import Timeouts
    from desktop.core.store.facade import AsyncConversationStore
    from desktop.paths import AppPaths
    from desktop.ui.sandboxes.presenter import SandboxPresenter
    from desktop.ui.settings.settings_dialog import SettingsDialog

log = logging.getLogger(__name__)

SHUTDOWN_SECONDS = 1.5  # the running turn and the MCP connection get this long to close


class DesktopApp:
    """Wires the painted window to the core, starts it (keys, conversations), owns shutdown.

    Conversations live in the SQLite store (`database_file`, by default in the data dir), opened
    in `start()`. On start the most recent conversation is reopened, as a desktop app restores
    where you left off; "New chat" (Ctrl+N) is one key away. Without a usable database the app
    still chats, without keeping anything, and says so.
    """

    def __init__(
        self,
        paths: AppPaths,
        redactor: Redactor,
        *,
        environ: Mapping[str, str] | None = None,
        cwd: Path | None = None,
        secret_store: SecretStore | None = None,
        timeouts: Timeouts | None = None,
        database_file: Path | None = None,
        reopen_last: bool = True,
        shell: WindowShell | None = None,
    ) -> None:
        # After the first paint, as everything this class builds (asyncio included: ~10 ms).
        import asyncio

        from desktop.core.agent.build import Endpoints
        from desktop.core.agent.worker import AgentLoop
        from desktop.core.config.configuration import Configuration
        from desktop.core.router.types import Timeouts
        from desktop.gc_policy import favour_the_window_thread, pause_collection_while_importing
        from desktop.ui import pyside_imports
        from desktop.ui.chat.controller import ChatController
        from desktop.ui.settings.settings_flow import SettingsFlow
        from desktop.ui.sidebar.conversation_list_controller import ConversationListController
        from desktop.ui.window.wiring import connect_file_saves, connect_sidebar, connect_window

        # Usually done by app.py already; idempotent. The agent's libraries import later.
        pyside_imports.install()
        # The window's choices: the agent's libraries import with the collector paused, and its
        # thread gets the GIL back soon when the agent's has it.
        pause_collection_while_importing()
        favour_the_window_thread()
        self.database_file = database_file or paths.database_file
        self.reopen_last = reopen_last
        environ = dict(os.environ if environ is None else environ)
        self.timeouts = timeouts or Timeouts()
        self.endpoints = Endpoints.from_environ(environ)
        self.redactor = redactor
        self.configuration = Configuration(
            paths.settings_file,
            environ,
            cwd or Path.cwd(),
            secret_store=secret_store,
            known_secrets=redactor.add,
        )
        self.window_state_file = paths.window_state_file
        shell = shell or WindowShell.build(self.window_state_file)
        self.window, self.sidebar = shell.window, shell.sidebar
        self.window.chat_view.links.hosts = self.endpoints.composio_hosts  # Connect Links' rule
        self.controller = ChatController(None, self.window)
        self.conversations = ConversationListController(None, self.window)
        self.leave_guard = connect_window(self.window, self.controller)
        self.file_saver = connect_file_saves(self.window, self.controller)
        connect_sidebar(
            self.window, self.sidebar, self.conversations, self.controller, self.leave_guard
        )
        self.conversation_store: AsyncConversationStore | None = None
        self.memory: MemoryConversation | None = None  # the chat, when nothing can be stored
        self.window.set_model_name(self.settings.model)
        self.settings_flow = SettingsFlow(self.configuration, self._probe, self.window)
        self.settings_flow.saved.connect(self._on_settings_flow_saved)
        self.settings_flow.problem.connect(self._warn)
        self.window.settings_requested.connect(self.open_settings)
        self.window.quit_requested.connect(self._on_window_close_requested)
        self.window.close_requested.connect(self._on_window_close_requested)
        self._quit = asyncio.Event()
        self.ready = asyncio.Event()  # keys loaded and the connection started (for tests)
        # The agent, its MCP connection and the SDK clients run on their own loop and thread:
        # their CPU (the openai SDK's request transform grows with the history) never stalls
        # the window.
        self.agent_loop = AgentLoop()
        self.http: httpx.AsyncClient | None = None
        self.sandboxes = self._sandbox_panel()
        from desktop.ui.window.budget_dialog import BudgetPresenter

        self.budgets = BudgetPresenter(
            self.window, self.controller, self._conversation_budgets, self._budget_chat
        )
        self.conversations.sandbox_cost = self._sandbox_cost_known  # written into the exports

    def _sandbox_panel(self) -> SandboxPresenter:
        """The one sandbox service of the window, over the open chat's Tool Router
        connection, on the agent's loop; the panel renders it and asks."""
        from desktop.core.config.sandbox_rates import SandboxRates
        from desktop.core.sandboxes.service import SandboxService
        from desktop.sandbox_calls import model_cost_today, sandbox_tools
        from desktop.ui.sandboxes.presenter import SandboxPresenter
        from desktop.ui.window.dock_room import make_room

        conversations = self.sidebar.model  # loaded already: no query of its own
        service = SandboxService(
            lambda: sandbox_tools(self.controller.backend),
            SandboxRates.of(self.settings),
            runner=self.agent_loop,
        )
        presenter = SandboxPresenter(
            service,
            self.window,
            hosts=self.endpoints.composio_hosts,
            current_conversation=lambda: self.controller.conversation_id,
            quit_setting=lambda: self.settings.sandboxes_at_quit,
            keep_quit_choice=self._keep_quit_choice,
            model_today=lambda: model_cost_today(self.conversation_store),
            titles=lambda: {row.id: row.title for row in conversations.summaries()},
            state_file=self.window_state_file,
            links=self.window.chat_view.links,
            make_room=lambda width: make_room(self.window, presenter.panel, width),
            subtitle=self.window.header.subtitle,
        )
        self.window.header.add_panel_toggle(presenter.toggle_button, presenter.toggle_action)
        self.controller.turn_event.connect(presenter.observe)
        for shown in (self.controller.conversation_cleared, self.controller.history_loaded):
            shown.connect(presenter.render)  # the header counts the chat on screen
        conversations.dataChanged.connect(presenter.on_titles_changed)  # the Chat column's names
        conversations.rowsInserted.connect(presenter.render)
        presenter.panel.conversation_requested.connect(self.leave_guard.open_conversation)
        return presenter

    def _conversation_budgets(self) -> ConversationBudgets | None:
        """The budgets of the stored chats, or of the one kept in memory without a store: the
        setting is the default of every chat that has none of its own; their sandboxes count
        as the panel's meter has seen them run."""
        from desktop.core.conversations.budgets import ConversationBudgets

        store, memory = self.conversation_store, self.memory
        # Read when asked (also by each turn, on the agent's thread): the saved settings, no
        # file read (`settings` reads `.env` for the model).
        default = lambda: self.configuration.settings.conversation_budget  # noqa: E731
        cost = self.sandboxes.service.conversation_cost
        if store is not None:
            return ConversationBudgets.stored(store, default, cost)
        return ConversationBudgets(memory.ledger, default, cost) if memory is not None else None

    def _budget_chat(self) -> str | None:
        """The chat the budget dialog is of: the stored one on screen, else the one in memory."""
        memory = self.memory
        return self.controller.conversation_id if memory is None else memory.conversation_id

    def _sandbox_cost_known(self, conversation_id: str) -> Decimal | None:
        """What the chat's sandboxes have cost so far; None before the app listed any."""
        service = self.sandboxes.service
        if service.view().read_at is None:
            return None
        return service.conversation_cost(conversation_id)

    def _keep_quit_choice(self, choice: str) -> None:
        from desktop.core.config.settings import keep_quit_choice

        try:
            kept = keep_quit_choice(self.configuration.settings_file, choice)  # type: ignore[arg-type]
        except OSError:
            log.warning("could not keep the answer to the quit question", exc_info=True)
            return
        self.configuration.settings = kept

    @property
    def settings(self) -> Settings:
        """As in use: the saved ones, with the model `E2B_AGENT_MODEL` names, if set."""
        return self.configuration.in_use

    @property
    def credentials(self) -> Credentials | None:
        return self.configuration.credentials

    @property
    def store(self) -> SecretStore | None:
        """The secret store, once open."""
        return self.configuration.store

    @property
    def dialog(self) -> SettingsDialog | None:
        return self.settings_flow.dialog

    # -- start-up ----------------------------------------------------------------------------
    async def start(self) -> None:
        """After the first paint: the HTTP client, the conversations, keys from the keyring,
        then connect (or ask for keys)."""
        import asyncio

        from desktop.core.lazy_imports import RENDERING, start_import
        from desktop.core.router.http import open_http_client
        from desktop.ui.chat.message_widget import prepare_rendering

        if self.http is None:  # before Settings (Test connection, Save) can be opened
            # The app's one client for its own requests, on the agent's loop; it needs no keys.
            self.http = await self.agent_loop.run(open_http_client(self.timeouts))
        start_import(RENDERING, then=prepare_rendering)  # before the first reply needs them
        # The keyring may sit behind D-Bus: it opens off the UI thread, meanwhile.
        keyring = asyncio.ensure_future(self.configuration.secret_store())
        await self._open_conversations()
        await keyring
        await self.configuration.reload_credentials()
        if self.configuration.connectable:  # complete, or a locked keyring the status names
            # Ready to send once the Tool Router answers; the agent itself (pydantic-ai, its
            # MCP client, openai: ~90 MB) loads when a prompt is first typed, so an idle
            # window stays light (desktop.core.lazy_imports).
            self.controller.reconfigure(self._backend_maker())
        else:
            self.controller.connect_backend()  # shows "not configured" with the reason
        if (refused := self.configuration.refused_model_override()) is not None:
            self._warn("E2B_AGENT_MODEL is not used", refused)  # the terminal refuses to start
        if not self.configuration.complete:  # keys to enter, or the keyring's Retry
            self.open_settings(first_run=True)
        # Wired and started: a prompt sent meanwhile is sent now (or refused, with the reason).
        self.window.set_ready()
        self.sandboxes.restore()  # the panel, if it was open, reads the list now
        self.sandboxes.count_model_cost()
        self.ready.set()

    async def _open_conversations(self) -> None:
        # After the first paint: sqlite and the store's modules are not needed to paint.
        from desktop.core.conversations.memory_chat import MemoryConversation
        from desktop.core.store.opening import StoreUnavailable, open_conversation_store

        opened = await open_conversation_store(self.database_file, self.redactor)
        if isinstance(opened, StoreUnavailable):
            self.memory = MemoryConversation()  # this session's chat, its turns and budget
            self._warn(
                "Conversations are not being saved",
                f"The conversation database ({opened.path}) could not be opened: "
                f"{opened.reason} This session's chat is kept in memory only.",
            )
            return
        if opened.set_aside is not None:
            self._warn(
                "The conversation database was damaged",
                f"The conversation database was damaged ({opened.set_aside.problem}), so a "
                f"new one was started. The old one was moved aside, not deleted: "
                f"{opened.set_aside.moved_to}",
            )
        store = opened.store
        self.conversation_store = store
        self.controller.set_repository(store)
        self.conversations.set_repository(store)
        self.sidebar.start()  # the sidebar's first page does not wait for the meter's records
        await self.sandboxes.service.keep_in(store)  # before the panel's first listing
        if self.reopen_last:
            await self._reopen_most_recent(store)

    async def _reopen_most_recent(self, store: AsyncConversationStore) -> None:
        from desktop.core.store.records import StoreError

        try:
            recent = await store.list_conversations(limit=1)
        except StoreError:
            log.warning("could not read the most recent conversation", exc_info=True)
            recent = []
        # A prompt sent meanwhile starts a new chat: the last one is not opened under it.
        if self.window.held_prompt is not None or self.controller.conversation_id is not None:
            return
        if recent and not self.controller.busy:
            shown = self.controller.open_conversation(recent[0].id)
            if shown is not None:  # on screen before a prompt sent next can start its turn
                await shown

    def _backend_maker(self) -> BackendMaker:
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
            memory=self.memory,  # without a store: the chat goes on in memory
            http=self.http,
            keep_rule=self.configuration.keep_rule,
            redactor=self.redactor,
            budgets=self._conversation_budgets(),  # the dialog's: each turn checks the same
        )

    # -- settings ----------------------------------------------------------------------------
    def open_settings(self, first_run: bool = False) -> None:
        self.settings_flow.open(first_run)

    def _on_settings_flow_saved(self) -> None:
        from desktop.core.config.sandbox_rates import SandboxRates

        self.window.set_model_name(self.settings.model)
        self.sandboxes.service.rates = SandboxRates.of(self.settings)
        # New settings or keys continue the conversation on screen rather than forgetting it.
        connectable = self.configuration.connectable
        self.controller.reconfigure(self._backend_maker() if connectable else None)

    async def _probe(self, settings: Settings, keys: Mapping[SecretName, str]) -> ConnectionReport:
        from desktop.core.agent.probe import check_services

        self.redactor.add(*keys.values())  # typed, not saved: still keys, in what comes back
        return await self.agent_loop.run(
            check_services(settings, keys, self.endpoints, self.timeouts, http=self.http)
        )

    def _warn(self, title: str, text: str) -> None:
        from desktop.ui.sidebar.conversation_dialogs import show_problem

        show_problem(self.window, title, text, object_name="warningBox")

    # -- lifetime ----------------------------------------------------------------------------
    def _on_window_close_requested(self) -> None:
        # Ctrl+Q or the close button: while a decision waits, the person is asked first.
        self.leave_guard.leave(lambda: self.sandboxes.before_quit(self.request_quit))

    def _keep_window_place(self) -> None:
        try:
            self.window_state_file.parent.mkdir(parents=True, exist_ok=True)
            save_geometry(self.window, self.window_state_file)
        except OSError:
            log.warning("could not keep the window's place", exc_info=True)

    def request_quit(self) -> None:
        self._quit.set()

    async def wait_for_quit(self) -> None:
        await self._quit.wait()

    async def shutdown(self) -> None:
        """Cancel the running turn, close the MCP connection, then close the window."""
        import asyncio
        import contextlib

        from desktop.core.store.records import StoreError

        await self.settings_flow.aclose()
        await self.sandboxes.aclose()
        await self.budgets.aclose()
        self._keep_window_place()
        try:
            await asyncio.wait_for(self.controller.aclose(), SHUTDOWN_SECONDS)
        except TimeoutError:
            log.warning("shutdown: the agent did not close within %.1f s", SHUTDOWN_SECONDS)
        await self.conversations.aclose()
        await self.file_saver.aclose()
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
