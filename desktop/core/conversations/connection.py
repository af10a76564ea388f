"""The chat controller's backend: made from the current factory, connected, its status tracked."""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import logging
from collections.abc import Awaitable, Callable

from desktop.core.config.credentials import COMPOSIO_API_KEY, OPENAI_API_KEY, USER_ID
from desktop.core.conversations.backend import (
    BackendFactory,
    ChatBackend,
    ConnectionState,
    ConnectionStatus,
    user_error,
)
from desktop.core.errors import ErrorKind, Fix, Remedy, UserFacingError

log = logging.getLogger(__name__)
# Failures that say the connection itself is unusable, not just this one turn.
CONNECTION_KINDS = frozenset(
    {
        ErrorKind.MISSING_KEY,
        ErrorKind.KEYRING_UNREADABLE,
        ErrorKind.COMPOSIO_KEY_REJECTED,
        ErrorKind.MCP_KEY_REJECTED,
        ErrorKind.UNREACHABLE,
    }
)


def not_configured() -> UserFacingError:
    """No backend can be made: nothing is set up yet."""
    return UserFacingError.fixable(
        ErrorKind.MISSING_KEY,
        Fix(Remedy.CONFIGURE, "Not set up yet", (OPENAI_API_KEY, COMPOSIO_API_KEY, USER_ID)),
    )


def failure_status(kind: ErrorKind, message: str, fix: Fix | None = None) -> ConnectionStatus:
    """The status after a failure of `kind`: a missing key means not configured yet."""
    state = (
        ConnectionState.NOT_CONFIGURED if kind is ErrorKind.MISSING_KEY else ConnectionState.ERROR
    )
    return ConnectionStatus(state, message, fix=fix)


def error_status(error: UserFacingError) -> ConnectionStatus:
    return failure_status(error.kind, error.message, error.fix)


class BackendConnection:
    """Makes the chat backend from the factory, connects it and tracks the connection status.

    `on_status` hears every change of status; `on_made` sees each new backend before it is
    used. Tasks are started through `start`, so that the controller holds every one of them.
    """

    def __init__(
        self,
        factory: BackendFactory | None,
        *,
        start: Callable[[Awaitable[None]], asyncio.Task[None]],
        on_status: Callable[[ConnectionStatus], None],
        on_made: Callable[[ChatBackend], None],
    ) -> None:
        self._factory = factory
        self._start = start
        self._on_status = on_status
        self._on_made = on_made
        self._backend: ChatBackend | None = None
        self._status = ConnectionStatus(ConnectionState.NOT_CONFIGURED)
        self._connect_task: asyncio.Task[None] | None = None
        self._warm_task: asyncio.Task[None] | None = None
        self._warmed = False  # the agent is loaded and connected (for the current backend)

    @property
    def backend(self) -> ChatBackend | None:
        return self._backend

    @property
    def status(self) -> ConnectionStatus:
        return self._status

    @property
    def warmed(self) -> bool:
        """The agent is loaded and connected, ahead of (or by) the first turn."""
        return self._warmed

    @property
    def configured(self) -> bool:
        """A backend exists or can be made."""
        return self._factory is not None or self._backend is not None

    def set_status(self, status: ConnectionStatus) -> None:
        if status != self._status:
            log.info("connection: %s %s", status.state.value, status.detail)
            self._status = status
            self._on_status(status)

    def connect(self) -> None:
        """Create the backend (if needed) and connect it; progress shows in the status."""
        if self._connect_task is not None and not self._connect_task.done():
            return
        if self._factory is None:
            self.set_status(error_status(not_configured()))
            return
        self.set_status(ConnectionStatus(ConnectionState.CONNECTING))
        self._connect_task = self._start(self._connect())

    def reconfigure(self, factory: BackendFactory | None) -> None:
        """Drop the current backend and connect with one made by `factory`."""
        self._factory = factory
        old, self._backend = self._backend, None
        for task in (self._connect_task, self._warm_task):
            if task is not None:
                task.cancel()
        self._connect_task = self._warm_task = None
        self._warmed = False
        self._start(self._reconnect(old))

    async def _reconnect(self, old: ChatBackend | None) -> None:
        if old is not None:
            await self._close_quietly(old)
        self.connect()

    async def _connect(self) -> None:
        try:
            backend = await self.ensure()
            info = await backend.check()
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            self.set_status(error_status(user_error(exc)))
            return
        count = len(info.tool_names)
        self.set_status(
            ConnectionStatus(
                ConnectionState.READY,
                f"{count} tool{'s' if count != 1 else ''}",
                tuple(info.tool_names),
            )
        )

    def warm(self) -> None:
        """Load the agent and open its connection ahead of the first turn (once; again after
        a failure). Failures that make the connection unusable show in the status."""
        if not self.configured or self._warmed:
            return
        if self._warm_task is not None and not self._warm_task.done():
            return
        self._warm_task = self._start(self._warm())

    async def _warm(self) -> None:
        await self.wait_connecting()
        try:
            backend = await self.ensure()
            await backend.connect()
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # the next warm() (or the turn) tries again
            error = user_error(exc)
            log.info("loading the agent ahead of the first turn failed: %s", error.message)
            if error.kind in CONNECTION_KINDS:
                self.set_status(error_status(error))
            return
        self._warmed = True

    async def wait_connecting(self) -> None:
        """Let a connection under way finish first, however it ends."""
        if self._connect_task is not None and not self._connect_task.done():
            with contextlib.suppress(Exception):
                await asyncio.shield(self._connect_task)

    async def ensure(self) -> ChatBackend:
        """The backend, made now if there is none yet."""
        if self._backend is None:
            if self._factory is None:
                raise not_configured()
            made = self._factory()
            backend = await made if inspect.isawaitable(made) else made
            if self._backend is not None:  # another task made one meanwhile
                return self._backend
            self._on_made(backend)
            self._backend = backend
        return self._backend

    async def aclose(self) -> None:
        """Close the backend (its tasks are the controller's to cancel first)."""
        backend, self._backend = self._backend, None
        if backend is not None:
            await self._close_quietly(backend)

    @staticmethod
    async def _close_quietly(backend: ChatBackend) -> None:
        try:
            await backend.aclose()
        except Exception:
            log.warning("closing the chat backend failed", exc_info=True)
