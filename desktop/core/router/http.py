"""A small HTTP client on the standard library, for the few requests made before the agent loads.

Creating the Tool Router session and checking its MCP endpoint are a handful of requests made
while the app sits idle; httpx (the agent's client) would add ~14 MB to an idle window for them.
`urllib` is already in memory: it runs on a worker thread, with a timeout on every request, the
system's proxy settings, certifi's CA bundle (as httpx and the OpenAI SDK use), and no redirects
(a redirect must not carry the API key elsewhere).
"""

from __future__ import annotations

import asyncio
import http.client
import json
import socket
import ssl
import urllib.error
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import Any


class TransportError(Exception):
    """The request got no HTTP answer (refused, reset, DNS, TLS): the server is unreachable."""


class RequestTimeoutError(TransportError):
    """The server did not answer within the timeout."""


@dataclass(frozen=True)
class Response:
    status: int
    headers: Mapping[str, str] = field(repr=False)  # names in lower case
    body: bytes = field(repr=False)

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")

    def json(self) -> Any:
        """The body as JSON; ValueError when it is not."""
        return json.loads(self.body)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None  # the 3xx surfaces as a plain response


@cache
def _opener() -> urllib.request.OpenerDirector:
    try:
        import certifi

        context = ssl.create_default_context(cafile=certifi.where())
    except ImportError:  # pragma: no cover - certifi comes with httpx
        context = ssl.create_default_context()
    return urllib.request.build_opener(
        urllib.request.ProxyHandler(), urllib.request.HTTPSHandler(context=context), _NoRedirect()
    )


def _is_timeout(exc: BaseException) -> bool:
    reason = getattr(exc, "reason", None)
    return isinstance(exc, TimeoutError | socket.timeout) or isinstance(reason, TimeoutError)


def request_sync(
    method: str,
    url: str,
    *,
    headers: Mapping[str, str],
    body: bytes | None = None,
    timeout: float,
) -> Response:
    """One request; an HTTP error status is a `Response` too, never an exception."""
    req = urllib.request.Request(url, data=body, headers=dict(headers), method=method)
    try:
        with _opener().open(req, timeout=timeout) as answer:
            return Response(
                answer.status, {k.lower(): v for k, v in answer.headers.items()}, answer.read()
            )
    except urllib.error.HTTPError as exc:
        with exc:
            error_body = exc.read()
        return Response(exc.code, {k.lower(): v for k, v in exc.headers.items()}, error_body)
    except (urllib.error.URLError, OSError, http.client.HTTPException) as exc:
        if _is_timeout(exc):
            raise RequestTimeoutError(str(exc)) from exc
        raise TransportError(str(getattr(exc, "reason", exc))) from exc


async def request(
    method: str,
    url: str,
    *,
    headers: Mapping[str, str],
    body: bytes | None = None,
    seconds: float,
) -> Response:
    """`request_sync` on a worker thread; the whole request (connect, send, read) is bounded."""
    try:
        async with asyncio.timeout(seconds + 1):
            return await asyncio.to_thread(
                request_sync, method, url, headers=headers, body=body, timeout=seconds
            )
    except TimeoutError as exc:
        raise RequestTimeoutError(f"no answer within {seconds:g} s") from exc
