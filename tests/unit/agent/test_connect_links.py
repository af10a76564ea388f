"""Which Connect Links the app offers: only a COMPOSIO_MANAGE_CONNECTIONS answer's, only https to
a plain host, and those outside Composio's hosts marked for a warning (issue 10, item 1)."""

from __future__ import annotations

import json

import pytest

from desktop.core.agent.connect_links import ComposioHosts, LinkOffer
from desktop.core.agent.events import ConnectLink
from desktop.core.agent.tool_calls import read_result
from desktop.core.router.types import MANAGE_CONNECTIONS_TOOL, MULTI_EXECUTE_TOOL

REAL = ComposioHosts()
FAKES = ComposioHosts("http://127.0.0.1:38017")


def _answer(url: str, status: str = "initiated") -> dict[str, object]:
    """A COMPOSIO_MANAGE_CONNECTIONS answer in the Tool Router's shape."""
    item = {"toolkit": "e2b", "status": status, "redirect_url": url}
    return {
        "data": {"message": f"e2b: {status}", "results": {"e2b": item}},
        "error": None,
        "successful": True,
    }


def test_a_redirect_url_in_any_other_answer_is_not_a_link() -> None:
    # A sandbox created with metadata {"redirect_url": ...}: every later listing carries it.
    listing = {
        "data": {
            "results": [
                {
                    "tool_slug": "E2B_LIST_ALL_SANDBOXES",
                    "response": {
                        "data": [
                            {
                                "sandboxID": "sb1",
                                "metadata": {"redirect_url": "https://evil.example/e2b-login"},
                            }
                        ]
                    },
                    "error": None,
                }
            ]
        },
        "successful": True,
    }
    assert read_result(MULTI_EXECUTE_TOOL, json.dumps(listing), REAL).connect_links == ()
    # The same answer under another tool's name, or the link outside `data.results`: text.
    good = _answer("https://connect.composio.dev/link/lk_1")
    assert read_result(MULTI_EXECUTE_TOOL, json.dumps(good), REAL).connect_links == ()
    nested = {"data": {"message": {"redirect_url": "https://connect.composio.dev/x"}}}
    assert REAL.links_in(MANAGE_CONNECTIONS_TOOL, nested) == ()
    assert (
        REAL.links_in(MANAGE_CONNECTIONS_TOOL, _answer("https://x.composio.dev/", "active")) == ()
    )


def test_a_manage_connections_answer_gives_its_link() -> None:
    found = read_result(
        MANAGE_CONNECTIONS_TOOL, json.dumps(_answer("https://connect.composio.dev/link/lk_1")), REAL
    )
    assert found.connect_links == (ConnectLink("e2b", "https://connect.composio.dev/link/lk_1"),)
    as_list = {
        "data": {
            "results": [
                {
                    "toolkit": "e2b",
                    "status": "INITIATED",
                    "redirect_url": "https://backend.composio.dev/c",
                }
            ]
        }
    }
    assert REAL.links_in(MANAGE_CONNECTIONS_TOOL, as_list) == (
        ConnectLink("e2b", "https://backend.composio.dev/c"),
    )


@pytest.mark.parametrize(
    "url",
    [
        "http://evil.example:80@127.0.0.1:38017/",  # user info: the host is not what it reads
        "https://connect.composio.dev@evil.example/",
        "https://connect.composio.dev\\@evil.example/",  # browsers read \ as /
        "https://connect.composio.dev /x",
        " https://connect.composio.dev/x",
        "https://connect.composio.dev/x\n",
        "https://connect.composio.dev\u202e/x",
        "https://connect.composio.dev/\x1b]8;;evil\x07",
        "https://evil.example%2f.composio.dev/",  # a browser decodes %2f in a host
        "https://2130706433/",  # a number a browser reads as 127.0.0.1
        "https://0x7f.1/",
        "https://connect.composio.dev:99999/",
        "https://[::1/",
        "javascript:alert(1)",
        "file:///etc/passwd",
        "data:text/html,<script>alert(1)</script>",
        "ftp://connect.composio.dev/",
        "https:///x",
        "http://connect.composio.dev/link",  # plain http to anywhere but the loopback fakes
        "http://127.0.0.1:9/connect",  # loopback, but not the configured COMPOSIO_BASE_URL
        "https://" + "a" * 5000 + ".composio.dev/",
    ],
)
def test_a_link_that_is_not_plain_https_is_not_offered(url: str) -> None:
    assert REAL.offer(ConnectLink("e2b", url)) is None
    assert FAKES.offer(ConnectLink("e2b", url)) is None
    assert FAKES.links_in(MANAGE_CONNECTIONS_TOOL, _answer(url)) == ()


def test_composio_hosts_are_trusted_and_named() -> None:
    assert REAL.offer(ConnectLink("e2b", "HTTPS://Connect.Composio.DEV/link/lk_1")) == LinkOffer(
        "e2b", "https://connect.composio.dev/link/lk_1", "connect.composio.dev", foreign=False
    )
    offer = REAL.offer(ConnectLink("e2b", "https://composio.dev:8443/x"))
    assert offer is not None and (offer.host, offer.foreign) == ("composio.dev:8443", False)
    # The loopback fakes: plain http back to COMPOSIO_BASE_URL, its host Composio's for this run.
    fake = FAKES.offer(ConnectLink("e2b", "http://127.0.0.1:38017/connect/e2b/lt_1"))
    assert fake == LinkOffer(
        "e2b", "http://127.0.0.1:38017/connect/e2b/lt_1", "127.0.0.1:38017", foreign=False
    )
    own = ComposioHosts("https://eu.example-composio.net")
    offer = own.offer(ConnectLink("e2b", "https://eu.example-composio.net/link"))
    assert offer is not None and not offer.foreign


@pytest.mark.parametrize(
    ("url", "host", "opens"),
    [
        ("https://evil.example/e2b-login", "evil.example", "https://evil.example/e2b-login"),
        ("https://composio.dev.evil.example/", "composio.dev.evil.example", None),
        ("https://evilcomposio.dev/", "evilcomposio.dev", None),
        # Look-alikes are named in their ASCII form, and that is what opens.
        (
            "https://compos\u0131o.dev/link",
            "xn--composo-wfb.dev",
            "https://xn--composo-wfb.dev/link",
        ),
        ("https://\u0441omposio.dev/", "xn--omposio-xjg.dev", "https://xn--omposio-xjg.dev/"),
        ("https://127.0.0.1/", "127.0.0.1", None),
    ],
)
def test_other_hosts_are_foreign_and_named(url: str, host: str, opens: str | None) -> None:
    offer = REAL.offer(ConnectLink("e2b", url))
    assert offer is not None
    assert offer.foreign and offer.host == host
    assert offer.url == (opens or url)


def test_a_toolkit_name_from_outside_is_not_shown_when_odd() -> None:
    offer = REAL.offer(ConnectLink("e2b\x1b[31m", "https://connect.composio.dev/x"))
    assert offer is not None and offer.toolkit == ""
