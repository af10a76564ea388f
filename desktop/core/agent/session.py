"""One conversation with the agent: connects lazily, runs turns as streams of typed events."""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from desktop.core.agent.attachments import Attachment, AttachProgress, attach_files
from desktop.core.agent.budget import TurnBudget
from desktop.core.agent.build import Endpoints, build_agent
from desktop.core.agent.lone_surrogates import clean_messages
from desktop.core.agent.model_choice import ModelChoice
from desktop.core.agent.output_files import OutputFiles
from desktop.core.agent.shown_files import ShownFiles
from desktop.core.agent.turn_stream import TurnStream
from desktop.core.config.credentials import (
    FOR_ROUTER,
    Credentials,
    for_chat,
    require_credentials,
)
from desktop.core.config.settings import Settings
from desktop.core.consent.approvals import ConsentState
from desktop.core.errors import UserFacingError
from desktop.core.lazy_imports import AGENT_STACK, import_off_loop
from desktop.core.redaction import Redactor
from desktop.core.router.connection import RouterConnection, ToolAnsweredError
from desktop.core.router.files_mount import FilesMount
from desktop.core.router.http import open_http_client
from desktop.core.router.presigned import new_transfer_client
from desktop.core.router.probe import list_router_tools
from desktop.core.router.rest import open_router_session
from desktop.core.router.types import ConnectionInfo, RouterSession, SessionExpiredError, Timeouts

if TYPE_CHECKING:
    from pathlib import Path

    import httpx
    from pydantic_ai import Agent
    from pydantic_ai.messages import ModelMessage

    from desktop.core.router.presigned import Progress

log = logging.getLogger(__name__)


