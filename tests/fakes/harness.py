"""`FakeServices`: the fake OpenAI server and fake Composio backend (+ E2B emulator) together."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Any, Self

from tests.fakes.composio_backend import TEST_COMPOSIO_KEY, ComposioFake
from tests.fakes.e2b_emulator import E2BEmulator
from tests.fakes.openai_server import TEST_OPENAI_KEY, OpenAIFake
from tests.fakes.serving import (
    LOOPBACK,
    DeadServer,
    Lifecycle,
    ServerThread,
    closed_port,
    closed_url,
)

TEST_USER_ID = "test-user"

__all__ = [
    "LOOPBACK",
    "TEST_COMPOSIO_KEY",
    "TEST_OPENAI_KEY",
    "TEST_USER_ID",
    "DeadServer",
    "FakeServices",
    "ServerThread",
    "closed_port",
    "closed_url",
]


class FakeServices(Lifecycle):
    """Both fakes on loopback. Use as a context manager or call `start()` / `stop()`.

    `e2b_connected=False` starts with E2B not connected (Connect Link flow);
    `seed` is passed to `E2BEmulator` (True = one running + one paused sandbox, False = none),
    and `e2b_clock`, the time its sandboxes live by (a test's own clock: no waiting).
    """

    def __init__(
        self,
        *,
        e2b_connected: bool = True,
        seed: bool | Sequence[dict[str, Any]] = True,
        openai_port: int = 0,
        composio_port: int = 0,
        openai_api_key: str = TEST_OPENAI_KEY,
        composio_api_key: str = TEST_COMPOSIO_KEY,
        user_id: str = TEST_USER_ID,
        e2b_clock: Callable[[], float] = time.time,
    ) -> None:
        self.e2b = E2BEmulator(connected=e2b_connected, seed=seed, clock=e2b_clock)
        self.openai = OpenAIFake(port=openai_port)
        self.composio = ComposioFake(emulator=self.e2b, port=composio_port)
        self.openai_api_key = openai_api_key
        self.composio_api_key = composio_api_key
        self.user_id = user_id

    @property
    def openai_base_url(self) -> str:
        """`http://127.0.0.1:PORT/v1`."""
        return self.openai.base_url

    @property
    def composio_base_url(self) -> str:
        """`http://127.0.0.1:PORT` (session API and MCP endpoint share this origin)."""
        return self.composio.base_url

    def env(self) -> dict[str, str]:
        """Environment variables that point the app (or the SDKs) at the fakes."""
        return {
            "OPENAI_BASE_URL": self.openai_base_url,
            "COMPOSIO_BASE_URL": self.composio_base_url,
            "OPENAI_API_KEY": self.openai_api_key,
            "COMPOSIO_API_KEY": self.composio_api_key,
            "USER_ID": self.user_id,
        }

    def start(self) -> Self:
        self.openai.start()
        try:
            self.composio.start()
        except BaseException:
            self.openai.stop()
            raise
        return self

    def stop(self) -> None:
        """Stop both servers (in parallel); hanging requests are released first."""
        self.openai.request_stop()
        self.composio.request_stop()
        self.openai.join()
        self.composio.join()

    def reset(self) -> None:
        """Fresh state without restarting: scripts, records, sessions, behaviour, emulator."""
        self.openai.reset()
        self.composio.reset()
