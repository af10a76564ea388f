"""A scripted Gemini API on loopback, for the real google-genai SDK (through Pydantic AI's
GoogleModel): `POST /v1beta/models/{model}:streamGenerateContent?alt=sse` (and
`:generateContent`) with `functionCall` / `functionResponse` parts, `GET /v1beta/models`, and
Google's error bodies (a wrong key is 400 `API_KEY_INVALID`, 429 `RESOURCE_EXHAUSTED`, 503
`UNAVAILABLE`). The same brain as the OpenAI fake answers."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from tests.fakes.model_fake import ScriptedModelFake, result_text
from tests.fakes.openai_events import Drop, Pause, Step, count_tokens, pieces
from tests.fakes.openai_script import Reply

TEST_GOOGLE_KEY = "AIzaTest-local-key"
GEMINI_MODELS = ("gemini-2.5-flash", "gemini-2.5-pro", "gemini-2.5-flash-lite")

_STATUSES = {
    400: "INVALID_ARGUMENT",
    403: "PERMISSION_DENIED",
    404: "NOT_FOUND",
    429: "RESOURCE_EXHAUSTED",
    500: "INTERNAL",
    503: "UNAVAILABLE",
}


def gemini_error(status: int, message: str | None = None, *, reason: str = "") -> JSONResponse:
    """An error in Google's shape: `{"error": {"code", "message", "status", "details"}}`."""
    error: dict[str, Any] = {
        "code": status,
        "message": message or f"HTTP {status}",
        "status": _STATUSES.get(status, "UNKNOWN"),
    }
    if reason:
        error["details"] = [
            {
                "@type": "type.googleapis.com/google.rpc.ErrorInfo",
                "reason": reason,
                "domain": "googleapis.com",
            }
        ]
    return JSONResponse({"error": error}, status_code=status)


def _response_text(response: Any) -> str:
    """What a `functionResponse.response` holds, as the tool returned it."""
    if isinstance(response, dict) and len(response) == 1:
        ((key, value),) = response.items()
        if key in ("return_value", "output", "error"):
            return result_text(value)
    return result_text(response)


def to_chat(body: dict[str, Any]) -> dict[str, Any]:
    """The generateContent request as a Chat-Completions body, for the brain."""
    messages: list[dict[str, Any]] = []
    system = body.get("systemInstruction") or body.get("system_instruction")
    if isinstance(system, dict):
        text = "".join(p.get("text", "") for p in system.get("parts") or [])
        messages.append({"role": "system", "content": text})
    for content in body.get("contents") or []:
        role = "assistant" if content.get("role") == "model" else "user"
        texts: list[str] = []
        calls: list[dict[str, Any]] = []
        for part in content.get("parts") or []:
            call = part.get("functionCall") or part.get("function_call")
            answer = part.get("functionResponse") or part.get("function_response")
            if isinstance(part.get("text"), str) and not part.get("thought"):
                texts.append(part["text"])
            elif isinstance(call, dict):
                call_id = call.get("id") or call.get("name")
                arguments = json.dumps(call.get("args") or {})
                calls.append(
                    {"id": call_id, "function": {"name": call.get("name"), "arguments": arguments}}
                )
            elif isinstance(answer, dict):
                messages.append(
                    {
                        "role": "tool",
                        "tool_call_id": answer.get("id") or answer.get("name"),
                        "content": _response_text(answer.get("response")),
                    }
                )
        if texts or calls:
            entry: dict[str, Any] = {"role": role, "content": "".join(texts)}
            if calls:
                entry["tool_calls"] = calls
            messages.append(entry)
    tools = [
        {"type": "function", "function": {"name": declaration.get("name")}}
        for tool in body.get("tools") or []
        for declaration in tool.get("functionDeclarations")
        or tool.get("function_declarations")
        or []
    ]
    return {"messages": messages, "tools": tools}


