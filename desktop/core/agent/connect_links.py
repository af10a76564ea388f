"""Which Connect Links the app offers to open, and which need a warning first.

A link to act on comes only from a `COMPOSIO_MANAGE_CONNECTIONS` answer: its
`data.results[toolkit]` with `status: "initiated"` and a `redirect_url` (the Tool Router's
shape, `shared/reference/composio-tool-router.md`). A `redirect_url` anywhere else (a sandbox's
metadata, a listing, a reply) stays text. Of those, only an https address with a plain host is
offered: no user name or password in it (`https://composio.dev@evil.example/` opens
evil.example), no whitespace, control characters or backslashes (which browsers and parsers
read differently), a host that is a dotted IP address or ASCII letters, digits and hyphens once
IDNA has made it ASCII (shown that way, so that a look-alike reads `xn--...`). Plain http only
back to the configured COMPOSIO_BASE_URL when that is plain http to this machine: the app
allows that for COMPOSIO_BASE_URL itself (the loopback fakes), and the link then goes where the
app's own requests go.

Composio's own hosts are composio.dev and its subdomains, and the configured COMPOSIO_BASE_URL's
host; a link to any other host is `foreign`, and each face warns, naming the host, before it
opens the link.
"""

from __future__ import annotations

import ipaddress
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from urllib.parse import SplitResult, urlsplit, urlunsplit

from desktop.core.agent.events import ConnectLink
from desktop.core.router.transport import is_loopback
from desktop.core.router.types import MANAGE_CONNECTIONS_TOOL

COMPOSIO_DOMAIN = "composio.dev"
MAX_URL_CHARS = 4096
MAX_TOOLKIT_CHARS = 64
_LABEL = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?")
# A last label a browser reads as a number makes the host an IPv4 address ("2130706433",
# "127.1", "0x7f.1"): only a dotted-quad address is taken as one.
_NUMERIC = re.compile(r"(?:0x[0-9a-f]*|[0-9]+)")
_TOOLKIT = re.compile(r"[A-Za-z0-9_-]+")


@dataclass(frozen=True)
class LinkOffer:
    """A Connect Link the faces may open: `url` is what opens (its host in ASCII), `host` what
    the button or line names; `foreign` links leave Composio's hosts and are warned about."""

    toolkit: str
    url: str
    host: str
    foreign: bool


@dataclass(frozen=True)
class _Target:
    scheme: str
    host: str  # ASCII, lower case, without a trailing dot; an IPv6 address without brackets
    port: int | None
    parts: SplitResult

    @property
    def netloc(self) -> str:
        return self.bracketed if self.port is None else f"{self.bracketed}:{self.port}"

    @property
    def bracketed(self) -> str:
        return f"[{self.host}]" if ":" in self.host else self.host

    @property
    def shown(self) -> str:
        """The host as a person is shown it: with its port unless that is the scheme's own."""
        default = 443 if self.scheme == "https" else 80
        return self.bracketed if self.port in (None, default) else f"{self.bracketed}:{self.port}"


def _ascii_host(hostname: str) -> str | None:
    """The host in the ASCII form a browser would look up; None if it is not a plain name."""
    try:
        return ipaddress.ip_address(hostname).compressed
    except ValueError:
        pass
    try:
        name = hostname.encode("idna").decode("ascii").lower()
    except UnicodeError:
        return None
    name = name.removesuffix(".")
    labels = name.split(".")
    if len(name) > 253 or not all(_LABEL.fullmatch(label) for label in labels):
        return None
    if _NUMERIC.fullmatch(labels[-1]):
        return None  # a number that is not a dotted-quad address (those returned above)
    return name


def _target(url: object) -> _Target | None:
    if not isinstance(url, str) or len(url) > MAX_URL_CHARS:
        return None
    if any(ch == "\\" or ch.isspace() or unicodedata.category(ch)[0] == "C" for ch in url):
        return None
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:  # a port that is not a number, a bracket left open
        return None
    if parts.scheme not in ("https", "http") or "@" in parts.netloc or not parts.hostname:
        return None
    host = _ascii_host(parts.hostname)
    if host is None:
        return None
    return _Target(parts.scheme, host, port, parts)


@dataclass(frozen=True)
class ComposioHosts:
    """Composio's own hosts for this run: composio.dev's and the configured COMPOSIO_BASE_URL's
    (None: the real service)."""

    base_url: str | None = None

    def _base(self) -> _Target | None:
        return _target(self.base_url) if self.base_url else None

    def offer(self, link: ConnectLink) -> LinkOffer | None:
        """The link as the faces offer it, or None: it is not one to act on (shown as text)."""
        target = _target(link.url)
        if target is None:
            return None
        base = self._base()
        if target.scheme == "http" and not (
            base is not None
            and base.scheme == "http"
            and is_loopback(base.host)
            and (base.host, base.port) == (target.host, target.port)
        ):
            return None
        own = target.host == COMPOSIO_DOMAIN or target.host.endswith("." + COMPOSIO_DOMAIN)
        own = own or (base is not None and target.host == base.host)
        parts = target.parts
        url = urlunsplit((target.scheme, target.netloc, parts.path, parts.query, parts.fragment))
        toolkit = link.toolkit if _TOOLKIT.fullmatch(link.toolkit) else ""
        return LinkOffer(toolkit[:MAX_TOOLKIT_CHARS], url, target.shown, foreign=not own)

    def offers(self, links: Iterable[ConnectLink]) -> tuple[LinkOffer, ...]:
        """The links to act on, in order, each once."""
        found = (self.offer(link) for link in links)
        return tuple({offer.url: offer for offer in found if offer is not None}.values())

    def links_in(self, tool_name: str, data: object) -> tuple[ConnectLink, ...]:
        """The Connect Links a tool's parsed answer carries: only a COMPOSIO_MANAGE_CONNECTIONS
        answer's initiated connections, and only those this run may offer."""
        if tool_name != MANAGE_CONNECTIONS_TOOL or not isinstance(data, Mapping):
            return ()
        inner = data.get("data")
        results = inner.get("results") if isinstance(inner, Mapping) else None
        if isinstance(results, Mapping):
            items = [(key, item) for key, item in results.items() if isinstance(key, str)]
        elif isinstance(results, list):
            items = [("", item) for item in results]
        else:
            return ()
        links: dict[str, ConnectLink] = {}
        for key, item in items:
            if not isinstance(item, Mapping) or not _initiated(item.get("status")):
                continue
            named, url = item.get("toolkit"), item.get("redirect_url")
            toolkit = named if isinstance(named, str) else key
            offer = self.offer(ConnectLink(toolkit, url)) if isinstance(url, str) else None
            if offer is not None:
                links.setdefault(offer.url, ConnectLink(toolkit, offer.url))
        return tuple(links.values())


def _initiated(status: object) -> bool:
    return isinstance(status, str) and status.strip().lower() == "initiated"
