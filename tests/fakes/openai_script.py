"""Scripted replies for the fake OpenAI server: `Reply` values and the thread-safe queue."""

from __future__ import annotations

import json
import threading
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

ReplyKind = Literal["text", "tool_calls", "error", "hang", "huge", "disconnect", "stream_error"]


@dataclass(frozen=True)
class ToolCall:
    """One function call the fake model makes."""

    name: str
    arguments: Mapping[str, Any] | str = field(default_factory=dict)
    call_id: str | None = None

    @property
    def arguments_json(self) -> str:
        if isinstance(self.arguments, str):
            return self.arguments
        return json.dumps(self.arguments, separators=(",", ":"))


@dataclass(frozen=True)
class Reply:
    """What the fake model answers to one HTTP request. Build with the class methods."""

    kind: ReplyKind
    content: str = ""
    chunk_size: int = 8
    delay_per_chunk: float = 0.0
    calls: tuple[ToolCall, ...] = ()
    status: int = 200
    message: str | None = None
    retry_after: float | None = None
    n_tokens: int = 0
    usage: tuple[int, int] | None = None
    delay_before: float = 0.0

    @classmethod
    def text(
        cls,
        text: str,
        *,
        chunk_size: int = 8,
        usage: tuple[int, int] | None = None,
        delay_before: float = 0.0,
    ) -> Reply:
        """Stream `text` in chunks of `chunk_size` characters (`usage` = (input, output) tokens)."""
        return cls(
            "text",
            content=text,
            chunk_size=max(1, chunk_size),
            usage=usage,
            delay_before=delay_before,
        )

    @classmethod
    def slow_text(cls, text: str, delay_per_chunk: float = 0.2, *, chunk_size: int = 4) -> Reply:
        """Stream `text` slowly (for cancel-mid-stream tests)."""
        return cls(
            "text", content=text, chunk_size=max(1, chunk_size), delay_per_chunk=delay_per_chunk
        )

    @classmethod
    def tool_call(
        cls,
        name: str,
        arguments: Mapping[str, Any] | str | None = None,
        *,
        call_id: str | None = None,
        text: str = "",
    ) -> Reply:
        """One function call (optionally preceded by some text)."""
        return cls(
            "tool_calls",
            content=text,
            calls=(ToolCall(name, arguments if arguments is not None else {}, call_id),),
        )

    @classmethod
    def tool_calls(
        cls, calls: Sequence[ToolCall | tuple[str, Mapping[str, Any]]], *, text: str = ""
    ) -> Reply:
        """Several function calls in one response (parallel tool calls)."""
        built = tuple(c if isinstance(c, ToolCall) else ToolCall(c[0], c[1]) for c in calls)
        return cls("tool_calls", content=text, calls=built)

    @classmethod
    def error(
        cls, status: int = 500, *, message: str | None = None, retry_after: float | None = None
    ) -> Reply:
        """An HTTP error with OpenAI's error JSON (429 gets `retry-after` if given)."""
        return cls("error", status=status, message=message, retry_after=retry_after)

    @classmethod
    def hang(cls) -> Reply:
        """Accept the request and never answer (released only by reset/shutdown)."""
        return cls("hang")

    @classmethod
    def huge(cls, n_tokens: int, *, chunk_size: int = 1) -> Reply:
        """Stream about `n_tokens` short tokens as fast as possible (`chunk_size` tokens/event)."""
        return cls("huge", n_tokens=n_tokens, chunk_size=max(1, chunk_size))

    @classmethod
    def disconnect(cls, partial_text: str = "Partial ans") -> Reply:
        """Stream `partial_text`, then drop the connection without finishing the stream."""
        return cls("disconnect", content=partial_text, chunk_size=4)

    @classmethod
    def stream_error(
        cls,
        partial_text: str = "",
        *,
        message: str = "The server had an error while processing your request. Sorry about that!",
    ) -> Reply:
        """Stream `partial_text`, then an in-stream error (`response.failed` / `error`)."""
        return cls("stream_error", content=partial_text, message=message, chunk_size=4)

    def chunks(self) -> list[str]:
        size = self.chunk_size
        return [self.content[i : i + size] for i in range(0, len(self.content), size)]


Responder = Callable[[dict[str, Any]], Reply]
"""A callable that builds a reply from the parsed request body (for dynamic scripts)."""


@dataclass
class RecordedRequest:
    """One request the fake received."""

    method: str
    path: str
    headers: dict[str, str]
    json: dict[str, Any]
    query: str = ""

    @property
    def api(self) -> Literal["responses", "chat"]:
        return "chat" if self.path.endswith("/chat/completions") else "responses"


class Script:
    """A FIFO of replies, consumed one per model request. Thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._queue: deque[Reply | Responder] = deque()

    def push(self, *replies: Reply | Responder, times: int = 1) -> None:
        """Queue replies (each repeated `times` times, e.g. a 429 the SDK will retry)."""
        with self._lock:
            for _ in range(times):
                self._queue.extend(replies)

    def pop(self) -> Reply | Responder | None:
        with self._lock:
            return self._queue.popleft() if self._queue else None

    def clear(self) -> None:
        with self._lock:
            self._queue.clear()

    def __len__(self) -> int:
        with self._lock:
            return len(self._queue)
