"""What the scripted model fakes of other wire formats share with the OpenAI one: the script,
the brain (which reads a Chat-Completions body: each fake converts its own format to it), the
gate, the record of what was received, and the accepted keys."""

from __future__ import annotations

import json
import threading
from collections.abc import AsyncIterator, Callable, Collection, Iterator
from typing import Any

from starlette.requests import Request
from starlette.responses import Response, StreamingResponse

from tests.fakes.gate import Gate
from tests.fakes.openai_brain import default_reply
from tests.fakes.openai_events import Drop, Pause, Step
from tests.fakes.openai_script import RecordedRequest, Reply, Responder, Script
from tests.fakes.serving import ServedFake, ServerThread


class ScriptedModelFake(ServedFake):
    """A model fake: `script` for scripted replies, `requests` for what it received.

    Keys: `api_keys` if given, else any key starting with the class's `key_prefix`; `models`
    is what its model list names; `name` names its server thread.
    """

    name = "fake-model"
    key_prefix = "test"
    default_models: tuple[str, ...] = ()

    def __init__(
        self,
        *,
        api_keys: Collection[str] | None = None,
        port: int = 0,
        brain: Responder | None = None,
    ) -> None:
        self.script = Script()
        self.api_keys: set[str] | None = set(api_keys) if api_keys is not None else None
        self.models = self.default_models
        self.brain: Responder = brain or default_reply
        self.gate = Gate()
        self._lock = threading.Lock()
        self._requests: list[RecordedRequest] = []
        self._model_lists: list[RecordedRequest] = []
        self._server = ServerThread(
            self.build_app, port=port, name=self.name, on_stop=self.gate.release_all
        )

    def build_app(self) -> Any:
        raise NotImplementedError

    def reset(self) -> None:
        self.script.clear()
        self.gate.release_all()
        with self._lock:
            self._requests.clear()
            self._model_lists.clear()
        self.brain = default_reply

    @property
    def requests(self) -> list[RecordedRequest]:
        """Model requests received so far (authenticated or not), oldest first."""
        with self._lock:
            return list(self._requests)

    @property
    def model_lists(self) -> list[RecordedRequest]:
        """Model-list requests received (authenticated or not): they cost no tokens."""
        with self._lock:
            return list(self._model_lists)

    def key_ok(self, key: str) -> bool:
        if self.api_keys is not None:
            return key in self.api_keys
        return key.startswith(self.key_prefix)

    async def record(self, request: Request, *, listing: bool = False) -> dict[str, Any] | None:
        """Keep the request; its JSON body (None when it is not a JSON object)."""
        raw = await request.body()
        try:
            body = json.loads(raw) if raw else {}
        except ValueError:
            body = None
        record = RecordedRequest(
            request.method,
            request.url.path,
            {k.lower(): v for k, v in request.headers.items()},
            body if isinstance(body, dict) else {},
        )
        with self._lock:
            (self._model_lists if listing else self._requests).append(record)
        return body if isinstance(body, dict) else None

    async def sse(
        self, steps: Iterator[Step], frame: Callable[[dict[str, Any]], str]
    ) -> AsyncIterator[str]:
        """The stream's events, each as `frame` writes it; pauses wait (a reset cuts them
        short), a `Drop` cuts the connection."""
        for step in steps:
            if isinstance(step, Pause):
                if not await self.gate.wait(step.seconds):
                    return
            elif isinstance(step, Drop):
                from tests.fakes.openai_server import DroppedConnectionError

                raise DroppedConnectionError
            else:
                yield frame(step)

    def streamed(
        self, steps: Iterator[Step], frame: Callable[[dict[str, Any]], str]
    ) -> StreamingResponse:
        return StreamingResponse(
            self.sse(steps, frame),
            media_type="text/event-stream",
            headers={"cache-control": "no-cache"},
        )

    async def answer(
        self, chat_body: dict[str, Any], refuse: Callable[[Reply], Response], hung: Reply
    ) -> Reply | Response:
        """The reply to stream, or the error response that takes its place: a scripted error,
        or `hung` once a hanging request is released (by a reset or the shutdown)."""
        reply = self.next_reply(chat_body)
        if reply.delay_before:
            await self.gate.wait(reply.delay_before)
        if reply.kind == "hang":
            await self.gate.wait(None)
            return refuse(hung)
        return refuse(reply) if reply.kind == "error" else reply

    def next_reply(self, chat_body: dict[str, Any]) -> Reply:
        """The scripted reply, else the brain's answer to the conversation (as Chat)."""
        item = self.script.pop()
        if item is None:
            return self.brain(chat_body)
        return item if isinstance(item, Reply) else item(chat_body)


def result_text(value: Any) -> str:
    """A tool result as the brain reads it: text as it is, anything else as JSON."""
    if isinstance(value, str):
        return value
    if isinstance(value, list):  # content blocks
        texts = [b.get("text", "") for b in value if isinstance(b, dict)]
        if texts and all(isinstance(t, str) for t in texts):
            return "".join(texts)
    return json.dumps(value, separators=(",", ":"), default=str)
