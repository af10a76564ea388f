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
    ServiceStatus,
    user_error,
)
from desktop.core.errors import ErrorKind, Fix, Remedy, Service, UserFacingError

log = logging.getLogger(__name__)
# Failures that say the connection itself is unusable, not just this one turn.
CONNECTION_KINDS = frozenset(
    {
        ErrorKind.MISSING_KEY,
        ErrorKind.KEYRING_UNREADABLE,
        ErrorKind.COMPOSIO_KEY_REJECTED,
        ErrorKind.MCP_KEY_REJECTED,
        ErrorKind.OPENAI_KEY_REJECTED,
        ErrorKind.UNREACHABLE,
    }
)
ROUTER_SERVICES = (Service.COMPOSIO, Service.TOOL_ROUTER)  # what the light check reaches
# The overall state is the first of these any service is in (else READY).
_WORST_FIRST = (ConnectionState.ERROR, ConnectionState.NOT_CONFIGURED, ConnectionState.CONNECTING)


def not_configured() -> UserFacingError:
    """No backend can be made: nothing is set up yet."""
    return UserFacingError.fixable(
        ErrorKind.MISSING_KEY,
        Fix(Remedy.CONFIGURE, "Not set up yet", (OPENAI_API_KEY, COMPOSIO_API_KEY, USER_ID)),
    )


class BackendConnection:
    """Makes the chat backend from the factory, connects it and tracks the connection status.

    The status is each service's own state (the model server, Composio, the Tool Router) and,
    from them, whether the app can send: a failure marks the service it names, not the others.
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
        self._model: str | None = None  # the switcher's choice for the next turns, else None
        self._services = {
            service: ServiceStatus(service, ConnectionState.NOT_CONFIGURED) for service in Service
        }
        if factory is not None:  # set up: the model is not asked until the first reply
            self._services[Service.MODEL] = ServiceStatus(Service.MODEL, ConnectionState.UNKNOWN)
        self._tool_names: tuple[str, ...] = ()
        self._status = self._overall()
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

    # -- status ------------------------------------------------------------------------------
    def _overall(self) -> ConnectionStatus:
        services = tuple(self._services[service] for service in Service)
        for state in _WORST_FIRST:
            for status in services:
                if status.state is state:
                    return ConnectionStatus(
                        state, status.detail, self._tool_names, status.fix, services
                    )
        router = self._services[Service.TOOL_ROUTER]
        return ConnectionStatus(
            ConnectionState.READY, router.detail, self._tool_names, None, services
        )

    def _set(self, *changes: ServiceStatus) -> None:
        for change in changes:
            self._services[change.service] = change
        status = self._overall()
        if status != self._status:
            log.info("connection: %s %s", status.state.value, status.detail)
            self._status = status
            self._on_status(status)

    def _state(self, service: Service) -> ConnectionState:
        return self._services[service].state

    def record_failure(self, error: UserFacingError) -> None:
        """A failure that makes a connection unusable: the service it names is marked (a
        missing key: nothing is set up); one not reached because of it is not known."""
        if error.kind is ErrorKind.MISSING_KEY:
            self._set(
                *(
                    ServiceStatus(s, ConnectionState.NOT_CONFIGURED, error.message, error.fix)
                    for s in Service
                )
            )
            return
        failed = [error.service] if error.service is not None else []
        if not failed:  # nobody named: whatever was being reached (else the router) failed
            connecting = [s for s in Service if self._state(s) is ConnectionState.CONNECTING]
            failed = connecting or list(ROUTER_SERVICES)
        changes = [
            ServiceStatus(s, ConnectionState.ERROR, error.message, error.fix) for s in failed
        ]
        for service in ROUTER_SERVICES:
            if service not in failed and self._state(service) is ConnectionState.CONNECTING:
                # Composio answered if the Tool Router was reached; not the other way round.
                reached = error.service is Service.TOOL_ROUTER and service is Service.COMPOSIO
                state = ConnectionState.READY if reached else ConnectionState.UNKNOWN
                changes.append(ServiceStatus(service, state))
        self._set(*changes)

    def record_reply(self) -> None:
        """A turn finished: the model answered, and the tools it was given were listed."""
        changes = [ServiceStatus(Service.MODEL, ConnectionState.READY)]
        for service in ROUTER_SERVICES:
            if self._state(service) is not ConnectionState.READY:
                changes.append(self._ready(service))
        self._set(*changes)

    def _ready(self, service: Service) -> ServiceStatus:
        if service is Service.TOOL_ROUTER and self._tool_names:
            count = len(self._tool_names)
            detail = f"{count} tool{'s' if count != 1 else ''}"
            return ServiceStatus(service, ConnectionState.READY, detail)
        return ServiceStatus(service, ConnectionState.READY)

    # -- connecting --------------------------------------------------------------------------
    def connect(self) -> None:
        """Create the backend (if needed) and connect it; progress shows in the status."""
        if self._connect_task is not None and not self._connect_task.done():
            return
        if self._factory is None:
            self.record_failure(not_configured())
            return
        model = self._services[Service.MODEL]
        if model.state is ConnectionState.NOT_CONFIGURED:
            model = ServiceStatus(Service.MODEL, ConnectionState.UNKNOWN)
        connecting = (ServiceStatus(s, ConnectionState.CONNECTING) for s in ROUTER_SERVICES)
        self._set(model, *connecting)
        self._connect_task = self._start(self._connect())

    def use_model(self, model: str) -> None:
        """The next turns go to `model` (the conversation going on), in this backend and in
        any made later, until new settings bring back their own model."""
        self._model = model
        if self._backend is not None:
            self._backend.use_model(model)

    def reconfigure(self, factory: BackendFactory | None) -> None:
        """Drop the current backend and connect with one made by `factory` (on the settings'
        model: a switch made before is forgotten)."""
        self._factory = factory
        self._model = None
        old, self._backend = self._backend, None
        for task in (self._connect_task, self._warm_task):
            if task is not None:
                task.cancel()
        self._connect_task = self._warm_task = None
        self._warmed = False
        # New keys or settings: what the model said of the old ones no longer holds.
        self._services[Service.MODEL] = ServiceStatus(Service.MODEL, ConnectionState.UNKNOWN)
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
            self.record_failure(user_error(exc))
            return
        self._tool_names = tuple(info.tool_names)
        self._set(*(self._ready(service) for service in ROUTER_SERVICES))

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
                self.record_failure(error)
            return
        self._warmed = True

    async def wait_warm(self) -> None:
        """Load the agent now, if it is not yet, and wait for it; a failure is left to the turn
        that follows (it tries again and says why)."""
        self.warm()
        if self._warm_task is not None and not self._warm_task.done():
            with contextlib.suppress(Exception):
                await asyncio.shield(self._warm_task)

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
            if self._model is not None:
                backend.use_model(self._model)
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
