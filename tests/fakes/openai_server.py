"""A scripted OpenAI-compatible server (Responses + Chat Completions) for loopback tests."""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import AsyncIterator, Collection, Iterator
from typing import Any, Self

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from tests.fakes.gate import Gate
from tests.fakes.openai_brain import default_reply
from tests.fakes.openai_chat_events import ChatBuilder
from tests.fakes.openai_events import Drop, Pause, ResponsesBuilder, Step
from tests.fakes.openai_script import RecordedRequest, Reply, Responder, Script
from tests.fakes.serving import (
    DroppedConnectionError,
    ServedFake,
    ServerThread,
    hide_dropped_connections,
)

TEST_OPENAI_KEY = "sk-test-local-key"
MODELS = ("gpt-5", "gpt-5-mini", "gpt-4.1", "gpt-4o-mini")

_ERROR_TYPES = {
    400: "invalid_request_error",
    401: "invalid_request_error",
    403: "invalid_request_error",
    404: "invalid_request_error",
    429: "requests",
}
_ERROR_MESSAGES = {
    400: "Invalid request.",
    403: "You are not allowed to sample from this model.",
    404: "The model does not exist or you do not have access to it.",
    429: "Rate limit reached for requests. Please try again shortly.",
    500: "The server had an error while processing your request. Sorry about that!",
    502: "Bad gateway.",
    503: "The engine is currently overloaded, please try again later.",
}
_ERROR_CODES = {404: "model_not_found", 429: "rate_limit_exceeded"}


def _headers() -> dict[str, str]:
    return {
        "x-request-id": f"req_{uuid.uuid4().hex}",
        "openai-processing-ms": "7",
        "openai-version": "2020-10-01",
    }


def openai_error(
    status: int,
    message: str | None = None,
    *,
    code: str | None = None,
    retry_after: float | None = None,
) -> JSONResponse:
    """An error response in OpenAI's JSON shape."""
    kind = _ERROR_TYPES.get(status, "server_error")
    body = {
        "error": {
            "message": message or _ERROR_MESSAGES.get(status, f"HTTP {status}"),
            "type": kind,
            "param": None,
            "code": code or _ERROR_CODES.get(status),
        }
    }
    headers = _headers()
    if retry_after is not None:
        headers["retry-after"] = f"{retry_after:g}"
        headers["retry-after-ms"] = str(int(retry_after * 1000))
    return JSONResponse(body, status_code=status, headers=headers)


def _mask(key: str) -> str:
    return f"{key[:5]}{'*' * 6}{key[-4:]}" if len(key) > 9 else "*" * len(key)


