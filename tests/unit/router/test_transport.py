"""The one rule for where a key may travel, and the routes of every client the app makes."""

from __future__ import annotations

import asyncio

import httpx
import httpx2
import pytest

from desktop.core.router.http import new_http_client
from desktop.core.router.transport import (
    is_loopback,
    key_may_travel_to,
    key_route_problem,
    new_mcp_http_client,
    new_model_http_client,
    where,
)
from tests.unit.router.loopback import LoopbackServer, Reply, Seen

PROXY_VARIABLES = ("http_proxy", "https_proxy", "all_proxy", "no_proxy")

# Addresses an attacker (a hostile backend, a pasted variable) may try: whatever the rule lets
# a key go to, the clients that send it must read the same way.
TRICKS = [
    "http://evil.example:80@127.0.0.1/",
    "http://127.0.0.1.evil.example/",
    "http://127.0.0.1@evil.example/",
    "http://a@127.0.0.1@evil.example/",
    "http://127.0.0.1\\@evil.example/",
    "http://127.0.0.1#@evil.example/",
    "http://127.0.0.1:80\t@evil.example/",
    "http://127.0.0.1%2f@evil.example/",
    "http://127.0.0.1 /",
    "http://127.0.0.1\n.evil.example/",
    "http://[::1]@evil.example/",
    "http://[::ffff:127.0.0.1]/",
    "http://127.1/",
    "http://2130706433/",
    "http://0x7f.0.0.1/",
    "http://localhost./",
    "http://localhost.evil.example/",
    "http:127.0.0.1/",
    "http:///127.0.0.1/",
    "http://%31%32%37.0.0.1/",
    "HTTP://LOCALHOST:8000/",
    "http://127.255.255.254:1/",
    "http://[::1]:8000/",
    "https://evil.example/",
]


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("localhost", True),
        ("LOCALHOST", True),
        ("127.0.0.1", True),
        ("127.0.0.2", True),
        ("127.255.255.254", True),
        ("::1", True),
        ("128.0.0.1", False),
        ("10.0.0.5", False),
        ("::ffff:127.0.0.1", False),  # fails closed
        ("127.1", False),
        ("localhost.", False),
        ("127.0.0.1.evil.example", False),
        ("", False),
        (None, False),
    ],
)
def test_loopback_is_this_machine_by_address(host: str | None, loopback: bool) -> None:
    assert is_loopback(host) is loopback


def test_the_host_judged_is_the_one_after_the_userinfo() -> None:
    assert key_may_travel_to("http://evil.example:80@127.0.0.1/")
    assert not key_may_travel_to("http://127.0.0.1@evil.example/")
    assert not key_may_travel_to("http://127.0.0.1.evil.example/")
    assert key_route_problem("http://user:secret@10.0.0.5:11434/v1") == (
        "plain http:// to another machine (10.0.0.5:11434)"  # never the userinfo
    )
    assert where("http://user:secret@[fd00::5]:80/v1") == "[fd00::5]:80"


def test_an_address_read_two_ways_is_refused() -> None:
    for url in ("http://127.0.0.1 /", "http://127.0.0.1\n.evil/", "http:///127.0.0.1/", "x"):
        assert key_route_problem(url) is not None, url
        assert key_route_problem(url, plain_http_allowed=True) is not None, url


def test_consent_opens_plain_http_elsewhere_and_nothing_else() -> None:
    assert not key_may_travel_to("http://10.0.0.5/v1")
    assert key_may_travel_to("http://10.0.0.5/v1", plain_http_allowed=True)
    assert not key_may_travel_to("ftp://10.0.0.5/v1", plain_http_allowed=True)


@pytest.mark.parametrize("url", TRICKS)
def test_where_the_rule_lets_a_key_go_the_senders_go_too(url: str) -> None:
    """httpx (the app's client) and httpx2 (the SDKs') either refuse the address or send to a
    host the rule agrees with."""
    if not key_may_travel_to(url):
        return
    for parse in (httpx.URL, httpx2.URL):
        try:
            parsed = parse(url)
        except (httpx.InvalidURL, httpx2.InvalidURL):
            continue
        assert parsed.scheme == "https" or is_loopback(parsed.host), (parse, url)


