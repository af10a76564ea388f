"""The app's own HTTP client: one shared `httpx.AsyncClient` and what a failed request means.

The app's own requests (the Tool Router session, the light MCP check) go through one client,
made once and passed to whoever sends them, so that they share a pool of kept-alive connections.
The client
- bounds every request (`Timeouts`; callers pass a tighter bound per request where they have one);
- never follows a redirect: a 3xx is an answer like any other, so the API key in the request's
  headers never travels to the address a server names;
- takes proxies from the environment (`HTTPS_PROXY`, `NO_PROXY` ...), except for this machine:
  a request to loopback never goes through a proxy (`router.transport`, `router.loopback_direct`);
- bounds every answer's body (`MAX_RESPONSE_BYTES`), as it arrives and once decoded: an endless
  event stream, a huge body or a small compressed one that inflates to gigabytes fails with
  `ResponseTooLargeError` instead of growing the app's memory; it asks only for the codings
  whose decoded size it counts (`bounded_body.ACCEPT_ENCODING`);
- verifies TLS as httpx does: certifi's CA bundle, or `SSL_CERT_FILE`/`SSL_CERT_DIR` when set
  (a corporate CA that inspects TLS; `desktop.frozen` sets it where a frozen build needs it).

httpx is imported when the first client is made (callers import `HTTP_CLIENT` off the event loop
first, see `desktop.core.lazy_imports`): importing this module costs nothing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from desktop.core.errors import ErrorKind, Remote, UserFacingError, timed_out, unreachable
from desktop.core.router.types import ResponseTooLargeError, Timeouts

if TYPE_CHECKING:
    import httpx

USER_AGENT = "e2b-agent"

MAX_RESPONSE_BYTES = 4 * 1024 * 1024  # of one answer's body: the app's answers are a few KiB


def new_http_client(timeouts: Timeouts | None = None) -> httpx.AsyncClient:
    """The client for the app's own requests; its owner closes it (`await client.aclose()`)."""
    import httpx

    from desktop.core.router.bounded_body import ACCEPT_ENCODING, body_bound
    from desktop.core.router.loopback_direct import httpx_mounts

    return httpx.AsyncClient(
        timeout=httpx.Timeout((timeouts or Timeouts()).composio_request),
        follow_redirects=False,
        trust_env=True,
        # Loopback past any proxy of the environment.
        mounts=httpx_mounts(),
        # A hook, not a wrapping transport: it bounds whichever transport a request takes,
        # a proxy's too.
        event_hooks={"response": [body_bound(MAX_RESPONSE_BYTES)]},
        headers={"user-agent": USER_AGENT, "accept-encoding": ACCEPT_ENCODING},
    )


def is_timeout(exc: BaseException) -> bool:
    """The request (or the whole exchange around it) ran out of time."""
    import httpx

    return isinstance(exc, TimeoutError | httpx.TimeoutException)


def no_answer(exc: BaseException) -> bool:
    """The request got no HTTP answer: refused, reset, DNS, TLS, a proxy that failed."""
    import httpx

    return isinstance(exc, httpx.TransportError) and not is_timeout(exc)


def request_failure(exc: BaseException, remote: Remote, seconds: float) -> UserFacingError | None:
    """The sentence for a request to `remote` that timed out, got no answer or too long a one;
    None for other failures."""
    if is_timeout(exc):
        return timed_out(remote, seconds)
    if no_answer(exc):
        return unreachable(remote)
    if isinstance(exc, ResponseTooLargeError):
        return UserFacingError(
            ErrorKind.SERVER_ERROR,
            f"{remote.named(start=True)} answered with more data than expected: try again in a "
            "moment.",
            service=remote.service,
        )
    return None


async def open_http_client(timeouts: Timeouts | None = None) -> httpx.AsyncClient:
    """`new_http_client`, with httpx imported off the event loop first (it weighs ~80 ms)."""
    from desktop.core.lazy_imports import HTTP_CLIENT, import_off_loop

    await import_off_loop(HTTP_CLIENT)
    return new_http_client(timeouts)
