"""An OpenAI client that skips the SDK's request transform where it provably changes nothing.

Why: before each request, `responses.create` and `chat.completions.create` pass the whole body
through `openai._utils._transform.async_maybe_transform`. For a union of TypedDicts (the 33 item
types of the Responses API's `input`, the 6 of `messages`) it walks every item once per member of
the union, so the cost grows with the conversation: ~0.4 s of CPU per request at turn 200 with
one tool call per turn, nearly all of a turn's CPU, and ~0.66 s in the window's process, where
PySide6's `__import__` hook slows the import statement the transform runs at every step (issue 8;
the same problem upstream: anthropic-sdk-python#1195, openai-python#3616, open against 3.57).

For the conversation itself that walk produces what it was given: no field of those types has a
`PropertyInfo` alias or format (checked once, at run time, by `_transformed`), and the transform's
other changes (dropping omitted values, dumping pydantic models, copying mappings and iterables
into dicts and lists) do not apply to plain JSON values (checked on every request by `_plain`).

How: `PlainBodyAsyncOpenAI.responses.create` and `.chat.completions.create` hand a plain
conversation to the SDK inside an `_Untouched` box, which the transform leaves as it is (not a
mapping, not iterable, not a model); `PlainBodyAsyncOpenAI.post` takes it out again in place, so
the body keeps its key order and the bytes sent are the same (tests/unit/agent/
test_request_cost.py). Anything else goes through the SDK unchanged. Should a future SDK stop
passing the body to `post`, the box reaches the JSON encoder and the request fails loudly; it can
never send something different.

Imports openai: import this module only where the agent is built (off the UI's first paint).
"""

from __future__ import annotations

import functools
import typing
from collections.abc import Iterable
from typing import Any

import openai
from openai._utils import PropertyInfo  # the SDK's own marker, re-exported by its _utils
from openai.resources.chat import AsyncChat
from openai.resources.chat.completions import AsyncCompletions
from openai.resources.responses import AsyncResponses
from openai.types.chat import ChatCompletionMessageParam
from openai.types.responses import ResponseInputParam
from typing_extensions import get_type_hints, is_typeddict

_SCALARS = (str, int, float, bool, type(None))


class _Untouched:
    """A value the SDK's transform must pass by: no mapping, no iterable, no pydantic model."""

    __slots__ = ("value",)

    def __init__(self, value: list[Any]) -> None:
        self.value = value


def _plain(value: object) -> bool:
    """True for JSON made of dicts with str keys, lists, tuples, str, int, float, bool and None."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, _SCALARS):
            continue
        if isinstance(item, dict):
            if not all(isinstance(key, str) for key in item):
                return False
            stack.extend(item.values())
        elif isinstance(item, list | tuple):
            stack.extend(item)
        else:  # omitted values, pydantic models, dates, files, other mappings and iterables
            return False
    return True


def _annotation_args(annotation: object) -> Iterable[object]:
    if is_typeddict(annotation):
        return get_type_hints(annotation, include_extras=True).values()
    if typing.get_origin(annotation) is typing.Literal:
        return ()
    return typing.get_args(annotation)


@functools.cache
def _transformed(annotation: object) -> bool:
    """Whether the SDK's transform can change a value of this type: a `PropertyInfo` with an
    alias or a format anywhere in it. When in doubt (a type it cannot read), True."""
    seen: set[int] = set()
    stack = [annotation]
    try:
        while stack:
            current = stack.pop()
            if id(current) in seen:
                continue
            seen.add(id(current))
            for meta in getattr(current, "__metadata__", ()):  # Annotated[T, PropertyInfo(...)]
                if isinstance(meta, PropertyInfo) and (meta.alias or meta.format):
                    return True
            stack.extend(_annotation_args(current))
    except Exception:  # a forward reference or a construct it does not know
        return True
    return False


def _boxed(kwargs: dict[str, Any], key: str, annotation: object) -> dict[str, Any]:
    value = kwargs.get(key)
    if isinstance(value, list) and not _transformed(annotation) and _plain(value):
        return {**kwargs, key: _Untouched(value)}
    return kwargs


class _PlainResponses(AsyncResponses):
    async def create(self, **kwargs: Any) -> Any:
        return await super().create(**_boxed(kwargs, "input", ResponseInputParam))


class _PlainCompletions(AsyncCompletions):
    async def create(self, **kwargs: Any) -> Any:
        messages = Iterable[ChatCompletionMessageParam]  # the `messages` parameter's type
        return await super().create(**_boxed(kwargs, "messages", messages))


class _PlainChat(AsyncChat):
    @functools.cached_property
    def completions(self) -> AsyncCompletions:
        return _PlainCompletions(self._client)


class PlainBodyAsyncOpenAI(openai.AsyncOpenAI):
    """`openai.AsyncOpenAI`, built with the same arguments, minus the transform of a plain
    conversation (see the module's docstring). Copies (`with_options`) keep the class."""

    @functools.cached_property
    def responses(self) -> AsyncResponses:
        return _PlainResponses(self)

    @functools.cached_property
    def chat(self) -> AsyncChat:
        return _PlainChat(self)

    async def post(self, path: str, *, body: Any = None, **kwargs: Any) -> Any:
        if isinstance(body, dict) and any(isinstance(v, _Untouched) for v in body.values()):
            body = {k: v.value if isinstance(v, _Untouched) else v for k, v in body.items()}
        return await super().post(path, body=body, **kwargs)
