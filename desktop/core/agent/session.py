"""One conversation with the agent: connects lazily, runs turns as streams of typed events."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from desktop.core.agent.build import Endpoints, build_agent, build_model
from desktop.core.agent.events import (
    STOP_GRACE_SECONDS,
    TERMINAL_EVENTS,
    TextDelta,
    ToolCallFinished,
    ToolCallStarted,
    TurnCancelled,
    TurnEvent,
    TurnFailed,
    TurnFinished,
    Usage,
)
from desktop.core.agent.model_errors import describe_model_error
from desktop.core.agent.tool_calls import action_errors, actions_of, connect_links_of, result_text
from desktop.core.config.credentials import FOR_ROUTER, Credentials, require_credentials
from desktop.core.config.settings import Settings
from desktop.core.errors import ErrorKind, UserFacingError, unexpected
from desktop.core.lazy_imports import AGENT_STACK, import_off_loop
from desktop.core.router.connection import RouterConnection
from desktop.core.router.http import open_http_client
from desktop.core.router.probe import list_router_tools
from desktop.core.router.rest import open_router_session
from desktop.core.router.types import ConnectionInfo, RouterSession, SessionExpiredError, Timeouts

if TYPE_CHECKING:
    import httpx
    from pydantic_ai import Agent
    from pydantic_ai.agent import AgentRunEvents
    from pydantic_ai.messages import ModelMessage
    from pydantic_ai.models import Model

log = logging.getLogger(__name__)

MAX_PROMPT_CHARS = 100_000


def validate_prompt(prompt: str) -> str | None:
    """Why a prompt cannot be sent, or None when it can."""
    if not prompt.strip():
        return "Type a message first."
    if len(prompt) > MAX_PROMPT_CHARS:
        return (
            f"The message is {len(prompt):,} characters long; the limit is "
            f"{MAX_PROMPT_CHARS:,}. Shorten it or send it in parts."
        )
    return None


def _usage_of(run_usage: Any) -> Usage:
    cost = getattr(run_usage, "cost", None)
    return Usage(
        input_tokens=int(getattr(run_usage, "input_tokens", 0) or 0),
        output_tokens=int(getattr(run_usage, "output_tokens", 0) or 0),
        requests=int(getattr(run_usage, "requests", 0) or 0),
        tool_calls=int(getattr(run_usage, "tool_calls", 0) or 0),
        cost=cost if isinstance(cost, Decimal) else None,
    )


def _dump(messages: Sequence[ModelMessage]) -> bytes:
    from pydantic_ai.messages import ModelMessagesTypeAdapter

    return ModelMessagesTypeAdapter.dump_json(list(messages))


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
    ) -> None:
        self.settings = settings
        self._credentials = credentials
        self.endpoints = endpoints or Endpoints()
        self.timeouts = timeouts or Timeouts()
        self._resume_id = router_session_id
        self._history: list[ModelMessage] = list(history)
        self._router: RouterSession | None = None
        self._connection: RouterConnection | None = None
        self._agent: Agent[None, str] | None = None
        self._agent_toolset: object = None  # the toolset the agent was built on
        self._model: Model | None = None
        self._connect_lock = asyncio.Lock()
        self._http = http  # the app's shared client; without one, its own (closed by aclose())
        self._own_http: httpx.AsyncClient | None = None

    @property
    def history(self) -> tuple[ModelMessage, ...]:
        return tuple(self._history)

    @property
    def router_session_id(self) -> str | None:
        if self._router is not None:
            return self._router.session_id
        return self._resume_id

    @property
    def secrets(self) -> tuple[str, ...]:
        return self._credentials.secret_values()

    def new_conversation(self) -> None:
        self._history = []

    def load_history(self, messages: Sequence[ModelMessage]) -> None:
        self._history = list(messages)

    def _check_credentials(self) -> tuple[str, str, str]:
        creds = self._credentials
        require_credentials(creds)
        assert creds.openai_api_key and creds.composio_api_key and creds.user_id
        return creds.openai_api_key, creds.composio_api_key, creds.user_id

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

    async def connect(self) -> ConnectionInfo:
        """Load the agent, then open its MCP connection to the Tool Router session (once);
        user-facing errors."""
        # pydantic-ai, its MCP client and openai: imported off the event loop, when first needed.
        await import_off_loop(AGENT_STACK)
        async with self._connect_lock:
            openai_key, composio_key, user_id = self._check_credentials()
            if self._connection is None:
                router = await self._router_session(composio_key, user_id)
                self._connection = RouterConnection(
                    router, self.timeouts, http=await self._http_client()
                )
                self._agent = None
            try:
                info = await self._connection.open()
            except SessionExpiredError:
                await self._replace_expired()
                router = await self._router_session(composio_key, user_id)
                self._connection = RouterConnection(
                    router, self.timeouts, http=await self._http_client()
                )
                info = await self._connection.open()
            # A connection reset after a failure has a new toolset: the agent must use it, not
            # reopen the old one on every run.
            if self._agent is None or self._agent_toolset is not self._connection.toolset:
                if self._model is None:
                    self._model = build_model(
                        self.settings.model, openai_key, self.endpoints, self.timeouts
                    )
                self._agent_toolset = self._connection.toolset
                self._agent = build_agent(
                    self._model, self._agent_toolset, self.settings.instructions
                )
            return info

    def run_turn(self, prompt: str) -> TurnStream:
        return TurnStream(self, prompt)

    async def _after_failure(self, exc: BaseException) -> None:
        """A failure outside the model (the MCP transport) leaves the connection unusable."""
        from pydantic_ai.exceptions import ModelAPIError

        if self._connection is not None and not isinstance(exc, ModelAPIError | UserFacingError):
            await self._connection.reset()

    async def aclose(self) -> None:
        self._router = None
        connection, self._connection = self._connection, None
        model, self._model = self._model, None
        self._agent = None
        if connection is not None:
            await connection.aclose()
        own_http, self._own_http = self._own_http, None
        if own_http is not None:
            self._http = None
            await own_http.aclose()
        client = getattr(model, "client", None)
        if client is not None:
            with contextlib.suppress(Exception):
                await client.close()


class TurnStream:
    """One turn as an async iterator of events, ending with TurnFinished/Cancelled/Failed.

    `cancel()` stops the turn promptly; what arrived stays in the history and is reported in
    TurnCancelled. Iterating never raises (other than the consumer's own cancellation).
    """

    def __init__(self, session: ChatSession, prompt: str) -> None:
        self._session = session
        self._prompt = prompt
        self._queue: asyncio.Queue[TurnEvent] = asyncio.Queue()
        self._task: asyncio.Task[None] | None = None
        self._handle: AgentRunEvents[str] | None = None
        self._cancel_requested = False
        self._done = False
        self._ended = False  # a terminal event was emitted
        self._text: list[str] = []

    def __aiter__(self) -> TurnStream:
        return self

    async def __anext__(self) -> TurnEvent:
        if self._done:
            raise StopAsyncIteration
        if self._task is None:
            if self._cancel_requested:
                self._done = True
                return TurnCancelled("")
            self._task = asyncio.ensure_future(self._produce())
        event = await self._queue.get()
        if isinstance(event, TERMINAL_EVENTS):
            self._done = True
        return event

    @property
    def text(self) -> str:
        return "".join(self._text)

    def cancel(self) -> None:
        if self._done or self._cancel_requested:
            return
        self._cancel_requested = True
        if self._task is None:
            return
        if self._handle is not None:
            self._handle.cancel()
            # A run stuck in a tool call or a silent socket is cut off after a short grace.
            asyncio.get_running_loop().call_later(STOP_GRACE_SECONDS, self._hard_cancel)
        else:
            self._hard_cancel()

    def _hard_cancel(self) -> None:
        if self._task is not None and not self._task.done():
            self._task.cancel()

    async def aclose(self) -> None:
        """Stop the producer if the consumer goes away early (e.g. on shutdown)."""
        self.cancel()
        if self._task is not None and not self._task.done():
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task
        self._done = True

    def _emit(self, event: TurnEvent) -> None:
        if isinstance(event, TextDelta):
            self._text.append(event.text)
        elif isinstance(event, TERMINAL_EVENTS):
            self._ended = True
        self._queue.put_nowait(event)

    async def _produce(self) -> None:
        session = self._session
        before = list(session._history)
        problem = validate_prompt(self._prompt)
        if problem:
            self._emit(TurnFailed(ErrorKind.BAD_INPUT, problem))
            return
        try:
            # The first turn may have to wait for the agent's libraries (off the event loop).
            await import_off_loop(AGENT_STACK)
        except asyncio.CancelledError:
            self._finish_cancelled(None, before)
            if not self._cancel_requested:
                raise
            return
        except Exception as exc:  # a broken install
            log.error("the agent's libraries failed to import", exc_info=True)
            self._emit(TurnFailed(ErrorKind.UNEXPECTED, unexpected(exc).message))
            return
        from pydantic_ai.exceptions import RunCancelled

        try:
            await session.connect()
            agent = session._agent
            assert agent is not None
            if self._cancel_requested:
                raise asyncio.CancelledError
            async with agent.run_stream_events(self._prompt, message_history=before) as handle:
                self._handle = handle
                async for event in handle:
                    self._translate(event)
        except RunCancelled as exc:
            self._finish_cancelled(exc.all_messages(), before)
        except asyncio.CancelledError as exc:
            recovered = RunCancelled.from_cancellation(exc)
            self._finish_cancelled(recovered.all_messages() if recovered else None, before)
            if not self._cancel_requested:
                raise  # cancelled from outside (shutdown): let it propagate
        except UserFacingError as exc:
            self._emit(TurnFailed(exc.kind, exc.message, fix=exc.fix))
        except Exception as exc:
            log.warning("turn failed", exc_info=True)
            await session._after_failure(exc)
            error = describe_model_error(
                exc,
                base_url=session.endpoints.openai_base_url,
                read_timeout=session.timeouts.model_read,
                secrets=session.secrets,
            )
            kept = self._keep_actions_taken(before)
            self._emit(TurnFailed(error.kind, error.message, kept, error.fix))
        except BaseException as exc:  # pragma: no cover - e.g. KeyboardInterrupt in the CLI
            self._emit(TurnFailed(ErrorKind.UNEXPECTED, unexpected(exc).message))
            raise
        finally:
            self._handle = None
            if not self._ended:
                # Cut off before its end was reported (e.g. Stop while a failure was being
                # cleaned up): the stream still ends, and nothing is added to the history.
                self._emit(TurnCancelled(self.text))

    def _keep_actions_taken(self, before: list[ModelMessage]) -> bytes:
        """After a failure, keep the turn in history if tools ran: the agent must not forget
        a sandbox it created just because the model failed afterwards."""
        from pydantic_ai.messages import ToolReturnPart, repair_messages

        handle = self._handle
        if handle is None:
            return b""
        try:
            messages = handle.all_messages()
        except Exception:  # the run never started: nothing happened
            return b""
        new = messages[len(before) :]
        ran_tools = any(
            isinstance(part, ToolReturnPart) for message in new for part in message.parts
        )
        if len(messages) < len(before) or not ran_tools:
            return b""
        self._session._history = repair_messages(messages)
        return _dump(new)

    def _finish_cancelled(
        self, messages: list[ModelMessage] | None, before: list[ModelMessage]
    ) -> None:
        new: list[ModelMessage] = []
        if messages is not None and len(messages) >= len(before):
            self._session._history = list(messages)
            new = list(messages[len(before) :])
        self._emit(TurnCancelled(self.text, _dump(new) if new else b""))

    def _translate(self, event: object) -> None:
        from pydantic_ai import AgentRunResultEvent
        from pydantic_ai.messages import (
            FunctionToolCallEvent,
            FunctionToolResultEvent,
            PartDeltaEvent,
            PartStartEvent,
            TextPart,
            TextPartDelta,
        )

        if isinstance(event, PartStartEvent) and isinstance(event.part, TextPart):
            # The first piece of a text part arrives here, not as a delta.
            if event.part.content:
                self._emit(TextDelta(event.part.content))
        elif isinstance(event, PartDeltaEvent) and isinstance(event.delta, TextPartDelta):
            if event.delta.content_delta:
                self._emit(TextDelta(event.delta.content_delta))
        elif isinstance(event, FunctionToolCallEvent):
            part = event.part
            try:
                args = part.args_as_dict()
            except ValueError:
                args = {"raw": str(part.args)}
            self._emit(
                ToolCallStarted(
                    call_id=part.tool_call_id,
                    tool_name=part.tool_name,
                    arguments=args,
                    actions=actions_of(part.tool_name, args),
                )
            )
        elif isinstance(event, FunctionToolResultEvent):
            returned = event.part
            errors = action_errors(returned.content)
            self._emit(
                ToolCallFinished(
                    call_id=returned.tool_call_id,
                    tool_name=returned.tool_name,
                    # A router call whose E2B action failed is a failure to the user.
                    outcome="failed"
                    if errors and returned.outcome == "success"
                    else returned.outcome,
                    result_text=result_text(returned.content),
                    connect_links=connect_links_of(returned.content),
                    errors=errors,
                )
            )
        elif isinstance(event, AgentRunResultEvent):
            result = event.result
            self._session._history = list(result.all_messages())
            self._emit(
                TurnFinished(
                    text=str(result.output),
                    usage=_usage_of(result.usage),
                    messages_json=_dump(result.new_messages()),
                )
            )


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
