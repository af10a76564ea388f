"""Each turn keeps which model it went to: across a switch of provider, in the store, in both
exports and back through an import; turns stored before have none and read as before."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest

from desktop.core.agent.events import Usage
from desktop.core.conversations.history import items_from_turn
from desktop.core.conversations.transcript import AssistantItem
from desktop.core.store.sqlite import ConversationStore
from tests.unit.store.test_store_messages import FakeClock, answered, dump

CLAUDE = "anthropic:claude-sonnet-4-5"
OLLAMA = "ollama:llama3.1"


@pytest.fixture
def store(tmp_path: Path) -> Iterator[ConversationStore]:
    with ConversationStore(tmp_path / "c.sqlite3", clock=FakeClock()) as s:
        yield s


@pytest.fixture
def switched(store: ConversationStore) -> str:
    """Two turns: Claude answered the first, a local Ollama the second."""
    cid = store.create_conversation(CLAUDE)
    first = store.begin_turn(cid, "List my sandboxes", model=CLAUDE)
    store.complete_turn(
        first,
        dump(answered("List my sandboxes", "None.")),
        "None.",
        (),
        Usage(1000, 200, 1, 0, Decimal("0.006")),
    )
    second = store.begin_turn(cid, "What did I ask before?", model=OLLAMA)
    store.complete_turn(
        second,
        dump(answered("What did I ask before?", "You asked for your sandboxes.")),
        "You asked for your sandboxes.",
        (),
        Usage(1300, 10, 1, 0, Decimal(0)),
    )
    return cid


def test_each_turn_keeps_its_model(store: ConversationStore, switched: str) -> None:
    assert [turn.model for turn in store.turns(switched)] == [CLAUDE, OLLAMA]
    assert len(store.history(switched)) == 4  # one history, whoever answered


def test_the_reply_says_on_hover_who_answered_and_what_it_cost(
    store: ConversationStore, switched: str
) -> None:
    claude, ollama = store.turns(switched)
    replies = [
        i for t in (claude, ollama) for i in items_from_turn(t) if isinstance(i, AssistantItem)
    ]
    assert [r.answered_by for r in replies] == [
        f"Answered by {CLAUDE} · 1,200 tokens · $0.0060",
        f"Answered by {OLLAMA} · 1,310 tokens · local",
    ]


def test_both_exports_name_the_model_of_each_turn(store: ConversationStore, switched: str) -> None:
    markdown = store.export_markdown(switched)
    assert f"_Answered by_ `{CLAUDE}` · 1,200 tokens · $0.0060" in markdown
    assert f"_Answered by_ `{OLLAMA}` · 1,310 tokens · local" in markdown
    exported = json.loads(store.export_json(switched))
    assert [turn["model"] for turn in exported["turns"]] == [CLAUDE, OLLAMA]
    again = store.import_json(store.export_json(switched))
    assert [turn.model for turn in store.turns(again)] == [CLAUDE, OLLAMA]


def test_a_turn_without_a_model_exports_as_before(store: ConversationStore) -> None:
    cid = store.create_conversation(CLAUDE)
    turn = store.begin_turn(cid, "hello")  # as every turn stored before this was kept
    store.complete_turn(turn, dump(answered("hello", "Hi.")), "Hi.", (), Usage(1, 1, 1, 0))
    (stored,) = store.turns(cid)
    assert stored.model is None
    assert "model" not in json.loads(store.export_json(cid))["turns"][0]
    assert "Answered by" not in store.export_markdown(cid)
    reply = next(i for i in items_from_turn(stored) if isinstance(i, AssistantItem))
    assert reply.answered_by == ""


def test_an_unknown_price_says_so(store: ConversationStore) -> None:
    cid = store.create_conversation("openai-compatible:my-model")
    turn = store.begin_turn(cid, "hello", model="openai-compatible:my-model")
    store.complete_turn(turn, dump(answered("hello", "Hi.")), "Hi.", (), Usage(3, 4, 1, 0))
    assert "· 7 tokens · price unknown" in store.export_markdown(cid)


def test_a_database_of_before_gets_the_column(tmp_path: Path) -> None:
    db = tmp_path / "old.sqlite3"
    with ConversationStore(db) as store:
        cid = store.create_conversation(CLAUDE)
        store.begin_turn(cid, "kept")
    with sqlite3.connect(db) as conn:  # as version 4 left it: no model column yet
        conn.execute("ALTER TABLE turns DROP COLUMN model")
        conn.execute("ALTER TABLE conversations DROP COLUMN budget")  # nor version 6's
        conn.execute("DROP TABLE sandbox_clocks")  # nor version 7's
        conn.execute("DROP INDEX turns_by_completed")
        conn.execute("PRAGMA user_version = 4")
    with ConversationStore(db) as store:
        (turn,) = store.turns(cid)
        assert (turn.prompt, turn.model) == ("kept", None)
        store.begin_turn(cid, "new", model=OLLAMA)
        assert [t.model for t in store.turns(cid)] == [None, OLLAMA]