class ContentBuilder:
    """The stream (or whole answer) of one reply as `GenerateContentResponse` chunks."""

    def __init__(self, body: dict[str, Any], reply: Reply, model: str) -> None:
        self.body = body
        self.reply = reply
        self.model = model
        self.response_id = uuid.uuid4().hex[:20]

    def _usage(self) -> dict[str, int]:
        if self.reply.usage:
            prompt, out = self.reply.usage
        else:
            prompt = count_tokens(self.body.get("contents") or "")
            out = count_tokens(self.reply.content) if self.reply.content else 0
            out = max(1, out + sum(count_tokens(c.arguments_json) + 5 for c in self.reply.calls))
        return {
            "promptTokenCount": prompt,
            "candidatesTokenCount": out,
            "totalTokenCount": prompt + out,
        }

    def _chunk(self, parts: list[dict[str, Any]], finish: str | None = None) -> dict[str, Any]:
        candidate: dict[str, Any] = {"content": {"role": "model", "parts": parts}, "index": 0}
        chunk: dict[str, Any] = {
            "candidates": [candidate],
            "modelVersion": self.model,
            "responseId": self.response_id,
        }
        if finish:
            candidate["finishReason"] = finish
            chunk["usageMetadata"] = self._usage()
        return chunk

    def _calls(self) -> list[dict[str, Any]]:
        return [
            {"functionCall": {"name": c.name, "args": json.loads(c.arguments_json or "{}")}}
            for c in self.reply.calls
        ]

    def stream(self) -> Iterator[Step]:
        sent = ""
        for piece in pieces(self.reply):
            if isinstance(piece, Pause):
                yield piece
                continue
            sent += piece
            yield self._chunk([{"text": piece}])
            if self.reply.kind == "disconnect" and sent == self.reply.content:
                yield Drop()
                return
        yield self._chunk(self._calls(), "STOP")

    def whole(self) -> dict[str, Any]:
        text = "".join(p for p in pieces(self.reply) if isinstance(p, str))
        parts = ([{"text": text}] if text else []) + self._calls()
        return self._chunk(parts, "STOP")


class GeminiFake(ScriptedModelFake):
    """The fake Gemini API; `base_url` is what `GOOGLE_GEMINI_BASE_URL` should be."""

    name = "fake-gemini"
    key_prefix = "AIzaTest"
    default_models = GEMINI_MODELS

    def build_app(self) -> Starlette:
        return Starlette(
            routes=[
                Route("/v1beta/models", self._models, methods=["GET"]),
                Route("/v1beta/models/{call:path}", self._generate, methods=["POST"]),
            ]
        )

    def _auth_error(self, request: Request) -> JSONResponse | None:
        key = request.headers.get("x-goog-api-key") or request.query_params.get("key", "")
        if not key or not self.key_ok(key):
            return gemini_error(
                400, "API key not valid. Please pass a valid API key.", reason="API_KEY_INVALID"
            )
        return None

    async def _models(self, request: Request) -> Response:
        await self.record(request, listing=True)
        if (error := self._auth_error(request)) is not None:
            return error
        models = [
            {
                "name": f"models/{m}",
                "displayName": m,
                "supportedGenerationMethods": ["generateContent", "countTokens"],
            }
            for m in self.models
        ]
        return JSONResponse({"models": models})

    async def _generate(self, request: Request) -> Response:
        body = await self.record(request)
        if (error := self._auth_error(request)) is not None:
            return error
        model, _, method = request.path_params["call"].partition(":")
        if method not in ("streamGenerateContent", "generateContent"):
            return gemini_error(404, f"Method {method} is not found for models/{model}.")
        if body is None:
            return gemini_error(400, "Invalid JSON payload received.")
        hung = Reply.error(503, message="The model is overloaded.")
        reply = await self.answer(to_chat(body), _refusal, hung)
        if isinstance(reply, Response):
            return reply
        builder = ContentBuilder(body, reply, model)
        if method == "generateContent":
            return JSONResponse(builder.whole())
        return self.streamed(builder.stream(), _data_frame)


def _data_frame(step: dict[str, Any]) -> str:
    return f"data: {json.dumps(step)}\r\n\r\n"


def _refusal(reply: Reply) -> Response:
    return gemini_error(reply.status, reply.message)
