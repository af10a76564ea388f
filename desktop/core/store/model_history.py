"""The pydantic-ai message history a stored conversation continues with (`history()`)."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from typing import TYPE_CHECKING

from pydantic import ValidationError

from desktop.core.store.records import StoreError

if TYPE_CHECKING:
    from pydantic_ai.messages import ModelMessage


def history_rows(conn: sqlite3.Connection, conversation_pk: int) -> list[tuple[str]]:
    """The stored messages of the conversation's turns that have any, oldest first: finished
    ones, and pending ones that kept what they had done when their process ended."""
    rows: list[tuple[str]] = conn.execute(
        "SELECT messages_json FROM turns WHERE conversation_pk = ?"
        " AND messages_json IS NOT NULL ORDER BY id",
        (conversation_pk,),
    ).fetchall()
    return rows


def history_of(rows: Sequence[tuple[str]]) -> list[ModelMessage]:
    """The messages of every turn that holds at least one model response, in order, repaired by
    `pydantic_ai.messages.repair_messages` (the unanswered tool calls of a turn stopped or cut
    off are closed out, so that a new prompt is accepted). Turns that never got a response
    (failed before the model answered, stopped at once, cut off before anything ran) are shown
    to the user but left out: the model does not see a question nobody answered."""
    # pydantic-ai's message types weigh ~50 MB: loaded when a conversation is continued,
    # not when the store opens (see desktop.core.lazy_imports).
    from pydantic_ai.messages import ModelMessagesTypeAdapter, ModelResponse, repair_messages

    messages: list[ModelMessage] = []
    for (stored,) in rows:
        try:
            turn_messages = ModelMessagesTypeAdapter.validate_json(stored)
        except ValidationError as exc:
            raise StoreError("A stored reply of this conversation cannot be read.") from exc
        if any(isinstance(m, ModelResponse) for m in turn_messages):
            messages.extend(turn_messages)
    return repair_messages(messages)
