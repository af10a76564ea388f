"""A `FilesMount` on the fakes, with the app's two HTTP clients, for the mount's tests."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TypeVar

from desktop.core.router.files_mount import FilesMount
from desktop.core.router.http import new_http_client
from desktop.core.router.presigned import new_transfer_client
from desktop.core.router.rest import open_router_session
from desktop.core.router.types import Timeouts
from tests.fakes.harness import FakeServices
from tests.integration.chat_helpers import FAST_TIMEOUTS, run

T = TypeVar("T")


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
