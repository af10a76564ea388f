"""Databases and exports written by older versions load, export and import exactly as they did.

The fixtures and the record of what the store of before issue 8 made of them were written by
fixtures/make_fixtures.py (see its docstring); this store must give the same answers.
"""

from __future__ import annotations

import hashlib
import html
import json
import re
import shutil
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from markdown_it import MarkdownIt

from tests.unit.store.fixtures.make_fixtures import load

FIXTURES = Path(__file__).parent / "fixtures"
LABELS = ("today", "v0")


def _recorded(label: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((FIXTURES / f"{label}.loaded.json").read_text("utf-8"))
    return data


@pytest.fixture(scope="module", params=LABELS)
def case(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Any:
    label: str = request.param
    database = FIXTURES / f"{label}.sqlite3"
    digest = hashlib.sha256(database.read_bytes()).hexdigest()
    now = load(FIXTURES, label, tmp_path_factory.mktemp(label))
    assert hashlib.sha256(database.read_bytes()).hexdigest() == digest  # read from a copy
    return label, now, _recorded(label)


# Fields turns gained after the record was written: None in every old row and export.
# None allowed before consent; no budget of its own (the setting's) before issue 12.
ADDED_CONVERSATION_FIELDS = {"allowed_actions": [], "budget": None}
DERIVED_CONVERSATION_FIELDS = ("unpriced_turns",)  # counted from its turns when read
# None before consent; no code cell before issue 11.
ADDED_CARD_FIELDS = {"consent": "", "consent_at": None, "not_run": [], "code_run": None}
ADDED_TURN_FIELDS = {"fix": None, "attachments": [], "model": None}  # none of these before


def _as_recorded(snapshot: dict[str, Any]) -> dict[str, Any]:
    """The snapshot without the turns' added fields, once they are shown to be unset."""
    for conversation in snapshot["conversations"]:
        for name, unset in ADDED_CONVERSATION_FIELDS.items():
            assert conversation["conversation"].pop(name) == unset, name
        for name in DERIVED_CONVERSATION_FIELDS:
            conversation["conversation"].pop(name)
        for turn in conversation["turns"]:
            for name, unset in ADDED_TURN_FIELDS.items():
                assert turn.pop(name) == unset, (name, turn["id"])
            for card in turn["tool_cards"]:
                for name, unset in ADDED_CARD_FIELDS.items():
                    assert card.pop(name) == unset, (name, card["call_id"])
    return snapshot


def test_old_rows_load_the_same(case: Any) -> None:
    _, now, recorded = case
    assert now["ids"] == recorded["ids"]
    assert now["snapshot"]["list"] == recorded["snapshot"]["list"]
    for got, want in zip(
        _as_recorded(now["snapshot"])["conversations"],
        recorded["snapshot"]["conversations"],
        strict=True,
    ):
        assert got["conversation"] == want["conversation"]
        assert got["turns"] == want["turns"]
        assert got["history"] == want["history"]
    assert now["snapshot"]["search"] == recorded["snapshot"]["search"]


_COST_LINES = re.compile(
    r"^\*\*Cost:\*\*\n\n(?:- .*(?:\n|\Z))+\n?|^_Used_ .*(?:\n\n|\n?\Z)", re.MULTILINE
)


def _read(markdown: str) -> str:
    """What a reader of a Markdown export sees: its text, whatever markup carries it (without
    the cost lines issue 12 added: the conversation's totals, the tokens of turns whose model
    was not kept)."""
    rendered = MarkdownIt("commonmark").render(_COST_LINES.sub("", markdown))
    return " ".join(html.unescape(re.sub(r"<[^>]+>", "", rendered)).split())


def test_old_rows_export_the_same(case: Any) -> None:
    _, now, recorded = case
    assert now["export_json"] == recorded["export_json"]
    # Since issue 10 the Markdown puts tool text in code (inert): the markup changed, what a
    # reader sees did not.
    assert now["export_markdown"] != recorded["export_markdown"]
    assert [_read(text) for text in now["export_markdown"]] == [
        _read(text) for text in recorded["export_markdown"]
    ]


def test_old_exports_import_the_same(case: Any) -> None:
    _, now, recorded = case
    assert now["imports"].keys() == recorded["imports"].keys()
    for name, got in now["imports"].items():
        assert _as_recorded(got["snapshot"]) == recorded["imports"][name]["snapshot"], name
        assert got["export_json"] == recorded["imports"][name]["export_json"], name


def test_the_fixtures_hold_what_they_are_for() -> None:
    """The record covers what it claims: cards old and new, costs, every way a turn ends."""
    today = _recorded("today")["snapshot"]
    first, second, empty = today["conversations"]
    statuses = [t["status"] for t in first["turns"]]
    assert statuses == ["complete", "cancelled", "failed", "complete", "pending"]
    cards = [c for t in first["turns"] for c in t["tool_cards"]]
    assert any(c["errors"] and c["seconds"] and c["text_offset"] for c in cards)
    assert first["conversation"]["usage"]["cost"] == {"decimal": "0.0041501"}
    (old_card,) = second["turns"][0]["tool_cards"]  # stored as the first store stored cards
    assert (old_card["errors"], old_card["seconds"], old_card["text_offset"]) == ([], None, None)
    assert empty["turns"] == []
    v0_export = json.loads((FIXTURES / "v0.export.json").read_text("utf-8"))
    assert "seconds" not in v0_export["turns"][0]["tool_cards"][0]


@pytest.mark.parametrize("label", LABELS)
def test_an_old_database_is_upgraded_and_keeps_a_failed_turns_fix(
    label: str, tmp_path: Path
) -> None:
    from desktop.core.config.credentials import OPENAI_API_KEY
    from desktop.core.errors import Fix, Remedy
    from desktop.core.store.schema import SCHEMA_VERSION
    from desktop.core.store.sqlite import ConversationStore

    db = tmp_path / "copy.sqlite3"
    shutil.copyfile(FIXTURES / f"{label}.sqlite3", db)
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] < SCHEMA_VERSION
    fix = Fix(Remedy.PROVIDE, "No OpenAI API key is set", (OPENAI_API_KEY,))
    with ConversationStore(db) as store:
        (summary, *_) = store.list_conversations()
        old = store.turns(summary.id)
        turn_id = store.begin_turn(summary.id, "again")
        store.complete_turn(turn_id, None, "", status="failed", error="x", fix=fix)
        *same, failed = store.turns(summary.id)
    assert same == old
    assert (failed.error, failed.fix) == ("x", fix)
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
