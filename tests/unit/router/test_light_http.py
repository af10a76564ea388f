"""The standard-library HTTP client used before the agent loads, against a loopback server."""

from __future__ import annotations

import asyncio
import json
import socket
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from desktop.core.router.http import RequestTimeoutError, TransportError, request
from desktop.core.router.probe import _rpc_result

SEEN: list[tuple[str, str, str | None]] = []


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *args: object) -> None:  # quiet
        pass

    def _answer(self) -> None:
        SEEN.append((self.command, self.path, self.headers.get("x-api-key")))
        if self.path == "/redirect":
            self.send_response(307)
            self.send_header("location", "/elsewhere")
            self.end_headers()
        elif self.path == "/slow":
            time.sleep(2)
        elif self.path == "/json":
            body = json.dumps({"jsonrpc": "2.0", "id": 1, "result": {"ok": True}}).encode()
            self.send_response(200)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        else:
            body = b'{"error": {"message": "nope"}}'
            self.send_response(401)
            self.send_header("content-length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    def do_GET(self) -> None:  # http.server's names
        self._answer()

    def do_POST(self) -> None:
        self._answer()


@pytest.fixture
def server() -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    SEEN.clear()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def test_an_error_status_is_an_answer_with_its_body(server: str) -> None:
    response = asyncio.run(request("POST", f"{server}/x", headers={}, body=b"{}", seconds=5))
    assert response.status == 401
    assert response.json() == {"error": {"message": "nope"}}


def test_redirects_are_not_followed_so_the_key_stays_here(server: str) -> None:
    response = asyncio.run(
        request("GET", f"{server}/redirect", headers={"x-api-key": "k"}, seconds=5)
    )
    assert response.status == 307
    assert [path for _, path, _ in SEEN] == ["/redirect"]


def test_a_silent_server_times_out(server: str) -> None:
    with pytest.raises(RequestTimeoutError):
        asyncio.run(request("GET", f"{server}/slow", headers={}, seconds=0.3))


def test_a_closed_port_is_unreachable() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(TransportError) as caught:
        asyncio.run(request("GET", f"http://127.0.0.1:{port}/", headers={}, seconds=2))
    assert not isinstance(caught.value, RequestTimeoutError)


def test_mcp_answers_as_json_or_as_an_event_stream(server: str) -> None:
    as_json = asyncio.run(request("GET", f"{server}/json", headers={}, seconds=5))
    assert _rpc_result(as_json, 1) == {"ok": True}

    from desktop.core.router.http import Response

    stream = Response(
        200,
        {"content-type": "text/event-stream"},
        b'event: message\ndata: {"jsonrpc":"2.0","id":2,"result":{"tools":[]}}\n\n',
    )
    assert _rpc_result(stream, 2) == {"tools": []}
    failed = Response(
        200,
        {"content-type": "application/json"},
        b'{"jsonrpc":"2.0","id":3,"error":{"code":-32601,"message":"no such method"}}',
    )
    with pytest.raises(RuntimeError, match="no such method"):
        _rpc_result(failed, 3)
