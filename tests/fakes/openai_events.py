"""Turn a `Reply` into Responses-API wire data: SSE events or the whole response object."""

from __future__ import annotations

import itertools
import json
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from tests.fakes.openai_script import Reply

_WORDS = ("lorem", "ipsum", "dolor", "sit", "amet", "consectetur", "adipiscing", "elit")


@dataclass(frozen=True)
class Pause:
    """Wait this long before the next piece (slow streams)."""

    seconds: float


@dataclass(frozen=True)
class Drop:
    """Abort the connection here (simulated network failure mid-stream)."""


Step = dict[str, Any] | Pause | Drop


def new_id(prefix: str) -> str:
    return f"{prefix}_{uuid.uuid4().hex}"


def count_tokens(value: Any) -> int:
    """A rough token count (4 characters per token), never 0."""
    text = value if isinstance(value, str) else json.dumps(value, default=str)
    return max(1, len(text) // 4)


def pieces(reply: Reply) -> Iterator[str | Pause]:
    """The text deltas of a reply, with pauses between them for slow replies."""
    if reply.kind == "huge":
        words = itertools.cycle(_WORDS)
        for start in range(0, reply.n_tokens, reply.chunk_size):
            n = min(reply.chunk_size, reply.n_tokens - start)
            yield "".join(f"{next(words)} " for _ in range(n))
        return
    for i, chunk in enumerate(reply.chunks()):
        if i and reply.delay_per_chunk:
            yield Pause(reply.delay_per_chunk)
        yield chunk


def full_text(reply: Reply) -> str:
    return "".join(p for p in pieces(reply) if isinstance(p, str))


def usage_numbers(body: dict[str, Any], reply: Reply) -> tuple[int, int]:
    if reply.usage is not None:
        return reply.usage
    prompt = count_tokens(body.get("input") or body.get("messages") or "")
    if reply.kind == "huge":
        return prompt, reply.n_tokens
    out = count_tokens(reply.content) if reply.content else 0
    out += sum(count_tokens(c.arguments_json) + 5 for c in reply.calls)
    return prompt, max(1, out)


# ---------------------------------------------------------------- Responses API


class ResponsesBuilder:
    """Builds the Responses-API representation of one reply."""

    def __init__(self, body: dict[str, Any], reply: Reply) -> None:
        self.body = body
        self.reply = reply
        self.response_id = new_id("resp")
        self.created_at = int(time.time())
        self._seq = 0

    def response(
        self,
        status: str,
        output: list[dict[str, Any]],
        usage: dict[str, Any] | None,
        error: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        body = self.body
        return {
            "id": self.response_id,
            "object": "response",
            "created_at": self.created_at,
            "status": status,
            "background": False,
            "error": error,
            "incomplete_details": None,
            "instructions": body.get("instructions"),
            "max_output_tokens": body.get("max_output_tokens"),
            "max_tool_calls": None,
            "model": body.get("model", "gpt-fake"),
            "output": output,
            "parallel_tool_calls": body.get("parallel_tool_calls", True),
            "previous_response_id": body.get("previous_response_id"),
            "reasoning": {"effort": None, "summary": None},
            "service_tier": "default",
            "store": body.get("store", True),
            "temperature": body.get("temperature", 1.0),
            "text": {"format": {"type": "text"}, "verbosity": "medium"},
            "tool_choice": body.get("tool_choice", "auto"),
            "tools": body.get("tools") or [],
            "top_logprobs": 0,
            "top_p": body.get("top_p", 1.0),
            "truncation": "disabled",
            "usage": usage,
            "user": None,
            "metadata": body.get("metadata") or {},
            "completed_at": int(time.time()) if status == "completed" else None,
        }

    def usage(self) -> dict[str, Any]:
        prompt, out = usage_numbers(self.body, self.reply)
        return {
            "input_tokens": prompt,
            "input_tokens_details": {"cached_tokens": 0, "cache_write_tokens": 0},
            "output_tokens": out,
            "output_tokens_details": {"reasoning_tokens": 0},
            "total_tokens": prompt + out,
        }

    def _event(self, kind: str, **fields: Any) -> dict[str, Any]:
        event = {"type": kind, "sequence_number": self._seq, **fields}
        self._seq += 1
        return event

    @staticmethod
    def _text_part(text: str) -> dict[str, Any]:
        return {"type": "output_text", "annotations": [], "logprobs": [], "text": text}

    def _message(self, item_id: str, text: str, status: str) -> dict[str, Any]:
        content = [self._text_part(text)] if status == "completed" else []
        return {
            "id": item_id,
            "type": "message",
            "status": status,
            "content": content,
            "role": "assistant",
        }

    def _stream_message(self, index: int, output: list[dict[str, Any]]) -> Iterator[Step]:
        item_id = new_id("msg")
        yield self._event(
            "response.output_item.added",
            output_index=index,
            item=self._message(item_id, "", "in_progress"),
        )
        yield self._event(
            "response.content_part.added",
            item_id=item_id,
            output_index=index,
            content_index=0,
            part=self._text_part(""),
        )
        text = ""
        for piece in pieces(self.reply):
            if isinstance(piece, Pause):
                yield piece
                continue
            text += piece
            yield self._event(
                "response.output_text.delta",
                item_id=item_id,
                output_index=index,
                content_index=0,
                delta=piece,
                logprobs=[],
            )
            if self.reply.kind in ("disconnect", "stream_error") and text == self.reply.content:
                return
        yield self._event(
            "response.output_text.done",
            item_id=item_id,
            output_index=index,
            content_index=0,
            text=text,
            logprobs=[],
        )
        yield self._event(
            "response.content_part.done",
            item_id=item_id,
            output_index=index,
            content_index=0,
            part=self._text_part(text),
        )
        message = self._message(item_id, text, "completed")
        output.append(message)
        yield self._event("response.output_item.done", output_index=index, item=message)

    def _call_item(self, index: int, status: str, arguments: str) -> dict[str, Any]:
        call = self.reply.calls[index]
        return {
            "id": f"fc_{self.response_id[5:]}_{index}",
            "type": "function_call",
            "status": status,
            "arguments": arguments,
            "call_id": call.call_id or f"call_{uuid.uuid4().hex[:24]}",
            "name": call.name,
        }

    def _stream_call(
        self, index: int, output_index: int, output: list[dict[str, Any]]
    ) -> Iterator[Step]:
        args = self.reply.calls[index].arguments_json
        item = self._call_item(index, "in_progress", "")
        yield self._event("response.output_item.added", output_index=output_index, item=item)
        for start in range(0, len(args), 12):
            yield self._event(
                "response.function_call_arguments.delta",
                item_id=item["id"],
                output_index=output_index,
                delta=args[start : start + 12],
            )
        yield self._event(
            "response.function_call_arguments.done",
            item_id=item["id"],
            output_index=output_index,
            arguments=args,
            name=item["name"],
        )
        done = {**item, "status": "completed", "arguments": args}
        output.append(done)
        yield self._event("response.output_item.done", output_index=output_index, item=done)

    def stream(self) -> Iterator[Step]:
        """All SSE events (dicts with `type`) plus pauses/drops, in order."""
        output: list[dict[str, Any]] = []
        yield self._event("response.created", response=self.response("in_progress", [], None))
        yield self._event("response.in_progress", response=self.response("in_progress", [], None))
        index = 0
        if self.reply.content or self.reply.kind == "huge":
            yield from self._stream_message(index, output)
            index += 1
        if self.reply.kind == "disconnect":
            yield Drop()
            return
        if self.reply.kind == "stream_error":
            error = {"code": "server_error", "message": self.reply.message}
            yield self._event(
                "response.failed", response=self.response("failed", output, self.usage(), error)
            )
            return
        for i in range(len(self.reply.calls)):
            yield from self._stream_call(i, index + i, output)
        yield self._event(
            "response.completed", response=self.response("completed", output, self.usage())
        )

    def whole(self) -> dict[str, Any]:
        """The non-streaming response object."""
        output: list[dict[str, Any]] = []
        text = full_text(self.reply)
        if text:
            output.append(self._message(new_id("msg"), text, "completed"))
        for i, call in enumerate(self.reply.calls):
            output.append(self._call_item(i, "completed", call.arguments_json))
        return self.response("completed", output, self.usage())
