"""A pending turn's progress: written per finished tool call, read back by history and the view,
never lost by the reply that completes the turn."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from pydantic_ai import Agent
from pydantic_ai.messages import (
    ModelMessage,
    ModelRequest,
    ModelResponse,
    ToolCallPart,
    ToolReturnPart,
    UserPromptPart,
)
from pydantic_ai.models.test import TestModel

from desktop.core.store.records import NotFoundError, StoreError
from desktop.core.store.sqlite import ConversationStore
from tests.unit.store.test_store_messages import MODEL, FakeClock, answered, card, dump


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "c.sqlite3"


@pytest.fixture
def store(db: Path) -> Iterator[ConversationStore]:
    with ConversationStore(db, clock=FakeClock()) as s:
        yield s


def created(prompt: str = "create a sandbox") -> list[ModelMessage]:
    """A turn cut off after its create call returned, before the model answered the result."""
    return [
        ModelRequest(parts=[UserPromptPart(prompt)]),
        ModelResponse(parts=[ToolCallPart("E2B_CREATE_SANDBOX", {}, tool_call_id="c1")]),
        ModelRequest(
            parts=[ToolReturnPart("E2B_CREATE_SANDBOX", {"sandboxID": "sbx-1"}, "c1")],
            state="interrupted",
        ),
    ]


def test_progress_is_kept_by_a_pending_turn_and_read_back(
    store: ConversationStore, db: Path
) -> None:
    cid = store.create_conversation(MODEL)
    earlier = answered("hello", "hi")
    store.complete_turn(store.begin_turn(cid, "hello"), dump(earlier), "hi")
    turn = store.begin_turn(cid, "create a sandbox")
    progress = created()

    store.record_progress(turn, dump(progress), "Creating it.", [card("c1")])

    last = store.turns(cid)[-1]
    assert (last.status, last.text, last.tool_cards) == ("pending", "Creating it.", (card("c1"),))
    assert store.history(cid) == earlier + progress
    # A new prompt on top of it is accepted (the model hears the call and its return).
    result = asyncio.run(
        Agent(TestModel(custom_output_text="ok")).run("go on", message_history=store.history(cid))
    )
    assert result.output == "ok"
    with sqlite3.connect(db) as raw:  # found by search, as any reply text is
        query = "SELECT count(*) FROM turns_fts WHERE turns_fts MATCH 'Creating'"
        assert raw.execute(query).fetchone() == (1,)


def test_the_reply_completes_the_turn_over_its_progress(store: ConversationStore) -> None:
    cid = store.create_conversation(MODEL)
    turn = store.begin_turn(cid, "create a sandbox")
    progress = created()
    store.record_progress(turn, dump(progress), "", [card("c1")])
    store.record_progress(turn, None, "Still on it.", [card("c1"), card("c2")])  # keeps messages

    assert store.history(cid) == progress
    assert len(store.turns(cid)[-1].tool_cards) == 2

    # An end without messages of its own (a stream cut off) keeps what the progress held.
    store.complete_turn(turn, None, "Still on it.", [card("c1")], status="cancelled")
    [done] = store.turns(cid)
    assert (done.status, done.tool_cards) == ("cancelled", (card("c1"),))
    assert store.history(cid) == progress


def test_progress_of_a_turn_already_ended_or_gone_is_refused(store: ConversationStore) -> None:
    cid = store.create_conversation(MODEL)
    turn = store.begin_turn(cid, "hello")
    hello = answered("hello", "hi")
    store.complete_turn(turn, dump(hello), "hi")

    with pytest.raises(StoreError, match="already complete"):
        store.record_progress(turn, dump(created()), "late", [])
    with pytest.raises(NotFoundError):
        store.record_progress(turn + 100, None, "", [])
    with pytest.raises(StoreError, match="not valid"):
        store.record_progress(store.begin_turn(cid, "next"), b"[{]", "", [])
    assert store.history(cid) == hello


def test_an_interrupted_turn_exports_and_imports_with_what_it_had_done(
    store: ConversationStore,
) -> None:
    cid = store.create_conversation(MODEL)
    turn = store.begin_turn(cid, "create a sandbox")
    store.record_progress(turn, dump(created()), "Creating it.", [card("c1")])

    assert "_Interrupted before the reply ended._" in store.export_markdown(cid)
    copy = store.import_json(store.export_json(cid))
    [imported] = store.turns(copy)
    assert (imported.status, imported.text, imported.tool_cards) == (
        "pending",
        "Creating it.",
        (card("c1"),),
    )
    assert store.history(copy) == store.history(cid)
