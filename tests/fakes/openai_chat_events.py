"""Turn a `Reply` into Chat-Completions wire data: SSE chunks or the whole completion object."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from typing import Any

from tests.fakes.openai_events import Drop, Pause, Step, full_text, new_id, pieces, usage_numbers
from tests.fakes.openai_script import Reply


class ChatBuilder:
    """Builds the Chat-Completions representation of one reply."""

    def __init__(self, body: dict[str, Any], reply: Reply) -> None:
        self.body = body
        self.reply = reply
        self.completion_id = new_id("chatcmpl")
        self.created = int(time.time())
        options = body.get("stream_options") or {}
        self.include_usage = bool(options.get("include_usage"))

    def usage(self) -> dict[str, Any]:
        prompt, out = usage_numbers(self.body, self.reply)
        return {
            "prompt_tokens": prompt,
            "completion_tokens": out,
            "total_tokens": prompt + out,
            "prompt_tokens_details": {"cached_tokens": 0, "audio_tokens": 0},
            "completion_tokens_details": {
                "reasoning_tokens": 0,
                "audio_tokens": 0,
                "accepted_prediction_tokens": 0,
                "rejected_prediction_tokens": 0,
            },
        }

    def _base(self) -> dict[str, Any]:
        return {
            "id": self.completion_id,
            "created": self.created,
            "model": self.body.get("model", "gpt-fake"),
            "system_fingerprint": "fp_fake",
            "service_tier": "default",
        }

    def _chunk(self, delta: dict[str, Any], finish: str | None = None) -> dict[str, Any]:
        chunk = {
            **self._base(),
            "object": "chat.completion.chunk",
            "choices": [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}],
        }
        if self.include_usage:
            chunk["usage"] = None
        return chunk

    def _call_ids(self) -> list[str]:
        return [c.call_id or f"call_{uuid.uuid4().hex[:24]}" for c in self.reply.calls]

    def stream(self) -> Iterator[Step]:
        """All chunks (dicts) plus pauses/drops, in order; the caller adds `[DONE]`."""
        yield self._chunk({"role": "assistant", "content": "", "refusal": None})
        text = ""
        for piece in pieces(self.reply):
            if isinstance(piece, Pause):
                yield piece
                continue
            text += piece
            yield self._chunk({"content": piece})
            if self.reply.kind in ("disconnect", "stream_error") and text == self.reply.content:
                break
        if self.reply.kind == "disconnect":
            yield Drop()
            return
        if self.reply.kind == "stream_error":
            yield {
                "error": {
                    "message": self.reply.message,
                    "type": "server_error",
                    "param": None,
                    "code": None,
                }
            }
            return
        for i, (call, call_id) in enumerate(zip(self.reply.calls, self._call_ids(), strict=True)):
            yield self._chunk(
                {
                    "tool_calls": [
                        {
                            "index": i,
                            "id": call_id,
                            "type": "function",
                            "function": {"name": call.name, "arguments": ""},
                        }
                    ]
                }
            )
            args = call.arguments_json
            for start in range(0, len(args), 12):
                yield self._chunk(
                    {
                        "tool_calls": [
                            {"index": i, "function": {"arguments": args[start : start + 12]}}
                        ]
                    }
                )
        yield self._chunk({}, "tool_calls" if self.reply.calls else "stop")
        if self.include_usage:
            yield {
                **self._base(),
                "object": "chat.completion.chunk",
                "choices": [],
                "usage": self.usage(),
            }

    def whole(self) -> dict[str, Any]:
        """The non-streaming chat.completion object."""
        calls = [
            {
                "id": call_id,
                "type": "function",
                "function": {"name": c.name, "arguments": c.arguments_json},
            }
            for c, call_id in zip(self.reply.calls, self._call_ids(), strict=True)
        ]
        message: dict[str, Any] = {
            "role": "assistant",
            "content": full_text(self.reply) or None,
            "refusal": None,
            "annotations": [],
        }
        if calls:
            message["tool_calls"] = calls
        return {
            **self._base(),
            "object": "chat.completion",
            "choices": [
                {
                    "index": 0,
                    "message": message,
                    "logprobs": None,
                    "finish_reason": "tool_calls" if calls else "stop",
                }
            ],
            "usage": self.usage(),
        }
