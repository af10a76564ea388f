"""Serve ASGI apps with uvicorn on 127.0.0.1 in background threads; dead and closed ports."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import selectors
import socket
import threading
import time
from collections.abc import Callable
from types import TracebackType
from typing import Self

import uvicorn
from starlette.types import ASGIApp

LOOPBACK = "127.0.0.1"


class DroppedConnectionError(Exception):
    """Raised by a fake's handler to cut its connection (mid-stream, mid-upload)."""


class _HideDrops(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        exc = record.exc_info[1] if record.exc_info else None
        while exc is not None:
            if isinstance(exc, DroppedConnectionError):
                return False
            exc = exc.__cause__ or exc.__context__
        return True


_HIDE_DROPS = _HideDrops()


def hide_dropped_connections() -> None:
    """Keep uvicorn from logging the tracebacks of connections a fake cut on purpose."""
    logging.getLogger("uvicorn.error").addFilter(_HIDE_DROPS)


def _bind(port: int = 0) -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((LOOPBACK, port))
    except OSError:
        sock.close()
        raise
    sock.set_inheritable(True)
    return sock


class Lifecycle:
    """`with` support for anything with `start()` and `stop()`: enter starts, exit stops."""

    def start(self) -> object:
        raise NotImplementedError

    def stop(self) -> None:
        raise NotImplementedError

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


class _PromptServer(uvicorn.Server):
    """uvicorn's server, stopping as soon as it is asked to.

    uvicorn checks `should_exit` every 0.1 s and sleeps 0.1 s more while it shuts down; the
    fakes start and stop around every test, so here a stop request wakes the main loop at once
    and the shutdown waits for the connections to close in steps of 5 ms instead. Otherwise the
    shutdown is uvicorn's: stop accepting, close the connections, give the requests in flight
    `timeout_graceful_shutdown` seconds, cancel what is left, then the lifespan's shutdown.
    """

    _loop: asyncio.AbstractEventLoop | None = None
    _wake: asyncio.Event | None = None

    def wake(self) -> None:
        """Thread-safe: let the main loop see `should_exit` / `force_exit` now."""
        loop, wake = self._loop, self._wake
        if loop is not None and wake is not None:
            with contextlib.suppress(RuntimeError):  # the loop has already closed
                loop.call_soon_threadsafe(wake.set)

    async def main_loop(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._wake = wake = asyncio.Event()
        counter = 0
        while not await self.on_tick(counter):
            counter = (counter + 1) % 864000
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(wake.wait(), 0.1)
            wake.clear()

    async def _connections_closed(self) -> None:
        state = self.server_state
        # uvicorn announces no event when its last connection or task ends: check often.
        while (state.connections or state.tasks) and not self.force_exit:  # noqa: ASYNC110
            await asyncio.sleep(0.005)
        for server in self.servers:
            await server.wait_closed()

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        for server in self.servers:
            server.close()
        for sock in sockets or []:
            sock.close()
        for connection in list(self.server_state.connections):
            connection.shutdown()
        try:
            await asyncio.wait_for(
                self._connections_closed(), timeout=self.config.timeout_graceful_shutdown
            )
        except TimeoutError:
            for task in self.server_state.tasks:
                task.cancel(msg="Task cancelled, timeout graceful shutdown exceeded")
        if not self.force_exit:
            await self.lifespan.shutdown()


class ServerThread(Lifecycle):
    """One uvicorn server on a pre-bound loopback socket, served from a daemon thread.

    `app_factory` is called on every `start()` so that apps whose lifespan can only run
    once (the MCP session manager) get a fresh instance.
    """

    def __init__(
        self,
        app_factory: Callable[[], ASGIApp],
        *,
        port: int = 0,
        name: str = "fake-server",
        on_stop: Callable[[], None] | None = None,
    ) -> None:
        self._app_factory = app_factory
        self._requested_port = port
        self._name = name
        self._on_stop = on_stop
        self._server: _PromptServer | None = None
        self._thread: threading.Thread | None = None
        self._sock: socket.socket | None = None
        self.port = 0

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    @property
    def base_url(self) -> str:
        if not self.port:
            raise RuntimeError(f"{self._name} is not started")
        return f"http://{LOOPBACK}:{self.port}"

    def start(self, timeout: float = 10.0) -> None:
        if self.running:
            return
        sock = _bind(self._requested_port)
        self._sock = sock
        self.port = sock.getsockname()[1]
        config = uvicorn.Config(
            self._app_factory(),
            host=LOOPBACK,
            port=self.port,
            log_level="warning",
            access_log=False,
            lifespan="on",
            http="h11",
            ws="none",
            loop="asyncio",
            timeout_graceful_shutdown=1,
            timeout_keep_alive=5,
        )
        server = _PromptServer(config)
        self._server = server
        thread = threading.Thread(
            target=server.run, kwargs={"sockets": [sock]}, name=self._name, daemon=True
        )
        self._thread = thread
        thread.start()
        deadline = time.monotonic() + timeout
        while not server.started:
            if not thread.is_alive():
                self._cleanup()
                raise RuntimeError(f"{self._name} failed to start")
            if time.monotonic() > deadline:
                self.request_stop()
                self.join()
                raise TimeoutError(f"{self._name} did not start within {timeout} s")
            time.sleep(0.005)

    def request_stop(self) -> None:
        """Ask the server to stop without waiting (lets several servers stop in parallel)."""
        if self._on_stop is not None:
            self._on_stop()
        if self._server is not None:
            self._server.should_exit = True
            self._server.wake()

    def join(self, timeout: float = 10.0) -> None:
        thread = self._thread
        if thread is not None:
            thread.join(timeout)
            if thread.is_alive() and self._server is not None:
                self._server.force_exit = True
                self._server.wake()
                thread.join(timeout)
        self._cleanup()

    def stop(self, timeout: float = 10.0) -> None:
        self.request_stop()
        self.join(timeout)

    def _cleanup(self) -> None:
        if self._sock is not None:
            self._sock.close()
            self._sock = None
        self._thread = None
        self._server = None


class DeadServer(Lifecycle):
    """A loopback port that accepts TCP connections and never answers (for timeout tests)."""

    def __init__(self) -> None:
        self._listener: socket.socket | None = None
        self._conns: list[socket.socket] = []
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.port = 0

    @property
    def base_url(self) -> str:
        return f"http://{LOOPBACK}:{self.port}"

    @property
    def accepted(self) -> int:
        """How many connections were accepted so far."""
        return len(self._conns)

    def start(self) -> None:
        listener = _bind(0)
        listener.listen(64)
        listener.setblocking(False)
        self._listener = listener
        self.port = listener.getsockname()[1]
        self._thread = threading.Thread(target=self._serve, name="dead-server", daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        assert self._listener is not None
        with selectors.DefaultSelector() as selector:
            selector.register(self._listener, selectors.EVENT_READ)
            while not self._stop.is_set():
                if selector.select(timeout=0.05):
                    with contextlib.suppress(BlockingIOError, OSError):
                        conn, _ = self._listener.accept()
                        self._conns.append(conn)

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(5)
            self._thread = None
        for conn in self._conns:
            conn.close()
        self._conns.clear()
        if self._listener is not None:
            self._listener.close()
            self._listener = None


class ServedFake(Lifecycle):
    """A fake served by one `ServerThread` in `self._server`: port, URL and lifecycle."""

    _server: ServerThread

    @property
    def port(self) -> int:
        return self._server.port

    @property
    def base_url(self) -> str:
        return self._server.base_url

    def start(self) -> Self:
        self._server.start()
        return self

    def request_stop(self) -> None:
        self._server.request_stop()

    def join(self) -> None:
        self._server.join()

    def stop(self) -> None:
        self._server.stop()


def closed_port() -> int:
    """A loopback port nobody listens on (connections are refused)."""
    sock = _bind(0)
    port: int = sock.getsockname()[1]
    sock.close()
    return port


def closed_url() -> str:
    """`http://127.0.0.1:<closed port>`: an unreachable server."""
    return f"http://{LOOPBACK}:{closed_port()}"
