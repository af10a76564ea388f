"""A conversation's own budget in the store (schema v6), and what each turn and the
conversation cost in both exports; a database and an export written by the code before
(16397db, fixtures/make_v5.py) load and import with no budget of their own."""

from __future__ import annotations

import json
import shutil
import sqlite3
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from markdown_it import MarkdownIt

from desktop.core.agent.budget import NO_BUDGET
from desktop.core.agent.events import Usage
from desktop.core.conversations.history import items_from_turn
from desktop.core.conversations.transcript import ErrorItem
from desktop.core.errors import ErrorKind
from desktop.core.store.schema import SCHEMA_VERSION
from desktop.core.store.sqlite import ConversationStore
from tests.unit.store.test_store_messages import FakeClock, answered, dump

FIXTURES = Path(__file__).parent / "fixtures"
ODD = "openai-compatible:odd"


@pytest.fixture
def store(tmp_path: Path) -> Iterator[ConversationStore]:
    with ConversationStore(tmp_path / "c.sqlite3", clock=FakeClock()) as s:
        yield s


def _v5_copy(tmp_path: Path) -> Path:
    db = tmp_path / "v5.sqlite3"
    shutil.copyfile(FIXTURES / "v5.sqlite3", db)
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == 5
        columns = [row[1] for row in conn.execute("PRAGMA table_info(conversations)")]
        assert "budget" not in columns
    return db


def test_a_v5_database_loads_follows_the_setting_and_takes_a_budget(tmp_path: Path) -> None:
    db = _v5_copy(tmp_path)
    with ConversationStore(db) as store:
        (summary,) = store.list_conversations()
        conversation = store.get_conversation(summary.id)
        assert conversation.budget is None  # the setting's, as before
        assert conversation.usage.cost == Decimal("0.0031")
        assert conversation.unpriced_turns == 1  # the odd model's: not counted as $0
        turns = store.turns(summary.id)
        assert [t.status for t in turns] == ["complete", "complete", "complete", "failed"]
        # The budget-reached message of before is known again: the window offers its button.
        error = items_from_turn(turns[-1])[-1]
        assert isinstance(error, ErrorItem) and error.kind is ErrorKind.BUDGET_REACHED
        store.set_budget(summary.id, Decimal("2.50"))
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        assert conn.execute("SELECT budget FROM conversations").fetchall() == [("2.50",)]


def test_an_own_budget_an_off_and_none_are_kept_exactly(store: ConversationStore) -> None:
    cid = store.create_conversation("openai:gpt-5")
    assert store.get_conversation(cid).budget is None
    for own, stored in ((Decimal("0.0001"), "0.0001"), (NO_BUDGET, "off"), (None, None)):
        store.set_budget(cid, own)
        assert store.get_conversation(cid).budget == own
        raw = store._connection().execute("SELECT budget FROM conversations").fetchone()[0]
        assert raw == stored


def test_a_damaged_budget_follows_the_setting(store: ConversationStore) -> None:
    cid = store.create_conversation("openai:gpt-5")
    store._connection().execute("UPDATE conversations SET budget = '-3'")
    assert store.get_conversation(cid).budget is None


def _costly(store: ConversationStore) -> str:
    """Three turns: priced, at an unknown price, and one a budget stopped after a request."""
    cid = store.create_conversation("openai:gpt-5", "Costly")
    for prompt, model, usage in (
        ("one", "openai:gpt-5", Usage(1000, 200, 1, 0, Decimal("0.0031"))),
        ("two", ODD, Usage(400, 30, 1, 0, None)),
    ):
        turn = store.begin_turn(cid, prompt, model=model)
        store.complete_turn(turn, dump(answered(prompt, "ok")), "ok", (), usage)
    stopped = store.begin_turn(cid, "three", model="openai:gpt-5")
    store.complete_turn(
        stopped, None, "", (), Usage(500, 10, 1, 1, Decimal("0.0007")), "failed", error="Spent."
    )
    store.set_budget(cid, Decimal("0.0030"))
    return cid


