"""A scripted OpenAI-compatible server (Responses + Chat Completions) for loopback tests."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator, Collection, Iterator
from typing import Self

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from tests.fakes.model_fake import ScriptedModelFake
from tests.fakes.openai_chat_events import ChatBuilder
from tests.fakes.openai_events import Drop, Pause, ResponsesBuilder, Step
from tests.fakes.openai_script import RecordedRequest, Responder
from tests.fakes.serving import (
    DroppedConnectionError,
    hide_dropped_connections,
)

TEST_OPENAI_KEY = "sk-test-local-key"
MODELS = ("gpt-5", "gpt-5-mini", "gpt-4.1", "gpt-4o-mini")
# As Ollama lists pulled models (name:tag), and LM Studio its loaded ones.
LOCAL_MODELS = ("llama3.1:latest", "qwen2.5:7b", "qwen2.5-7b-instruct")
TEST_OPENROUTER_KEY = "sk-or-v1-test-local-key"
OPENROUTER_MODELS = ("anthropic/claude-sonnet-4.5", "openai/gpt-5", "google/gemini-2.5-flash")

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


class OpenAIFake(ScriptedModelFake):
    """The fake OpenAI server: `script` for scripted replies, `requests` for what it received.

    Accepted keys: `api_keys` if given, else any key starting with `sk-test`.
    """

    name = "fake-openai"
    key_prefix = "sk-test"
    default_models = MODELS

    def __init__(
        self,
        *,
        api_keys: Collection[str] | None = None,
        port: int = 0,
        brain: Responder | None = None,
        models: Collection[str] = MODELS,
        require_key: bool = True,
    ) -> None:
        """`models`: what `GET /v1/models` lists (an Ollama lists "llama3.1:latest"...);
        `require_key=False`: any key or none is taken, as a local server does."""
        super().__init__(api_keys=api_keys, port=port, brain=brain)
        self.models = tuple(models)
        self.require_key = require_key

    # ------------------------------------------------------------------ lifecycle
    @property
    def base_url(self) -> str:
        """`http://127.0.0.1:PORT/v1` (what `OPENAI_BASE_URL` should be)."""
        return f"{self._server.base_url}/v1"

    def start(self) -> Self:
        hide_dropped_connections()
        return super().start()

    @property
    def last_request(self) -> RecordedRequest:
        requests = self.requests
        if not requests:
            raise AssertionError("the fake OpenAI server received no request")
        return requests[-1]

    # ------------------------------------------------------------------ HTTP
    def build_app(self) -> Starlette:
        return Starlette(
            routes=[
                Route("/v1/responses", self._responses, methods=["POST"]),
                Route("/v1/chat/completions", self._chat, methods=["POST"]),
                Route("/v1/models", self._models, methods=["GET"]),
                # OpenRouter's: what the key is (Test connection asks it; the list is public).
                Route("/v1/key", self._key, methods=["GET"]),
            ]
        )

    def _auth_error(self, request: Request) -> JSONResponse | None:
        if not self.require_key:
            return None
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
        await self.record(request, listing=True)
        if (error := self._auth_error(request)) is not None:
            return error
        data = [
            {"id": m, "object": "model", "created": 1_700_000_000, "owned_by": "openai"}
            for m in self.models
        ]
        return JSONResponse({"object": "list", "data": data}, headers=_headers())

    async def _key(self, request: Request) -> Response:
        """OpenRouter's `GET /key`: the key's label and limits, 401 for a wrong one."""
        await self.record(request, listing=True)
        if (error := self._auth_error(request)) is not None:
            return error
        data = {"label": "sk-or-v1-test...", "limit": None, "usage": 0, "is_free_tier": False}
        return JSONResponse({"data": data}, headers=_headers())

    async def _responses(self, request: Request) -> Response:
        return await self._handle(request, "responses")

    async def _chat(self, request: Request) -> Response:
        return await self._handle(request, "chat")

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
        reply = self.next_reply(body)
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
