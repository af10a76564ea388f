"""A scripted Anthropic Messages API on loopback, for the real anthropic SDK (through Pydantic
AI's AnthropicModel): `POST /v1/messages` streamed as `message_start` ... `message_stop`, with
`tool_use` blocks whose input arrives as `input_json_delta`s, `GET /v1/models`, and Anthropic's
error bodies (401, 429 with retry-after, 529 overloaded). The same brain as the OpenAI fake
answers, so the same conversations can be had."""

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

TEST_ANTHROPIC_KEY = "sk-ant-test-local-key"
ANTHROPIC_MODELS = ("claude-sonnet-4-5", "claude-opus-4-5", "claude-haiku-4-5")

_ERRORS = {
    400: ("invalid_request_error", "Invalid request."),
    401: ("authentication_error", "invalid x-api-key"),
    403: ("permission_error", "Your API key does not have permission to use this resource."),
    404: ("not_found_error", "model: not found"),
    429: ("rate_limit_error", "Number of request tokens has exceeded your per-minute rate limit"),
    500: ("api_error", "Internal server error"),
    529: ("overloaded_error", "Overloaded"),
}


def anthropic_error(
    status: int, message: str | None = None, *, retry_after: float | None = None
) -> JSONResponse:
    """An error in Anthropic's shape: `{"type": "error", "error": {"type", "message"}}`."""
    kind, default = _ERRORS.get(status, ("api_error", f"HTTP {status}"))
    headers = {"request-id": f"req_{uuid.uuid4().hex[:24]}"}
    if retry_after is not None:
        headers["retry-after"] = f"{retry_after:g}"
    body = {"type": "error", "error": {"type": kind, "message": message or default}}
    return JSONResponse(body, status_code=status, headers=headers)


def to_chat(body: dict[str, Any]) -> dict[str, Any]:
    """The Messages request as a Chat-Completions body, for the brain."""
    messages: list[dict[str, Any]] = []
    system = body.get("system")
    if system:
        messages.append({"role": "system", "content": result_text(system)})
    for message in body.get("messages") or []:
        content = message.get("content")
        if isinstance(content, str):
            messages.append({"role": message.get("role", "user"), "content": content})
            continue
        texts: list[str] = []
        calls: list[dict[str, Any]] = []
        for block in content or []:
            kind = block.get("type")
            if kind == "text":
                texts.append(block.get("text", ""))
            elif kind == "tool_use":
                arguments = json.dumps(block.get("input") or {})
                calls.append(
                    {
                        "id": block.get("id"),
                        "function": {"name": block.get("name"), "arguments": arguments},
                    }
                )
            elif kind == "tool_result":
                messages.append(
                    {
                        "role": "tool",
                        "tool_call_id": block.get("tool_use_id"),
                        "content": result_text(block.get("content", "")),
                    }
                )
        if texts or calls:
            entry: dict[str, Any] = {"role": message.get("role", "user"), "content": "".join(texts)}
            if calls:
                entry["tool_calls"] = calls
            messages.append(entry)
    tools = [
        {"type": "function", "function": {"name": t.get("name")}} for t in body.get("tools") or []
    ]
    return {"model": body.get("model"), "messages": messages, "tools": tools}


def _event(kind: str, **data: Any) -> dict[str, Any]:
    return {"type": kind, **data}


