"""Schema v7: the sandbox meter's records kept in the database, and the index a day's cost is
read through. A database written by the code before (38f2539, fixtures/make_v6.py) upgrades
with everything kept; one that cannot be upgraded says why in a sentence and is left as it was."""

from __future__ import annotations

import asyncio
import shutil
import sqlite3
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

from desktop.core.store.opening import StoreOpened, StoreUnavailable, open_conversation_store
from desktop.core.store.schema import SCHEMA_VERSION
from desktop.core.store.spending import BETWEEN_SQL, day_bounds
from desktop.core.store.sqlite import ConversationStore
from tests.unit.store.fixtures.make_v6 import DAY_ONE, DAY_TWO
from tests.unit.store.test_store_messages import MODEL, FakeClock, answered, dump

FIXTURES = Path(__file__).parent / "fixtures"


def _v6_copy(tmp_path: Path) -> Path:
    database = tmp_path / "v6.sqlite3"
    shutil.copyfile(FIXTURES / "v6.sqlite3", database)
    with sqlite3.connect(database) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == 6
        tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master")}
        assert "sandbox_clocks" not in tables and "turns_by_completed" not in tables
    return database


def _plan(conn: sqlite3.Connection) -> str:
    rows = conn.execute(f"EXPLAIN QUERY PLAN {BETWEEN_SQL}", (0.0, 1.0)).fetchall()
    return " | ".join(str(row[-1]) for row in rows)


def _day(moment: float) -> tuple[float, float]:
    return day_bounds(datetime.fromtimestamp(moment, UTC))


def test_a_v6_database_upgrades_keeping_its_conversation_and_each_days_cost(
    tmp_path: Path,
) -> None:
    database = _v6_copy(tmp_path)
    with ConversationStore(database) as store:
        (summary,) = store.list_conversations()
        conversation = store.get_conversation(summary.id)
        assert conversation.budget == Decimal("1.50")
        assert [t.prompt for t in store.turns(summary.id)] == [
            "Create a sandbox",
            "Run a script",
            "Pause it",
        ]
        assert store.spending_between(*_day(DAY_ONE)).usage.cost == Decimal("0.0051")
        assert store.spending_between(*_day(DAY_TWO)).usage.cost == Decimal("0.0010")
        assert store.sandbox_clocks() == []  # nothing seen yet
        store.keep_sandbox_clocks({"isbx1": '{"sandbox_id": "isbx1"}'})
    with sqlite3.connect(database) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION == 7
        indexed = conn.execute("PRAGMA index_info(turns_by_completed)").fetchall()
        assert [row[2] for row in indexed] == ["completed_at"]
    with ConversationStore(database) as store:
        assert store.sandbox_clocks() == ['{"sandbox_id": "isbx1"}']


def test_a_days_cost_is_read_through_the_index_not_a_scan_of_every_turn(
    tmp_path: Path,
) -> None:
    clock = FakeClock()
    with ConversationStore(tmp_path / "c.sqlite3", clock=clock) as store:
        conversation = store.create_conversation(MODEL)
        for _ in range(50):
            turn = store.begin_turn(conversation, "q")
            store.complete_turn(turn, dump(answered("q", "a")), "a")
            clock.advance(3600)
    with sqlite3.connect(tmp_path / "c.sqlite3") as conn:
        conn.execute("DROP TABLE IF EXISTS sqlite_stat1")  # `PRAGMA optimize` may have made it
        plans = [_plan(conn)]
        conn.execute("ANALYZE")  # the plan holds with the table's statistics too
        plans.append(_plan(conn))
    for plan in plans:
        assert "USING INDEX turns_by_completed (completed_at>? AND completed_at<?)" in plan, plan
        assert "SCAN turns" not in plan


def test_the_meters_records_are_replaced_forgotten_and_read_back_as_text(
    tmp_path: Path,
) -> None:
    database = tmp_path / "c.sqlite3"
    with ConversationStore(database) as store:
        store.keep_sandbox_clocks({"a": "first a", "b": "b"})
        store.keep_sandbox_clocks({"a": "second a"}, ["b", "never kept"])
        assert store.sandbox_clocks() == ["second a"]
    with sqlite3.connect(database) as conn:  # a row damaged by hand: a number, bytes
        conn.execute("INSERT INTO sandbox_clocks VALUES ('c', 42), ('d', x'7b7d')")
    with ConversationStore(database) as store:
        assert store.sandbox_clocks() == ["second a", "42", "{}"]  # the meter judges them


def test_a_database_that_cannot_be_upgraded_says_why_and_is_left_as_it_was(
    tmp_path: Path,
) -> None:
    database = _v6_copy(tmp_path)
    with sqlite3.connect(database) as conn:  # what a foreign or damaged schema could hold
        conn.execute("CREATE TABLE sandbox_clocks (anything)")
    before = database.read_bytes()

    opened = asyncio.run(open_conversation_store(database))

    assert isinstance(opened, StoreUnavailable)
    assert opened.reason == (
        "Upgrading the conversation database to version 7 failed: table sandbox_clocks "
        "already exists."
    )
    with sqlite3.connect(database) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == 6
        assert conn.execute("SELECT count(*) FROM turns").fetchone()[0] == 3
    assert len(database.read_bytes()) == len(before)


def test_a_damaged_v6_database_is_moved_aside_whole_and_a_fresh_one_started(
    tmp_path: Path,
) -> None:
    database = _v6_copy(tmp_path)
    with database.open("r+b") as file:
        file.seek(4096)  # its second page on: the schema's first page stays readable
        file.write(bytes(range(256)) * 16)
    damaged = database.read_bytes()

    async def scenario() -> StoreOpened | StoreUnavailable:
        opened = await open_conversation_store(database)
        if isinstance(opened, StoreOpened):
            assert await opened.store.sandbox_clocks() == []  # the fresh one, at version 7
            await opened.store.aclose()
        return opened

    opened = asyncio.run(scenario())
    assert isinstance(opened, StoreOpened) and opened.set_aside is not None
    assert opened.set_aside.problem
    assert opened.set_aside.moved_to.read_bytes() == damaged  # nothing lost
