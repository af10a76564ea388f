"""The app's shared HTTP client against loopback servers: bounds, no redirects, TLS (its proxy
routes: test_transport)."""

from __future__ import annotations

import asyncio
import ipaddress
import ssl
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from desktop.core.errors import ErrorKind, Remote, Service
from desktop.core.router.http import USER_AGENT, new_http_client, request_failure
from desktop.core.router.types import Timeouts
from tests.fakes.serving import closed_url
from tests.unit.router.loopback import LOOPBACK, LoopbackServer, Reply, Seen, json_reply

REPO = Path(__file__).resolve().parents[3]


async def _error_body(seen: Seen) -> Reply:
    return json_reply(b'{"error": {"message": "nope"}}', status=401)


async def _redirect(seen: Seen) -> Reply:
    return Reply(307, headers={"location": "/elsewhere"})


async def _silent(seen: Seen) -> Reply:
    await asyncio.sleep(30)  # cancelled when the server stops
    return Reply()


async def _ok(seen: Seen) -> Reply:
    return Reply(200, b"direct")


def test_an_error_status_is_an_answer_with_its_body() -> None:
    async def scenario() -> httpx.Response:
        async with LoopbackServer(_error_body) as server, new_http_client() as http:
            return await http.post(f"{server.base_url}/x", json={})

    response = asyncio.run(scenario())
    assert response.status_code == 401
    assert response.json() == {"error": {"message": "nope"}}


def test_redirects_are_not_followed_so_the_key_stays_here() -> None:
    async def scenario() -> tuple[httpx.Response, list[Seen]]:
        async with LoopbackServer(_redirect) as server, new_http_client() as http:
            response = await http.get(f"{server.base_url}/here", headers={"x-api-key": "k"})
            return response, server.seen

    response, seen = asyncio.run(scenario())
    assert response.status_code == 307
    assert [s.target for s in seen] == ["/here"]
    assert seen[0].headers["user-agent"] == USER_AGENT


def test_every_request_is_bounded_and_a_timed_out_one_leaves_no_task_running() -> None:
    async def scenario() -> tuple[BaseException, set[asyncio.Task[object]]]:
        async with LoopbackServer(_silent) as server, new_http_client(Timeouts(0.3)) as http:
            with pytest.raises(httpx.TimeoutException) as caught:
                await http.get(server.base_url)  # the client's own bound: no per-call timeout
        # The server stopped (its tasks are gathered) and the client closed: nothing else may
        # still run on the loop.
        return caught.value, asyncio.all_tasks() - {asyncio.current_task()}

    exc, left = asyncio.run(scenario())
    failure = request_failure(exc, Remote(Service.COMPOSIO, "127.0.0.1"), 0.3)
    assert failure is not None and failure.kind is ErrorKind.TIMEOUT
    assert failure.message.startswith("Composio at 127.0.0.1 did not answer within 0.3 s")
    assert left == set()


def test_a_closed_port_is_unreachable_not_a_timeout() -> None:
    async def scenario() -> BaseException:
        async with new_http_client(Timeouts(2)) as http:
            with pytest.raises(httpx.HTTPError) as caught:
                await http.get(closed_url())
            return caught.value

    failure = request_failure(asyncio.run(scenario()), Remote(Service.TOOL_ROUTER, "127.0.0.1"), 2)
    assert failure is not None and failure.kind is ErrorKind.UNREACHABLE
    assert failure.message.startswith("Could not reach the Tool Router at 127.0.0.1")


def test_other_failures_are_not_taken_for_the_network() -> None:
    assert request_failure(ValueError("bad JSON"), Remote(Service.COMPOSIO, "here"), 1) is None


def test_importing_the_router_loads_no_heavy_library() -> None:
    """httpx comes with the first client (off the event loop); the agent's stack never here."""
    code = (
        "import sys\n"
        "import desktop.core.router.connection, desktop.core.router.probe\n"
        "import desktop.core.router.rest, desktop.core.router.http\n"
        "heavy = ('httpx', 'httpx_sse', 'pydantic_ai', 'openai', 'mcp', 'composio')\n"
        "print([name for name in heavy if name in sys.modules])"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


def _self_signed(directory: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 that no bundle trusts, and its key."""
    import datetime

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "corporate test CA")])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=1))
        .not_valid_after(now + datetime.timedelta(hours=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address(LOOPBACK))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = directory / "ca.pem", directory / "key.pem"
    cert_file.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_file, key_file


def test_tls_trusts_the_ca_named_by_ssl_cert_file(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """A corporate CA that inspects TLS is named by SSL_CERT_FILE: the client trusts it, as
    httpx does by default (certifi's bundle when it is not set, which does not know this CA)."""
    cert_file, key_file = _self_signed(tmp_path)
    tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    tls.load_cert_chain(cert_file, key_file)
    monkeypatch.delenv("SSL_CERT_DIR", raising=False)

    async def fetch() -> bytes | BaseException:
        async with LoopbackServer(_ok, tls=tls) as server, new_http_client() as http:
            try:
                return (await http.get(f"{server.base_url}/x")).content
            except httpx.ConnectError as exc:
                return exc

    monkeypatch.delenv("SSL_CERT_FILE", raising=False)
    assert isinstance(asyncio.run(fetch()), httpx.ConnectError)  # certifi's: not trusted
    monkeypatch.setenv("SSL_CERT_FILE", str(cert_file))
    assert asyncio.run(fetch()) == b"direct"