def test_the_json_export_has_each_turns_cost_and_the_totals(store: ConversationStore) -> None:
    cid = _costly(store)
    exported = json.loads(store.export_json(cid, Decimal("0.0123")))
    conversation = exported["conversation"]
    assert conversation["usage"]["cost"] == "0.0038"  # the stopped turn's request counts
    assert (conversation["budget"], conversation["sandbox_cost"]) == ("0.0030", "0.0123")
    assert [(t["model"], t["usage"]["cost"]) for t in exported["turns"]] == [
        ("openai:gpt-5", "0.0031"),
        (ODD, None),  # price unknown: null, never 0
        ("openai:gpt-5", "0.0007"),
    ]
    # Unknown, the sandboxes' cost is left out, as a conversation with no budget's budget.
    store.set_budget(cid, None)
    plain = json.loads(store.export_json(cid))["conversation"]
    assert "sandbox_cost" not in plain and "budget" not in plain
    again = store.import_json(store.export_json(cid, Decimal("0.0123")))
    assert store.get_conversation(again).usage == store.get_conversation(cid).usage


def test_the_budget_travels_with_an_export(store: ConversationStore) -> None:
    cid = _costly(store)
    again = store.import_json(store.export_json(cid))
    assert store.get_conversation(again).budget == Decimal("0.0030")


def test_an_imported_budget_of_off_follows_the_setting_instead(store: ConversationStore) -> None:
    """A file from elsewhere never lifts the limit the person's setting puts on every chat."""
    cid = _costly(store)
    store.set_budget(cid, "off")
    exported = store.export_json(cid)
    assert json.loads(exported)["conversation"]["budget"] == "off"
    again = store.import_json(exported)
    assert store.get_conversation(again).budget is None


def test_an_export_of_before_imports_with_no_budget_of_its_own(store: ConversationStore) -> None:
    text = (FIXTURES / "v5.export.json").read_text("utf-8")
    assert '"budget"' not in text and '"sandbox_cost"' not in text
    cid = store.import_json(text)
    conversation = store.get_conversation(cid)
    assert (conversation.budget, conversation.unpriced_turns) == (None, 1)
    assert [t.usage.cost for t in store.turns(cid)] == [
        Decimal("0.0031"),
        Decimal(0),
        None,
        None,
    ]
    assert json.loads(store.export_json(cid))["turns"] == json.loads(text)["turns"]


def test_the_markdown_export_says_what_each_turn_and_the_whole_cost(
    store: ConversationStore,
) -> None:
    cid = _costly(store)
    markdown = store.export_markdown(cid, Decimal("0.0123"))
    assert (
        "**Cost:**\n\n- Model: 2,140 tokens, $0.0038 (1 turn: price unknown)\n"
        "- Sandboxes it created: $0.01 so far\n- Budget: $0.0030\n"
    ) in markdown
    assert "_Answered by_ `openai:gpt-5` · 1,200 tokens · $0.0031" in markdown
    assert f"_Answered by_ `{ODD}` · 430 tokens · price unknown" in markdown
    assert "_Answered by_ `openai:gpt-5` · 510 tokens · $0.0007" in markdown  # the stopped one
    assert "- Sandboxes it created: not known" in store.export_markdown(cid)


def test_the_cost_lines_stay_inert(store: ConversationStore) -> None:
    hostile = "openai-compatible:<img src=x onerror=alert(1)>`x`\x1b[31m"
    cid = store.create_conversation(hostile, "Hostile")
    turn = store.begin_turn(cid, "hi", model=hostile)
    store.complete_turn(turn, None, "ok", (), Usage(5, 5, 1, 0, None))
    markdown = store.export_markdown(cid)
    tokens = MarkdownIt("commonmark").parse(markdown)
    kinds = {t.type for t in tokens} | {c.type for t in tokens for c in t.children or ()}
    assert not kinds & {"html_inline", "html_block", "image", "link_open"}
    assert "\x1b" not in markdown and "\\u001b" in markdown


def test_turns_at_no_price_that_used_no_tokens_cost_nothing_known_on_both_faces() -> None:
    """No priced turn and none at an unknown price: $0.00, as the window's costLabel and the
    terminal's /cost both say; only tokens at an unknown price make the price unknown."""
    from desktop.core.agent.events import Usage
    from desktop.core.store.spending import spending_of

    assert spending_of([]).priced_cost == Decimal(0)
    assert spending_of([Usage(0, 0, 1, 0, None)]).priced_cost == Decimal(0)
    assert spending_of([Usage(10, 5, 1, 0, None)]).priced_cost is None
    assert spending_of([Usage(10, 5, 1, 0, Decimal("0.002"))]).priced_cost == Decimal("0.002")