class MessagesBuilder:
    """The Messages API's stream (or whole message) of one reply."""

    def __init__(self, body: dict[str, Any], reply: Reply) -> None:
        self.body = body
        self.reply = reply
        self.message_id = f"msg_{uuid.uuid4().hex[:24]}"
        self.input_tokens = (
            reply.usage[0] if reply.usage else count_tokens(body.get("messages") or "")
        )

    def _output_tokens(self) -> int:
        if self.reply.usage:
            return self.reply.usage[1]
        out = count_tokens(self.reply.content) if self.reply.content else 0
        return max(1, out + sum(count_tokens(c.arguments_json) + 5 for c in self.reply.calls))

    def _usage(self, output: int) -> dict[str, int]:
        return {
            "input_tokens": self.input_tokens,
            "output_tokens": output,
            "cache_creation_input_tokens": 0,
            "cache_read_input_tokens": 0,
        }

    def _call_id(self, index: int) -> str:
        call = self.reply.calls[index]
        return call.call_id or f"toolu_{uuid.uuid4().hex[:24]}"

    def stream(self) -> Iterator[Step]:
        message = {
            "id": self.message_id,
            "type": "message",
            "role": "assistant",
            "model": self.body.get("model"),
            "content": [],
            "stop_reason": None,
            "stop_sequence": None,
            "usage": self._usage(1),
        }
        yield _event("message_start", message=message)
        index = 0
        if self.reply.content or not self.reply.calls:
            yield _event("content_block_start", index=0, content_block={"type": "text", "text": ""})
            yield _event("ping")
            sent = ""
            for piece in pieces(self.reply):
                if isinstance(piece, Pause):
                    yield piece
                    continue
                sent += piece
                yield _event(
                    "content_block_delta", index=0, delta={"type": "text_delta", "text": piece}
                )
                if self.reply.kind == "disconnect" and sent == self.reply.content:
                    yield Drop()
                    return
            yield _event("content_block_stop", index=0)
            index = 1
        for offset, call in enumerate(self.reply.calls):
            block = {
                "type": "tool_use",
                "id": self._call_id(offset),
                "name": call.name,
                "input": {},
            }
            yield _event("content_block_start", index=index, content_block=block)
            arguments = call.arguments_json
            for start in range(0, len(arguments), 12):
                delta = {"type": "input_json_delta", "partial_json": arguments[start : start + 12]}
                yield _event("content_block_delta", index=index, delta=delta)
            yield _event("content_block_stop", index=index)
            index += 1
        stop = "tool_use" if self.reply.calls else "end_turn"
        yield _event(
            "message_delta",
            delta={"stop_reason": stop, "stop_sequence": None},
            usage={"output_tokens": self._output_tokens()},
        )
        yield _event("message_stop")

    def whole(self) -> dict[str, Any]:
        content: list[dict[str, Any]] = []
        text = "".join(p for p in pieces(self.reply) if isinstance(p, str))
        if text:
            content.append({"type": "text", "text": text})
        for offset, call in enumerate(self.reply.calls):
            content.append(
                {
                    "type": "tool_use",
                    "id": self._call_id(offset),
                    "name": call.name,
                    "input": json.loads(call.arguments_json or "{}"),
                }
            )
        return {
            "id": self.message_id,
            "type": "message",
            "role": "assistant",
            "model": self.body.get("model"),
            "content": content,
            "stop_reason": "tool_use" if self.reply.calls else "end_turn",
            "stop_sequence": None,
            "usage": self._usage(self._output_tokens()),
        }


class AnthropicFake(ScriptedModelFake):
    """The fake Anthropic API; `base_url` is what `ANTHROPIC_BASE_URL` should be."""

    name = "fake-anthropic"
    key_prefix = "sk-ant-test"
    default_models = ANTHROPIC_MODELS

    def build_app(self) -> Starlette:
        return Starlette(
            routes=[
                Route("/v1/messages", self._messages, methods=["POST"]),
                Route("/v1/models", self._models, methods=["GET"]),
            ]
        )

    def _auth_error(self, request: Request) -> JSONResponse | None:
        # The API takes the key as `x-api-key` (its documented header) or as a bearer token,
        # which is how anthropic 2.x sends an API key.
        bearer = request.headers.get("authorization", "")
        key = request.headers.get("x-api-key") or bearer.removeprefix("Bearer ").strip()
        if not key or not self.key_ok(key):
            return anthropic_error(401)
        return None

    async def _models(self, request: Request) -> Response:
        await self.record(request, listing=True)
        if (error := self._auth_error(request)) is not None:
            return error
        data = [
            {"type": "model", "id": m, "display_name": m, "created_at": "2025-09-29T00:00:00Z"}
            for m in self.models
        ]
        return JSONResponse(
            {"data": data, "has_more": False, "first_id": data[0]["id"], "last_id": data[-1]["id"]}
        )

    async def _messages(self, request: Request) -> Response:
        body = await self.record(request)
        if (error := self._auth_error(request)) is not None:
            return error
        if body is None:
            return anthropic_error(400, "messages: the body is not JSON")
        if "anthropic-version" not in {k.lower() for k in request.headers}:
            return anthropic_error(400, "anthropic-version: header is required")
        reply = await self.answer(to_chat(body), _refusal, Reply.error(529))
        if isinstance(reply, Response):
            return reply
        builder = MessagesBuilder(body, reply)
        if not body.get("stream"):
            return JSONResponse(builder.whole())
        return self.streamed(builder.stream(), _event_frame)


def _event_frame(step: dict[str, Any]) -> str:
    return f"event: {step['type']}\ndata: {json.dumps(step)}\n\n"


def _refusal(reply: Reply) -> Response:
    return anthropic_error(reply.status, reply.message, retry_after=reply.retry_after)
