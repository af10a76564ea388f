"""Loopback past every proxy for the app's own httpx client (httpx 0.28 names hosts, not ranges).

httpx mounts the environment's proxies (`HTTP_PROXY`, `HTTPS_PROXY`, `ALL_PROXY`) by URL
pattern, and its patterns name hosts: `all://127.0.0.1` can be mounted past a proxy, the rest of
127.0.0.0/8 cannot. So each of those proxies is mounted here in `LoopbackDirect`, which sends a
request to this machine (`transport.is_loopback`) by a direct transport and every other by the
proxy, in place of the one httpx would mount for the same pattern; httpx's own `NO_PROXY`
mounts stay. The three loopback names go to the client's own transport, as before.

Imports httpx: `router.http` imports this module when it makes its first client.
"""

from __future__ import annotations

from urllib.request import getproxies

import httpx

from desktop.core.router.transport import is_loopback

LOOPBACK_HOSTS: tuple[str, ...] = ("localhost", "127.0.0.1", "::1")
_PROXY_SCHEMES = ("http", "https", "all")


class LoopbackDirect(httpx.AsyncBaseTransport):
    """Requests to this machine by `direct`, all others by `proxied` (a proxy's transport)."""

    def __init__(self, direct: httpx.AsyncBaseTransport, proxied: httpx.AsyncBaseTransport) -> None:
        self._direct = direct
        self._proxied = proxied

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        chosen = self._direct if is_loopback(request.url.host) else self._proxied
        return await chosen.handle_async_request(request)

    async def aclose(self) -> None:
        await self._direct.aclose()
        await self._proxied.aclose()


def environment_proxies() -> dict[str, str]:
    """The proxies httpx takes from the environment, by its mount pattern ("https://": URL):
    the same source (`urllib.request.getproxies`) read the same way, `NO_PROXY=*` included."""
    found = getproxies()
    if any(name.strip() == "*" for name in found.get("no", "").split(",")):
        return {}
    return {
        f"{scheme}://": url if "://" in url else f"http://{url}"
        for scheme in _PROXY_SCHEMES
        if (url := found.get(scheme))
    }


def httpx_mounts() -> dict[str, httpx.AsyncBaseTransport | None]:
    """Mounts for an `httpx.AsyncClient(trust_env=True)`: a mount of None is the client's own
    transport (no proxy)."""
    mounts: dict[str, httpx.AsyncBaseTransport | None] = {
        f"all://[{host}]" if ":" in host else f"all://{host}": None for host in LOOPBACK_HOSTS
    }
    for pattern, proxy in environment_proxies().items():
        mounts[pattern] = LoopbackDirect(
            httpx.AsyncHTTPTransport(trust_env=True),
            httpx.AsyncHTTPTransport(trust_env=True, proxy=httpx.Proxy(proxy)),
        )
    return mounts
