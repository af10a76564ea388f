"""The files sent with a prompt, as the store keeps them: records with the user's turn (never the
content), in both exports and back from an import; old databases and exports load as before."""

from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path

import pytest

from desktop.core.agent.attachments import Attachment
from desktop.core.conversations.history import items_from_turn
from desktop.core.conversations.transcript import UserItem
from desktop.core.store.records import StoreError
from desktop.core.store.schema import SCHEMA_VERSION
from desktop.core.store.sqlite import ConversationStore
from tests.unit.agent.test_attachments import SALES
from tests.unit.store.test_store_messages import MODEL, answered, dump

FIXTURES = Path(__file__).parent / "fixtures"

CHART = Attachment(
    name="q`1`.png",
    size=3 * 1024 * 1024,
    mimetype="image/png",
    sha256="cd" * 32,
    remote_path="q_1_.png",
    sandbox_path="/mnt/files/q_1_.png",
)


def test_a_turn_keeps_its_attachments_and_shows_them_with_the_prompt(tmp_path: Path) -> None:
    with ConversationStore(tmp_path / "c.sqlite3") as store:
        cid = store.create_conversation(MODEL)
        first = store.begin_turn(cid, "analyze these", (SALES, CHART))
        store.complete_turn(first, dump(answered("analyze these", "Done.")), "Done.")
        second = store.begin_turn(cid, "and now?")
        with_files, without = store.turns(cid)
        assert (with_files.id, without.id) == (first, second)
    assert with_files.attachments == (SALES, CHART)
    assert without.attachments == ()
    assert items_from_turn(with_files)[0] == UserItem("analyze these", (SALES, CHART))
    assert items_from_turn(without)[0] == UserItem("and now?")


def test_the_exports_name_the_files_and_an_import_brings_them_back(tmp_path: Path) -> None:
    with ConversationStore(tmp_path / "c.sqlite3") as store:
        cid = store.create_conversation(MODEL)
        turn = store.begin_turn(cid, "analyze these", (SALES, CHART))
        store.complete_turn(turn, dump(answered("analyze these", "Done.")), "Done.")
        plain = store.begin_turn(cid, "thanks")
        store.complete_turn(plain, dump(answered("thanks", "You're welcome.")), "You're welcome.")
        as_json, as_markdown = store.export_json(cid), store.export_markdown(cid)
        copy = store.import_json(as_json)
        assert [t.attachments for t in store.turns(copy)] == [(SALES, CHART), ()]
    first, second = json.loads(as_json)["turns"]
    assert first["attachments"][0] == {
        "name": "sales.csv",
        "size": 1234,
        "mimetype": "text/csv",
        "sha256": "ab" * 32,
        "remote_path": "sales.csv",
        "sandbox_path": "/mnt/files/sales.csv",
    }
    assert "attachments" not in second  # left out while unset: older apps read the file
    assert (
        "- Attached `sales.csv` (1.2 KB, `text/csv`), in the workbench at `/mnt/files/sales.csv`"
    ) in as_markdown
    assert "- Attached ``q`1`.png`` (3.0 MB, `image/png`)" in as_markdown  # a name in code


def test_an_export_of_before_attachments_imports_without_them(tmp_path: Path) -> None:
    text = (FIXTURES / "today.export.json").read_text("utf-8")
    with ConversationStore(tmp_path / "c.sqlite3") as store:
        cid = store.import_json(text)
        assert {t.attachments for t in store.turns(cid)} == {()}


@pytest.mark.parametrize("label", ["today", "v0"])
def test_an_old_database_is_upgraded_and_takes_attachments(label: str, tmp_path: Path) -> None:
    db = tmp_path / "copy.sqlite3"
    shutil.copyfile(FIXTURES / f"{label}.sqlite3", db)
    with ConversationStore(db) as store:
        (summary, *_) = store.list_conversations()
        old = store.turns(summary.id)
        store.begin_turn(summary.id, "look at this", (SALES,))
        *same, new = store.turns(summary.id)
    assert same == old and all(t.attachments == () for t in old)
    assert new.attachments == (SALES,)
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION


def test_a_damaged_record_is_a_sentence(tmp_path: Path) -> None:
    db = tmp_path / "c.sqlite3"
    with ConversationStore(db) as store:
        cid = store.create_conversation(MODEL)
        store.begin_turn(cid, "hi", (SALES,))
    with sqlite3.connect(db) as conn:
        conn.execute("UPDATE turns SET attachments_json = '[{\"name\": 1}]'")
    with ConversationStore(db) as store, pytest.raises(StoreError) as caught:
        store.turns(cid)
    assert "attached files are invalid" in str(caught.value)