class OpenAIFake(ServedFake):
    """The fake OpenAI server: `script` for scripted replies, `requests` for what it received.

    Accepted keys: `api_keys` if given, else any key starting with `sk-test`.
    """

    def __init__(
        self,
        *,
        api_keys: Collection[str] | None = None,
        port: int = 0,
        brain: Responder | None = None,
    ) -> None:
        self.script = Script()
        self.api_keys: set[str] | None = set(api_keys) if api_keys is not None else None
        self.brain: Responder = brain or default_reply
        self.gate = Gate()
        self._lock = threading.Lock()
        self._requests: list[RecordedRequest] = []
        self._model_lists: list[RecordedRequest] = []
        self._server = ServerThread(
            self.build_app, port=port, name="fake-openai", on_stop=self.gate.release_all
        )

    # ------------------------------------------------------------------ lifecycle
    @property
    def base_url(self) -> str:
        """`http://127.0.0.1:PORT/v1` (what `OPENAI_BASE_URL` should be)."""
        return f"{self._server.base_url}/v1"

    def start(self) -> Self:
        hide_dropped_connections()
        return super().start()

    def reset(self) -> None:
        """Forget scripted replies and recorded requests; release hanging requests."""
        self.script.clear()
        self.gate.release_all()
        with self._lock:
            self._requests.clear()
            self._model_lists.clear()
        self.brain = default_reply

    # ------------------------------------------------------------------ inspection
    @property
    def requests(self) -> list[RecordedRequest]:
        """Model requests received so far (authenticated or not), oldest first."""
        with self._lock:
            return list(self._requests)

    @property
    def model_lists(self) -> list[RecordedRequest]:
        """`GET /v1/models` requests received (authenticated or not): they cost no tokens."""
        with self._lock:
            return list(self._model_lists)

    @property
    def last_request(self) -> RecordedRequest:
        with self._lock:
            if not self._requests:
                raise AssertionError("the fake OpenAI server received no request")
            return self._requests[-1]

    def key_ok(self, key: str) -> bool:
        if self.api_keys is not None:
            return key in self.api_keys
        return key.startswith("sk-test")

    # ------------------------------------------------------------------ HTTP
    def build_app(self) -> Starlette:
        return Starlette(
            routes=[
                Route("/v1/responses", self._responses, methods=["POST"]),
                Route("/v1/chat/completions", self._chat, methods=["POST"]),
                Route("/v1/models", self._models, methods=["GET"]),
            ]
        )

    def _auth_error(self, request: Request) -> JSONResponse | None:
        header = request.headers.get("authorization", "")
        if not header.lower().startswith("bearer ") or not header[7:].strip():
            return openai_error(
                401,
                "You didn't provide an API key. You need to provide your API "
                "key in an Authorization header using Bearer auth.",
            )
        key = header[7:].strip()
        if not self.key_ok(key):
            return openai_error(
                401,
                f"Incorrect API key provided: {_mask(key)}. You can find your"
                " API key at https://platform.openai.com/account/api-keys.",
                code="invalid_api_key",
            )
        return None

    async def _models(self, request: Request) -> Response:
        """OpenAI's model list: 401 with its error body for a missing or wrong key."""
        record = RecordedRequest(
            request.method, request.url.path, {k.lower(): v for k, v in request.headers.items()}, {}
        )
        with self._lock:
            self._model_lists.append(record)
        if (error := self._auth_error(request)) is not None:
            return error
        data = [
            {"id": m, "object": "model", "created": 1_700_000_000, "owned_by": "openai"}
            for m in MODELS
        ]
        return JSONResponse({"object": "list", "data": data}, headers=_headers())

    async def _responses(self, request: Request) -> Response:
        return await self._handle(request, "responses")

    async def _chat(self, request: Request) -> Response:
        return await self._handle(request, "chat")

    def _next_reply(self, body: dict[str, Any]) -> Reply:
        item = self.script.pop()
        if item is None:
            return self.brain(body)
        return item if isinstance(item, Reply) else item(body)

    async def _handle(self, request: Request, api: str) -> Response:
        try:
            body = json.loads(await request.body())
        except ValueError:
            body = None
        record = RecordedRequest(
            request.method,
            request.url.path,
            {k.lower(): v for k, v in request.headers.items()},
            body if isinstance(body, dict) else {},
        )
        with self._lock:
            self._requests.append(record)
        if (error := self._auth_error(request)) is not None:
            return error
        if not isinstance(body, dict):
            return openai_error(400, "We could not parse the JSON body of your request.")
        reply = self._next_reply(body)
        if reply.delay_before:
            await self.gate.wait(reply.delay_before)
        if reply.kind == "hang":
            await self.gate.wait(None)
            return openai_error(503)
        if reply.kind == "error":
            return openai_error(reply.status, reply.message, retry_after=reply.retry_after)
        builder = ResponsesBuilder(body, reply) if api == "responses" else ChatBuilder(body, reply)
        if not body.get("stream"):
            return JSONResponse(builder.whole(), headers=_headers())
        return StreamingResponse(
            self._sse(builder.stream(), api),
            media_type="text/event-stream",
            headers={**_headers(), "cache-control": "no-cache"},
        )

    async def _sse(self, steps: Iterator[Step], api: str) -> AsyncIterator[str]:
        for step in steps:
            if isinstance(step, Pause):
                if not await self.gate.wait(step.seconds):
                    return
            elif isinstance(step, Drop):
                raise DroppedConnectionError
            elif api == "responses":
                yield f"event: {step['type']}\ndata: {json.dumps(step)}\n\n"
            else:
                yield f"data: {json.dumps(step)}\n\n"
        if api == "chat":
            yield "data: [DONE]\n\n"
