"""The app's own HTTP client: one shared `httpx.AsyncClient` and what a failed request means.

The app's own requests (the Tool Router session, the light MCP check) go through one client,
made once and passed to whoever sends them, so that they share a pool of kept-alive connections.
The client
- bounds every request (`Timeouts`; callers pass a tighter bound per request where they have one);
- never follows a redirect: a 3xx is an answer like any other, so the API key in the request's
  headers never travels to the address a server names;
- takes proxies from the environment (`HTTPS_PROXY`, `NO_PROXY` ...), except for this machine:
  a request to loopback never goes through a proxy;
- trusts certifi's CA bundle, as httpx and the OpenAI SDK do (the system's without certifi).

httpx is imported when the first client is made (callers import `HTTP_CLIENT` off the event loop
first, see `desktop.core.lazy_imports`): importing this module costs nothing.
"""

from __future__ import annotations

import ssl
from functools import cache
from typing import TYPE_CHECKING

from desktop.core.errors import UserFacingError, timed_out, unreachable
from desktop.core.router.types import Timeouts

if TYPE_CHECKING:
    import httpx

USER_AGENT = "e2b-agent"

# The loopback names a URL can carry. httpx's URL patterns name hosts, not address ranges: the
# rest of 127.0.0.0/8 follows NO_PROXY. A mount of None is the client's own transport: no proxy.
LOOPBACK_MOUNTS: tuple[str, ...] = ("all://localhost", "all://127.0.0.1", "all://[::1]")


@cache  # reading the CA bundle takes ~15 ms: once per process
def _ssl_context() -> ssl.SSLContext:
    try:
        import certifi
    except ImportError:  # pragma: no cover - certifi comes with httpx
        return ssl.create_default_context()
    return ssl.create_default_context(cafile=certifi.where())


def new_http_client(timeouts: Timeouts | None = None) -> httpx.AsyncClient:
    """The client for the app's own requests; its owner closes it (`await client.aclose()`)."""
    import httpx

    return httpx.AsyncClient(
        timeout=httpx.Timeout((timeouts or Timeouts()).composio_request),
        follow_redirects=False,
        trust_env=True,
        mounts=dict.fromkeys(LOOPBACK_MOUNTS),
        verify=_ssl_context(),
        headers={"user-agent": USER_AGENT},
    )


def is_timeout(exc: BaseException) -> bool:
    """The request (or the whole exchange around it) ran out of time."""
    import httpx

    return isinstance(exc, TimeoutError | httpx.TimeoutException)


def no_answer(exc: BaseException) -> bool:
    """The request got no HTTP answer: refused, reset, DNS, TLS, a proxy that failed."""
    import httpx

    return isinstance(exc, httpx.TransportError) and not is_timeout(exc)


def request_failure(
    exc: BaseException, service: str, where: str, seconds: float
) -> UserFacingError | None:
    """The sentence for a request that timed out or got no answer; None for other failures.

    `service` names the other side ("Composio", "the Tool Router"), `where` its host.
    """
    if is_timeout(exc):
        return timed_out(f"{service[0].upper()}{service[1:]} ({where})", seconds)
    if no_answer(exc):
        return unreachable(service, where)
    return None


async def open_http_client(timeouts: Timeouts | None = None) -> httpx.AsyncClient:
    """`new_http_client`, with httpx imported off the event loop first (it weighs ~80 ms)."""
    from desktop.core.lazy_imports import HTTP_CLIENT, import_off_loop

    await import_off_loop(HTTP_CLIENT)
    return new_http_client(timeouts)