async def _ok(seen: Seen) -> Reply:
    return Reply(200, b"direct")


async def _proxy(seen: Seen) -> Reply:
    return Reply(200, b"proxied")


async def _redirect(seen: Seen) -> Reply:
    return Reply(307, headers={"location": "http://127.0.0.1:9/elsewhere"})


@pytest.fixture
def proxy_environment(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    for name in PROXY_VARIABLES:
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.upper(), raising=False)
    return monkeypatch


CLIENTS = {
    "app": new_http_client,
    "model": new_model_http_client,
    "mcp": lambda: new_mcp_http_client({}, 10),
}


@pytest.mark.parametrize("variable", ["HTTP_PROXY", "http_proxy", "ALL_PROXY"])
@pytest.mark.parametrize("client", list(CLIENTS))
def test_every_client_of_the_app_sends_all_of_loopback_past_the_proxy(
    proxy_environment: pytest.MonkeyPatch, client: str, variable: str
) -> None:
    """The app's own (httpx), the model's and the MCP client's (httpx2)."""

    async def scenario() -> tuple[list[bytes], list[str], list[str]]:
        async with (
            LoopbackServer(_proxy) as proxy,
            LoopbackServer(_ok) as target,
            LoopbackServer(_ok, host="::1") as target_v6,
            LoopbackServer(_ok, host="127.0.0.2") as target_other,
        ):
            proxy_environment.setenv(variable, proxy.base_url)
            proxy_environment.setenv("HTTPS_PROXY", proxy.base_url)
            async with CLIENTS[client]() as http:
                answers = [
                    (await http.get(url)).content
                    for url in (
                        f"{target.base_url}/a",
                        f"http://localhost:{target.port}/b",
                        f"{target_v6.base_url}/c",
                        # The rest of 127.0.0.0/8, which httpx's patterns cannot name.
                        f"{target_other.base_url}/d",
                        f"http://evil.example:80@127.0.0.2:{target_other.port}/e",
                        "http://elsewhere.example/f",  # elsewhere: through the proxy
                    )
                ]
            direct = [s.target for s in target.seen + target_v6.seen + target_other.seen]
            return answers, direct, [s.target for s in proxy.seen]

    answers, direct, proxied = asyncio.run(scenario())
    assert answers == [b"direct"] * 5 + [b"proxied"]
    assert direct == ["/a", "/b", "/c", "/d", "/e"]
    assert proxied == ["http://elsewhere.example/f"]


def test_no_proxy_still_applies_to_other_hosts_and_a_star_turns_proxies_off(
    proxy_environment: pytest.MonkeyPatch,
) -> None:
    """The app's client reads the environment's proxies as httpx does."""
    from desktop.core.router.loopback_direct import environment_proxies

    proxy_environment.setenv("HTTPS_PROXY", "proxy.corp:3128")
    proxy_environment.setenv("NO_PROXY", "internal.example")
    assert environment_proxies() == {"https://": "http://proxy.corp:3128"}
    proxy_environment.setenv("NO_PROXY", "internal.example, *")
    assert environment_proxies() == {}


@pytest.mark.parametrize("client", ["model", "mcp"])
def test_the_sdks_clients_follow_no_redirect(client: str) -> None:
    """httpx2 would carry `x-api-key` (it drops only `Authorization`) and a 307's body, the
    conversation, wherever a server points."""
    make = {
        "model": new_model_http_client,
        "mcp": lambda: new_mcp_http_client({"x-api-key": "k"}, 9),
    }

    async def scenario() -> tuple[int, list[Seen]]:
        async with LoopbackServer(_redirect) as server, make[client]() as http:
            response = await http.post(f"{server.base_url}/v1", json={"input": "hello"})
            return response.status_code, server.seen

    status, seen = asyncio.run(scenario())
    assert status == 307
    assert [s.target for s in seen] == ["/v1"]
