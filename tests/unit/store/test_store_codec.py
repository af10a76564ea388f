"""One shape per concept: usage and tool cards are one dataclass each, read and written by one
pydantic TypeAdapter in rows and exports; one cut of tool results, live and stored."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest

from desktop.core.agent.events import ToolAction, ToolCallFinished, ToolCallStarted, Usage
from desktop.core.agent.tool_calls import RESULT_TEXT_LIMIT, result_text, truncate_result
from desktop.core.conversations.recorder import TurnRecorder
from desktop.core.conversations.transcript import ToolCallItem
from desktop.core.errors import Fix, Remedy
from desktop.core.store.codec import (
    cards_to_json,
    fix_from_json,
    fix_to_json,
    usage_columns,
    usage_from_columns,
)
from desktop.core.store.records import MAX_IMPORT_BYTES, StoreError
from desktop.core.store.sqlite import ConversationStore
from tests.unit.store.test_store_messages import MODEL, FakeClock, answered, card, dump

REPO = Path(__file__).resolve().parents[3]


@pytest.fixture
def store(tmp_path: Path) -> Iterator[ConversationStore]:
    with ConversationStore(tmp_path / "c.sqlite3", clock=FakeClock()) as s:
        yield s


def test_the_store_hands_back_the_usage_a_turn_reported(store: ConversationStore) -> None:
    cid = store.create_conversation(MODEL)
    for usage in (Usage(3, 4, 1, 2, Decimal("0.00415")), Usage(1, 1, 1, 0), Usage()):
        turn = store.begin_turn(cid, "hi")
        store.complete_turn(turn, dump(answered("hi", "ok")), "ok", (), usage)

    assert [t.usage for t in store.turns(cid)] == [
        Usage(3, 4, 1, 2, Decimal("0.00415")),
        Usage(1, 1, 1, 0),
        Usage(),
    ]
    total = store.get_conversation(cid).usage
    assert type(total) is Usage and total == Usage(4, 5, 2, 2, Decimal("0.00415"))
    assert Usage(1, 0, 0, 0) + Usage(1, 0, 0, 0) == Usage(2, 0, 0, 0)  # no price: no cost
    assert usage_columns(Usage(1, 2, 3, 4, Decimal("1E-7"))) == (1, 2, 3, 4, "1E-7")
    exported = json.loads(store.export_json(cid))
    assert exported["turns"][0]["usage"] == {
        "input_tokens": 3,
        "output_tokens": 4,
        "requests": 1,
        "tool_calls": 2,
        "cost": "0.00415",
    }


@pytest.mark.parametrize(
    ("column", "value"), [("cost", "lots"), ("cost", "-1"), ("input_tokens", -5)]
)
def test_a_damaged_usage_row_is_a_store_error(tmp_path: Path, column: str, value: object) -> None:
    path = tmp_path / "c.sqlite3"
    with ConversationStore(path) as store:
        cid = store.create_conversation(MODEL)
        store.complete_turn(store.begin_turn(cid, "hi"), None, "", status="failed")
    with sqlite3.connect(path) as conn:
        conn.execute(f"UPDATE turns SET {column} = ?", (value,))
        conn.execute(f"UPDATE conversations SET {column} = ?", (value,))
    with ConversationStore(path) as store:
        with pytest.raises(StoreError, match="stored usage is invalid"):
            store.turns(cid)
        with pytest.raises(StoreError, match="stored usage is invalid"):
            store.get_conversation(cid)
    assert usage_from_columns(1, 2, 3, 4, "0.5") == Usage(1, 2, 3, 4, Decimal("0.5"))


def test_a_stored_card_is_written_as_the_export_writes_it(store: ConversationStore) -> None:
    cid = store.create_conversation(MODEL)
    turn = store.begin_turn(cid, "list")
    store.complete_turn(turn, dump(answered("list", "none")), "none", [card()])

    exported = json.loads(store.export_json(cid))["turns"][0]["tool_cards"]
    assert exported == json.loads(cards_to_json([card()]))
    assert store.turns(cid)[0].tool_cards == (card(),)


@pytest.mark.parametrize(
    "content",
    [
        {"sandboxes": [{"id": f"sb-{n}", "note": "ü" * 40} for n in range(2_000)]},
        "x" * (RESULT_TEXT_LIMIT + 1),
        "y" * RESULT_TEXT_LIMIT,
        "short",
    ],
    ids=["json", "one-over", "at-limit", "short"],
)
def test_a_reloaded_card_shows_exactly_what_the_live_card_showed(
    store: ConversationStore, content: object
) -> None:
    """The live card shows the event's text (desktop.core.agent.session makes it with
    `result_text`); the store keeps that, and a reload and an import show the same."""
    live = ToolCallFinished("c1", "COMPOSIO_MULTI_EXECUTE_TOOL", "success", result_text(content))
    recorder = TurnRecorder()
    recorder.add(ToolCallStarted("c1", live.tool_name, {}, (ToolAction("E2B_LIST", {}),)))
    recorder.add(live)
    cid = store.create_conversation(MODEL)
    turn = store.begin_turn(cid, "list")
    store.complete_turn(turn, dump(answered("list", "ok")), "ok", recorder.cards())

    (stored,) = store.turns(cid)[0].tool_cards
    reloaded = ToolCallItem(stored).finished
    assert reloaded is not None and reloaded.result_text == live.result_text
    assert len(live.result_text) <= RESULT_TEXT_LIMIT
    copy = store.import_json(store.export_json(cid))
    assert store.turns(copy)[0].tool_cards[0].result_text == live.result_text


def test_a_cut_result_is_not_cut_again() -> None:
    once = truncate_result("z" * (3 * RESULT_TEXT_LIMIT))
    assert len(once) == RESULT_TEXT_LIMIT and truncate_result(once) is once


def test_an_import_longer_than_the_limit_is_refused(store: ConversationStore) -> None:
    with pytest.raises(StoreError, match="too large"):
        store.import_json(b" " * (MAX_IMPORT_BYTES + 1))


def test_opening_the_store_does_not_load_the_export_models() -> None:
    code = (
        "import sys\n"
        "import desktop.core.store.facade\n"
        "from desktop.core.store.sqlite import ConversationStore\n"
        "store = ConversationStore(':memory:')\n"
        "cid = store.create_conversation('openai:gpt-5')\n"
        "store.complete_turn(store.begin_turn(cid, 'hi'), None, 'x', status='failed')\n"
        "assert store.turns(cid) and store.get_conversation(cid)\n"
        "print('desktop.core.store.export' in sys.modules)\n"
        "store.export_json(cid)\n"
        "print('desktop.core.store.export' in sys.modules)\n"
    )
    run = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True
    )
    assert run.stdout.split() == ["False", "True"]


def test_a_stored_fix_keeps_its_provider_and_one_stored_before_reads_without() -> None:
    fix = Fix(Remedy.ALLOW_PLAIN_HTTP, "OLLAMA_BASE_URL is plain http://", provider="ollama")
    assert fix_from_json(fix_to_json(fix)) == fix
    before = '{"remedy": "allow_plain_http", "problem": "OPENAI_BASE_URL is plain http://"}'
    read = fix_from_json(before)
    assert read is not None and read.provider is None
    # Without a provider it is stored as before (an older version refuses a key it does not
    # know).
    assert json.loads(fix_to_json(read) or "") == json.loads(before) | {"items": []}
