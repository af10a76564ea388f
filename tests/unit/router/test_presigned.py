"""Which presigned URLs a file may travel to (the SDK's checks, and no less)."""

from __future__ import annotations

import asyncio

import pytest

from desktop.core.router.presigned import PresignedTarget, check_presigned_url, is_blocked_address
from desktop.core.router.presigned import _attempts as attempts
from desktop.core.router.transfer_errors import FileTransferError, Transfer

REAL = "https://backend.composio.dev"
LOCAL = "http://127.0.0.1:8123"
UPLOAD = Transfer("upload", "sales.csv")


def _check(url: str, base: str = REAL) -> PresignedTarget:
    return asyncio.run(check_presigned_url(url, base, UPLOAD))


@pytest.mark.parametrize(
    ("url", "why"),
    [
        ("http://93.184.216.34/bucket/key", "plain http"),
        ("ftp://93.184.216.34/key", "not an https:// address"),
        ("https:///nohost", "not an https:// address"),
        ("https://user:pw@93.184.216.34/key", "it carries a user name"),
        ("https://10.1.2.3/key", "private or local address"),
        ("https://169.254.169.254/latest/meta-data", "private or local address"),
        ("https://[fd00::1]/key", "private or local address"),
        ("https://[::ffff:192.168.0.1]/key", "private or local address"),
        ("https://224.0.0.1/key", "private or local address"),
        ("https://127.0.0.1:9/key", "this machine, while Composio is not on it"),
        ("https://localhost/key", "this machine, while Composio is not on it"),
        ("https://[::1]/key", "this machine, while Composio is not on it"),
        # A label over 63 characters: refused by the resolver without asking any DNS server.
        ("https://" + "a" * 64 + ".example/key", "host name does not resolve"),
        ("https://[::1/key", "it does not parse"),
    ],
)
def test_unsafe_urls_are_refused_before_anything_is_sent(url: str, why: str) -> None:
    with pytest.raises(FileTransferError) as caught:
        _check(url)
    assert caught.value.problem == "unsafe_address"
    assert why in caught.value.message
    assert "nothing was sent" in caught.value.message
    assert "?" not in caught.value.message  # the signature in the query is not repeated


def test_a_public_https_url_is_pinned_to_its_checked_address(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name in ("HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
    target = _check("https://93.184.216.34:8443/bucket/key?X-Amz-Signature=abc")
    assert target.addresses == ("93.184.216.34",)
    ((url, headers, extensions),) = attempts(target)
    assert url == "https://93.184.216.34:8443/bucket/key?X-Amz-Signature=abc"
    assert extensions == {"sni_hostname": "93.184.216.34"}
    assert headers["host"] == "93.184.216.34:8443" and headers["connection"] == "close"


def test_a_pinned_name_keeps_its_name_for_host_and_tls() -> None:
    target = PresignedTarget("https://bucket.s3.example.com/k?sig=1", ("52.0.0.1", "2600::1"))
    (first, _), (second, _) = [(u, h) for u, h, _ in attempts(target)]
    assert first == "https://52.0.0.1/k?sig=1" and second == "https://[2600::1]/k?sig=1"
    assert [e for _, _, e in attempts(target)] == [{"sni_hostname": "bucket.s3.example.com"}] * 2
    assert {h["host"] for _, h, _ in attempts(target)} == {"bucket.s3.example.com"}


def test_behind_a_proxy_the_url_is_checked_but_not_pinned(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.example:3128")
    target = _check("https://93.184.216.34/key")
    assert target.addresses == ()
    assert attempts(target) == [("https://93.184.216.34/key", {}, {})]


@pytest.mark.parametrize("url", ["http://127.0.0.1:5/p", "https://localhost/p", "http://[::1]:5/p"])
def test_loopback_is_allowed_only_when_composio_is_on_this_machine(url: str) -> None:
    assert _check(url, base=LOCAL) == PresignedTarget(url)
    with pytest.raises(FileTransferError):
        _check(url, base=REAL)


@pytest.mark.parametrize(
    ("address", "blocked"),
    [
        ("8.8.8.8", False),
        ("2606:4700::1111", False),
        ("127.0.0.1", True),
        ("0.0.0.0", True),
        ("100.64.0.1", True),
        ("192.88.99.1", True),
        ("::", True),
        ("64:ff9b::a00:1", True),  # NAT64 of 10.0.0.1
        ("fe80::1%eth0", True),
        ("not an address", True),
    ],
)
def test_blocked_addresses(address: str, blocked: bool) -> None:
    assert is_blocked_address(address) is blocked
