"""Lone surrogates (a `\\ud83d` escape without its pair) replaced before text is stored or sent.

JSON can carry half a surrogate pair and Python decodes it, but UTF-8 cannot encode it: one in a
reply or a tool result made every later store write and model request of the conversation fail.
"""

from __future__ import annotations

import contextlib
import json
import weakref
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pydantic_ai.messages import ModelMessage

REPLACEMENT = "\ufffd"


def clean_text(text: str) -> str:
    """`text` with each lone surrogate replaced by U+FFFD (the same `str` when it has none)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        # UTF-16 pairs surrogates written apart and replaces only the lone ones.
        return text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
    return text


def clean_value(value: object) -> object:
    """A JSON-like value (tool arguments) with its strings, keys too, cleaned."""
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, dict):
        return {clean_value(k): clean_value(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [clean_value(item) for item in value]
    return value


# Messages already found encodable, by identity: a long history is checked once, not before
# every request (a message in the history is never changed afterwards). Weak: forgotten with
# the message. Used on the agent's loop only.
_ENCODABLE: dict[int, weakref.ref[Any]] = {}
_PRUNE_AT = 20_000


def _known_encodable(message: object) -> bool:
    seen = _ENCODABLE.get(id(message))
    return seen is not None and seen() is message


def clean_messages(messages: Sequence[ModelMessage]) -> list[ModelMessage]:
    """The messages, rebuilt with their text cleaned only when some of it cannot be encoded."""
    from pydantic_ai.messages import ModelMessagesTypeAdapter
    from pydantic_core import PydanticSerializationError

    unchecked = [message for message in messages if not _known_encodable(message)]
    if not unchecked:
        return list(messages)
    try:
        ModelMessagesTypeAdapter.dump_json(unchecked)
    except PydanticSerializationError:
        data = ModelMessagesTypeAdapter.dump_python(list(messages), mode="json")
        text = clean_text(json.dumps(data, ensure_ascii=False))
        return ModelMessagesTypeAdapter.validate_json(text)
    if len(_ENCODABLE) > _PRUNE_AT:
        for key in [key for key, ref in _ENCODABLE.items() if ref() is None]:
            del _ENCODABLE[key]
    for message in unchecked:
        with contextlib.suppress(TypeError):  # not weakly referable: checked again next time
            _ENCODABLE[id(message)] = weakref.ref(message)
    return list(messages)


async def clean_history(messages: list[Any]) -> list[Any]:
    """`clean_messages` as a history processor, run before each model request (async: on the
    loop, not in a thread of its own). `Any`: pydantic-ai resolves the annotations at run time,
    and this module imports pydantic-ai only when it is needed."""
    return clean_messages(messages)
