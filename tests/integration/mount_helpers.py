"""The mount's and the workbench's tests on the fakes: a `FilesMount` with the app's two HTTP
clients, and the real SDK."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

import httpx
from composio import Composio

from desktop.core.router.files_mount import FilesMount
from desktop.core.router.http import new_http_client
from desktop.core.router.presigned import new_transfer_client
from desktop.core.router.rest import open_router_session
from desktop.core.router.types import Timeouts
from tests.fakes.harness import FakeServices
from tests.integration.chat_helpers import FAST_TIMEOUTS, run

T = TypeVar("T")

SALES_CSV = "region,month,revenue\nNorth,Jan,100\nSouth,Jan,80\nNorth,Feb,120\nSouth,Feb,95\n"
"""The CSV of flow 1 (issue 11): its mean revenue is 98.75, North's total 220."""


def mount_files(fs: FakeServices) -> dict[str, bytes]:
    """Every file in the fake files mounts of all sessions, by name."""
    files: dict[str, bytes] = {}
    for sid in fs.composio.sessions:
        files |= fs.composio.files.files(sid)
    return files


def with_mount(
    fs: FakeServices,
    use: Callable[[FilesMount, str], Awaitable[T]],
    *,
    timeouts: Timeouts = FAST_TIMEOUTS,
    session_id: str | None = None,
    api_key: str | None = None,
) -> T:
    """`use(mount, session_id)` with the app's two clients, on this test's event loop."""

    async def scenario() -> T:
        async with new_http_client(timeouts) as api, new_transfer_client(timeouts) as transfers:
            sid = session_id
            if sid is None:
                session = await open_router_session(
                    api,
                    api_key=fs.composio_api_key,
                    user_id=fs.user_id,
                    toolkits=["e2b"],
                    base_url=fs.composio_base_url,
                    timeouts=timeouts,
                )
                sid = session.session_id
            mount = FilesMount(
                api,
                transfers,
                session_id=sid,
                api_key=api_key or fs.composio_api_key,
                base_url=fs.composio_base_url,
                timeouts=timeouts,
            )
            return await use(mount, sid)

    return run(scenario())


@contextmanager
def composio_sdk(fs: FakeServices) -> Iterator[Composio[Any, Any]]:
    """The real Composio SDK pointed at the fake (its own httpx client, closed at the end)."""
    with httpx.Client(timeout=10) as http:
        yield Composio(
            api_key=fs.composio_api_key,
            base_url=fs.composio_base_url,
            timeout=10,
            max_retries=0,
            allow_tracking=False,
            http_client=http,
        )


def sdk_session(fs: FakeServices) -> Any:
    """A Tool Router session made by the SDK (with its MCP address and headers)."""
    with composio_sdk(fs) as composio:
        return composio.create(user_id=fs.user_id, toolkits=["e2b"], mcp=True)
