"""Where a key may travel, and by which route: the one rule every HTTP client of the app obeys.

- A key goes only over https, or in plain http to this machine (`is_loopback`: `localhost`,
  127.0.0.0/8, `::1`), judged by the host the request really goes to: the host after any
  `user:pass@`, so `http://evil.example:80@127.0.0.1/` is loopback and `http://127.0.0.1@evil.
  example/` or `http://127.0.0.1.evil.example/` are not. An address a parser could read two
  ways (spaces, control characters) is refused. Plain http to another machine needs the user's
  explicit consent, given per model provider (a LAN Ollama; `agent.build.model_endpoint_refusal`
  asks whether it was given for the provider at hand), never for Composio.
- A request to this machine never goes through a proxy, whatever `HTTP_PROXY`, `HTTPS_PROXY`,
  `ALL_PROXY` or `NO_PROXY` say: a proxy elsewhere would carry a loopback key across the network.
  Every client the app makes gets its routes here: the agent's MCP client and the OpenAI client
  (httpx2, their SDKs' library, which routes by address range: `all://127.0.0.0/8`) and the
  app's own httpx client (`router.http`, routed by `router.loopback_direct`, as httpx 0.28's
  patterns name hosts only). Other proxy handling is the libraries' own.

Importing this module costs nothing: httpx and httpx2 come with the first client.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from typing import TYPE_CHECKING
from urllib.parse import SplitResult, urlsplit

if TYPE_CHECKING:
    import httpx2

LOOPBACK_V4 = ipaddress.IPv4Network("127.0.0.0/8")
LOOPBACK_V6 = ipaddress.IPv6Address("::1")
# httpx2 also takes networks: the whole of loopback.
_HTTPX2_LOOPBACK_PATTERNS = ("all://localhost", "all://127.0.0.0/8", "all://[::1]/128")


def is_loopback(host: str | None) -> bool:
    """`host` (as a URL names it, without brackets) is this machine: localhost, 127.0.0.0/8 or
    ::1. Other spellings a resolver might also take (`127.1`, `2130706433`, `localhost.`, an
    IPv4-mapped `::ffff:127.0.0.1`) are not: the rule fails closed."""
    if not host:
        return False
    if host.lower() == "localhost":
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv4Address):
        return address in LOOPBACK_V4
    return address == LOOPBACK_V6


def _parts(url: str) -> SplitResult | None:
    """The URL's parts, or None for one that does not parse or that parsers may read apart."""
    if any(char.isspace() or ord(char) < 0x20 or ord(char) == 0x7F for char in url):
        return None
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 -- the port is checked only when it is read
    except ValueError:
        return None
    return parts if parts.hostname else None


def where(url: str) -> str:
    """The host (and port) a request to `url` goes to, fit to name in a sentence: never the
    `user:pass@` before it."""
    parts = _parts(url)
    if parts is None or parts.hostname is None:
        return "an unusable address"
    host = f"[{parts.hostname}]" if ":" in parts.hostname else parts.hostname
    return f"{host}:{parts.port}" if parts.port is not None else host


def key_route_problem(url: str, *, plain_http_allowed: bool = False) -> str | None:
    """Why a request carrying a key may not go to `url`, as a noun phrase ("plain http:// to
    another machine (10.0.0.5)"), or None when it may. `plain_http_allowed`: the user agreed
    that this endpoint may be plain http on another machine (a model server, for its own
    provider only: `agent.build.model_endpoint_refusal`)."""
    parts = _parts(url)
    if parts is None:
        return "an address the app cannot read one way only (no host, a space or a control code)"
    if parts.scheme == "https":
        return None
    if parts.scheme != "http":
        return "neither https:// nor http://"
    if is_loopback(parts.hostname) or plain_http_allowed:
        return None
    return f"plain http:// to another machine ({where(url)})"


def key_may_travel_to(url: str, *, plain_http_allowed: bool = False) -> bool:
    """An https address, or plain http to this machine: where a request may carry a key."""
    return key_route_problem(url, plain_http_allowed=plain_http_allowed) is None


def httpx2_mounts() -> dict[str, httpx2.AsyncBaseTransport | None]:
    """Mounts for an `httpx2.AsyncClient`: all of loopback straight to its own transport (the
    environment's proxies and NO_PROXY apply to everything else, as httpx2 reads them)."""
    return dict.fromkeys(_HTTPX2_LOOPBACK_PATTERNS)


def new_model_http_client(
    read_timeout: float = 120.0, connect_timeout: float = 10.0
) -> httpx2.AsyncClient:
    """Every model SDK's client (openai, anthropic, google-genai): their own library, with
    loopback past any proxy. It follows no redirect (the SDKs' own would): httpx2 drops the key
    when one leaves the origin, but a 307 sends the conversation on to wherever it points, plain
    http included. The openai and anthropic SDKs set each request's timeout; google-genai takes
    this client's."""
    import httpx2

    return httpx2.AsyncClient(
        follow_redirects=False,
        mounts=httpx2_mounts(),
        timeout=httpx2.Timeout(read_timeout, connect=connect_timeout),
    )


def new_mcp_http_client(headers: Mapping[str, str], read_timeout: float) -> httpx2.AsyncClient:
    """The agent's MCP client's HTTP client, holding the session's `x-api-key`. It follows no
    redirect: httpx2 would carry `x-api-key` (not `Authorization`) to wherever a server points.
    The timeouts are the MCP client's own defaults: 30 s, reads at least 300 s (the MCP session
    bounds each request itself)."""
    import httpx2

    return httpx2.AsyncClient(
        headers=dict(headers),
        timeout=httpx2.Timeout(30.0, read=max(300.0, read_timeout)),
        follow_redirects=False,
        mounts=httpx2_mounts(),
    )