class ChatSession:
    """The agent, its Tool Router connection and the conversation's history."""

    def __init__(
        self,
        settings: Settings,
        credentials: Credentials,
        endpoints: Endpoints | None = None,
        timeouts: Timeouts | None = None,
        *,
        router_session_id: str | None = None,
        history: Sequence[ModelMessage] = (),
        http: httpx.AsyncClient | None = None,
        consent: ConsentState | None = None,
        redactor: Redactor | None = None,
    ) -> None:
        self.settings = settings
        # What arrives from outside (tool results, errors) and the prompt lose every key it
        # knows before the model, the store or a screen sees them; the app passes its own.
        self.redactor = redactor or Redactor()
        self.redactor.add(*credentials.secret_values())
        # What the user allowed beyond the defaults (the rules come from the settings file).
        self.consent = consent or ConsentState(
            rules=settings.always_allowed, ask_for_reads=settings.ask_before_reads
        )
        self._credentials = credentials
        self.endpoints = endpoints or Endpoints()
        self.timeouts = timeouts or Timeouts()
        self._resume_id = router_session_id
        self._history: list[ModelMessage] = list(history)
        # The conversation its sandboxes are tagged with when no stored one is named (the
        # terminal's, a chat kept in memory); a stored conversation passes its own id.
        self.conversation_id = uuid.uuid4().hex
        self._router: RouterSession | None = None
        self._connection: RouterConnection | None = None
        self._agent: Agent[None, str] | None = None
        self._agent_toolset: object = None  # the toolset the agent was built on
        self._model = ModelChoice(settings.model)  # the next turn's (`use_model`)
        self._connect_lock = asyncio.Lock()
        self._http = http  # the app's shared client; without one, its own (closed by aclose())
        self._own_http: httpx.AsyncClient | None = None
        self._transfers: httpx.AsyncClient | None = None  # the files' bytes (made when needed)
        self._mount: FilesMount | None = None
        # What each code run left in the files mount, listed around it (`files_watch`).
        self.output_files = OutputFiles(self.files_mount, self.redactor)
        # The mount as both faces show it (`/files`, `/save`, a cell's Save as…).
        self.shown_files = ShownFiles(self.files_mount, self.redactor)

    @property
    def history(self) -> tuple[ModelMessage, ...]:
        return tuple(self._history)

    @property
    def router_session_id(self) -> str | None:
        if self._router is not None:
            return self._router.session_id
        return self._resume_id

    @property
    def model_name(self) -> str:
        """The model string the next turn goes to ("anthropic:claude-sonnet-4-5")."""
        return self._model.name

    @property
    def model_base_url(self) -> str | None:
        """Where the model's requests go (None: a server the settings do not name yet)."""
        return self._model.base_url(self.endpoints, self.settings.base_urls)

    def use_model(self, model: str) -> None:
        """From the next turn on, `model` answers (the history goes with it: Pydantic AI's
        messages are the same for every provider). Called between turns; an unusable model
        string fails that turn with the model check's sentence."""
        if self._model.switch(model):
            self._agent = None

    def use_credentials(self, credentials: Credentials) -> None:
        """Keys read again (the terminal reads a provider's key when it switches to it)."""
        self.redactor.add(*credentials.secret_values())
        self._credentials = credentials

    @property
    def secrets(self) -> tuple[str, ...]:
        return tuple(self.redactor.secrets)

    def new_conversation(self) -> None:
        self._history = []
        self.conversation_id = uuid.uuid4().hex
        self.consent.forget_conversation()

    @property
    def agent(self) -> Agent[None, str]:
        """The agent `connect()` built (on the current MCP connection)."""
        assert self._agent is not None, "connect() first"
        return self._agent

    def load_history(self, messages: Sequence[ModelMessage]) -> None:
        self._history = clean_messages(messages)

    def _check_credentials(self) -> tuple[str | None, str, str]:
        """The model's key (None: its provider takes none), Composio's and the user id."""
        creds = self._credentials
        require_credentials(creds, for_chat(self._model.name))
        assert creds.composio_api_key and creds.user_id
        return creds.model_key(self._model.name), creds.composio_api_key, creds.user_id

    def _router_credentials(self) -> tuple[str, str]:
        """The Composio key and the user id: all the Tool Router needs (not the model's key)."""
        creds = self._credentials
        require_credentials(creds, FOR_ROUTER)
        assert creds.composio_api_key and creds.user_id
        return creds.composio_api_key, creds.user_id

    async def _http_client(self) -> httpx.AsyncClient:
        if self._http is None:
            self._http = self._own_http = await open_http_client(self.timeouts)
        return self._http

    async def _router_session(self, composio_key: str, user_id: str) -> RouterSession:
        """This conversation's Tool Router session: resumed, or created once."""
        if self._router is None:
            self._router = await open_router_session(
                await self._http_client(),
                api_key=composio_key,
                user_id=user_id,
                toolkits=self.settings.toolkits,
                base_url=self.endpoints.composio_base_url,
                timeouts=self.timeouts,
                resume_id=self._resume_id,
            )
        return self._router

    async def _replace_expired(self) -> None:
        """A resumed or long-idle session the backend forgot: the next one is made afresh."""
        log.info("tool router session expired; creating a new one")
        if self._connection is not None:
            await self._connection.aclose()
        self._connection, self._router, self._resume_id, self._agent = None, None, None, None

    async def download_file(
        self, shown_path: str, destination: Path, progress: Progress | None = None
    ) -> int:
        """Save the file of the mount a cell shows at `shown_path` (found again in the mount:
        `ShownFiles.save`) to exactly `destination`, atomically; its size."""
        return await self.shown_files.save(shown_path, destination, progress)

    async def check(self) -> ConnectionInfo:
        """Make sure the Tool Router session exists and its MCP endpoint accepts the key, and
        list its tools, without loading the agent (see `desktop.core.router.probe`)."""
        async with self._connect_lock:
            if self._connection is not None and self._connection.info is not None:
                return self._connection.info
            composio_key, user_id = self._router_credentials()
            router = await self._router_session(composio_key, user_id)
            try:
                return await list_router_tools(
                    await self._http_client(), router, self.timeouts.mcp_init
                )
            except SessionExpiredError:
                await self._replace_expired()
                router = await self._router_session(composio_key, user_id)
                return await list_router_tools(
                    await self._http_client(), router, self.timeouts.mcp_init
                )

    async def _open_connection(self, composio_key: str, user_id: str) -> ConnectionInfo:
        """Open the MCP connection to this conversation's Tool Router session (under the
        connect lock): once, replacing a session the backend forgot."""
        if self._connection is None:
            router = await self._router_session(composio_key, user_id)
            self._connection = RouterConnection(
                router, self.timeouts, http=await self._http_client()
            )
            self._agent = None
        try:
            return await self._connection.open()
        except SessionExpiredError:
            await self._replace_expired()
            router = await self._router_session(composio_key, user_id)
            self._connection = RouterConnection(
                router, self.timeouts, http=await self._http_client()
            )
            return await self._connection.open()

    async def connect(self) -> ConnectionInfo:
        """Load the agent, then open its MCP connection to the Tool Router session (once);
        user-facing errors."""
        # pydantic-ai, its MCP client and openai: imported off the event loop, when first needed.
        await import_off_loop(AGENT_STACK)
        async with self._connect_lock:
            model_key, composio_key, user_id = self._check_credentials()
            await self._model.close_retired()  # a model switched from, between turns
            info = await self._open_connection(composio_key, user_id)
            assert self._connection is not None
            # A connection reset after a failure has a new toolset: the agent must use it, not
            # reopen the old one on every run.
            if self._agent is None or self._agent_toolset is not self._connection.toolset:
                model = await self._model.open(
                    model_key, self.endpoints, self.timeouts, self.settings
                )
                from desktop.core.agent.consent_gate import gated
                from desktop.core.agent.files_watch import watching_files

                self._agent_toolset = self._connection.toolset
                self._agent = build_agent(
                    model,
                    gated(
                        watching_files(self._connection.toolset, self.output_files),
                        self.consent,
                        diagnose=self._connection.diagnose,
                        read_timeout=self.timeouts.mcp_read,
                        redactor=self.redactor,
                    ),
                    self.settings.instructions,
                )
            return info

    async def call_tool(self, name: str, arguments: dict[str, Any], seconds: float) -> Any:
        """Call one of the Tool Router's tools without the model (no tokens), on this
        conversation's MCP connection: the agent's when it is open, else opened with the
        Composio key alone (`RouterConnection.call_tool`; user-facing errors). The answer and
        an error's text lose every key the app knows."""
        await import_off_loop(AGENT_STACK)
        for attempt in range(2):
            async with self._connect_lock:
                composio_key, user_id = self._router_credentials()
                await self._open_connection(composio_key, user_id)
                connection = self._connection
            assert connection is not None
            try:
                # What comes back loses every key the redactor knows, as the agent's results do.
                return self.redactor.value(await connection.call_tool(name, arguments, seconds))
            except ToolAnsweredError as exc:
                raise ToolAnsweredError(self.redactor.text(str(exc))) from None
            except SessionExpiredError:
                if attempt:
                    raise
                async with self._connect_lock:
                    if self._connection is connection:
                        await self._replace_expired()
        raise AssertionError("unreachable")  # pragma: no cover

    async def files_mount(self) -> FilesMount:
        """The files mount of this conversation's Tool Router session (made or resumed first),
        on the app's client for its REST calls and a transfer client of its own for the bytes."""
        async with self._connect_lock:
            composio_key, user_id = self._router_credentials()
            router = await self._router_session(composio_key, user_id)
            mount = self._mount
            if mount is None or mount.session_id != router.session_id:
                if self._transfers is None:
                    self._transfers = new_transfer_client(self.timeouts)
                mount = self._mount = FilesMount(
                    await self._http_client(),
                    self._transfers,
                    session_id=router.session_id,
                    api_key=composio_key,
                    base_url=self.endpoints.composio_base_url,
                    timeouts=self.timeouts,
                )
            return mount

    async def attach(
        self, paths: Sequence[Path], progress: AttachProgress | None = None
    ) -> tuple[Attachment, ...]:
        """Upload `paths` to the files mount, for the next turn to name to the agent
        (`attachments.attach_files`; a session the backend forgot is replaced once)."""
        try:
            return await attach_files(await self.files_mount(), paths, progress=progress)
        except SessionExpiredError:
            async with self._connect_lock:
                await self._replace_expired()
            return await attach_files(await self.files_mount(), paths, progress=progress)

    def run_turn(
        self,
        prompt: str,
        attachments: Sequence[Attachment] = (),
        *,
        conversation_id: str | None = None,
        budget: TurnBudget | None = None,
    ) -> TurnStream:
        """One turn of the conversation `conversation_id` (the stored one; None: this
        session's own, in memory), stopped before a model request once `budget` is spent; the
        agent is told where each of `attachments` (uploaded by `attach`) is."""
        return TurnStream(
            self, prompt, attachments, conversation_id or self.conversation_id, budget
        )

    async def after_failure(self, exc: BaseException) -> None:
        """A failure outside the model (the MCP transport) leaves the connection unusable."""
        from pydantic_ai.exceptions import ModelAPIError

        if self._connection is not None and not isinstance(exc, ModelAPIError | UserFacingError):
            await self._connection.reset()

    async def aclose(self) -> None:
        self._router, self._mount = None, None
        connection, self._connection = self._connection, None
        self._agent = None
        if connection is not None:
            await connection.aclose()
        transfers, self._transfers = self._transfers, None
        if transfers is not None:
            await transfers.aclose()
        own_http, self._own_http = self._own_http, None
        if own_http is not None:
            self._http = None
            await own_http.aclose()
        await self._model.aclose()


async def check_connection(
    settings: Settings,
    credentials: Credentials,
    endpoints: Endpoints | None = None,
    timeouts: Timeouts | None = None,
    *,
    http: httpx.AsyncClient | None = None,
) -> ConnectionInfo:
    """Create a Tool Router session and list its tools without calling the model (and without
    loading the agent): `ChatSession.check` of a new session. Without `http` (the app's shared
    client) it uses a client of its own."""
    session = ChatSession(settings, credentials, endpoints, timeouts, http=http)
    try:
        return await session.check()
    finally:
        await session.aclose()
