"""The conversation store: schema and migrations, conversations, turns, regenerate support."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from desktop.core.agent.events import (
    ConnectLink,
    ToolAction,
    ToolCallFinished,
    ToolCallStarted,
    Usage,
)
from desktop.core.agent.tool_calls import RESULT_TEXT_LIMIT
from desktop.core.store.records import (
    DEFAULT_TITLE,
    NotFoundError,
    StoreError,
    derive_title,
    tool_card_from_events,
)
from desktop.core.store.schema import SCHEMA_VERSION, connect, migrate
from desktop.core.store.sqlite import ConversationStore
from tests.unit.store.test_store_messages import MODEL, FakeClock, add_turn, answered, card, dump


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "conversations.sqlite3"


@pytest.fixture
def store(db_path: Path, clock: FakeClock) -> Iterator[ConversationStore]:
    with ConversationStore(db_path, clock=clock) as s:
        yield s


def _tables(path: Path) -> set[str]:
    conn = sqlite3.connect(path)
    try:
        return {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    finally:
        conn.close()


def _scalar(path: Path, sql: str) -> object:
    conn = sqlite3.connect(path)
    try:
        return conn.execute(sql).fetchone()[0]
    finally:
        conn.close()


# -- schema ------------------------------------------------------------------------------------


def test_an_empty_file_is_migrated_to_the_latest_schema(db_path: Path) -> None:
    db_path.touch()
    ConversationStore(db_path).close()

    assert _scalar(db_path, "PRAGMA user_version") == SCHEMA_VERSION
    assert {"conversations", "turns", "conversations_fts", "turns_fts"} <= _tables(db_path)
    assert _scalar(db_path, "PRAGMA journal_mode") == "wal"


def test_connection_settings(db_path: Path) -> None:
    conn = connect(db_path)
    try:
        assert conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
        assert conn.execute("PRAGMA synchronous").fetchone()[0] == 1  # NORMAL
        assert conn.execute("PRAGMA busy_timeout").fetchone()[0] > 0
    finally:
        conn.close()


def test_reopening_keeps_data_and_does_not_migrate_again(db_path: Path) -> None:
    with ConversationStore(db_path) as first:
        cid = first.create_conversation(MODEL)
        add_turn(first, cid, "remember me")

    with ConversationStore(db_path) as second:
        assert [t.prompt for t in second.turns(cid)] == ["remember me"]
    assert _scalar(db_path, "PRAGMA user_version") == SCHEMA_VERSION


_STEPS = (
    ("CREATE TABLE a (x INTEGER)",),
    ("CREATE TABLE b (y INTEGER)", "INSERT INTO a VALUES (2)"),
    ("ALTER TABLE a ADD COLUMN z TEXT DEFAULT 'three'",),
)


def test_migrations_run_in_order_from_empty(db_path: Path) -> None:
    conn = connect(db_path)
    try:
        assert migrate(conn, _STEPS) == 3
        assert conn.execute("SELECT x, z FROM a").fetchall() == [(2, "three")]
    finally:
        conn.close()


def test_migrations_continue_from_version_1(db_path: Path) -> None:
    conn = connect(db_path)
    try:
        migrate(conn, _STEPS[:1])
        conn.execute("INSERT INTO a VALUES (1)")
        assert migrate(conn, _STEPS) == 3
        # Step 1 was not run again (it would fail: table a exists); data survived.
        assert conn.execute("SELECT x FROM a ORDER BY x").fetchall() == [(1,), (2,)]
        assert conn.execute("PRAGMA user_version").fetchone()[0] == 3
    finally:
        conn.close()


def test_a_failing_step_rolls_back_and_keeps_the_previous_version(db_path: Path) -> None:
    broken = (*_STEPS[:1], ("CREATE TABLE c (v INTEGER)", "THIS IS NOT SQL"))
    conn = connect(db_path)
    try:
        with pytest.raises(StoreError, match="version 2"):
            migrate(conn, broken)
        assert conn.execute("PRAGMA user_version").fetchone()[0] == 1
        assert not conn.in_transaction
    finally:
        conn.close()
    assert "c" not in _tables(db_path)


def test_a_newer_schema_is_refused(db_path: Path) -> None:
    conn = sqlite3.connect(db_path)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.close()

    with pytest.raises(StoreError, match="newer"):
        ConversationStore(db_path)


def test_a_file_that_is_not_a_database_is_refused(db_path: Path) -> None:
    db_path.write_bytes(b"definitely not sqlite " * 100)

    with pytest.raises(StoreError, match="not a usable conversation database"):
        ConversationStore(db_path)


# -- conversations -----------------------------------------------------------------------------


def test_create_and_get(store: ConversationStore, clock: FakeClock) -> None:
    cid = store.create_conversation(MODEL)

    conversation = store.get_conversation(cid)
    assert len(cid) == 32 and int(cid, 16) >= 0
    assert conversation.title == DEFAULT_TITLE
    assert conversation.model == MODEL
    assert conversation.created_at == datetime.fromtimestamp(clock.now, UTC)
    assert conversation.router_session_id is None
    assert conversation.turn_count == 0


def test_title_comes_from_the_first_prompt_only(store: ConversationStore) -> None:
    cid = store.create_conversation(MODEL)
    add_turn(store, cid, "\n   List my   sandboxes  \nand kill the old ones")
    add_turn(store, cid, "something else")

    assert store.get_conversation(cid).title == "List my sandboxes"


def test_a_given_title_is_kept(store: ConversationStore) -> None:
    cid = store.create_conversation(MODEL, title="Sandbox cleanup")
    add_turn(store, cid, "hello")
    assert store.get_conversation(cid).title == "Sandbox cleanup"


@pytest.mark.parametrize(
    ("prompt", "title"),
    [
        ("short", "short"),
        ("  \n\n  second line wins  \n third", "second line wins"),
        ("x" * 100, "x" * 59 + "…"),
        (
            "Please create a new sandbox from the base template and run a quick test",
            "Please create a new sandbox from the base template and run…",
        ),
        ("   \n  ", None),
    ],
)
def test_derive_title(prompt: str, title: str | None) -> None:
    assert derive_title(prompt) == title
    if title is not None:
        assert len(title) <= 60


def test_rename(store: ConversationStore) -> None:
    cid = store.create_conversation(MODEL)
    store.rename(cid, "  My\n sandboxes ")
    assert store.get_conversation(cid).title == "My sandboxes"

    with pytest.raises(StoreError, match="empty"):
        store.rename(cid, "  ")
    with pytest.raises(NotFoundError):
        store.rename("0" * 32, "x")


def test_router_session_is_updatable(store: ConversationStore) -> None:
    cid = store.create_conversation(MODEL)
    store.set_router_session(cid, "trs_123")
    assert store.get_conversation(cid).router_session_id == "trs_123"
    store.set_router_session(cid, None)
    assert store.get_conversation(cid).router_session_id is None
    with pytest.raises(NotFoundError):
        store.set_router_session("f" * 32, "x")


def test_list_is_newest_activity_first_and_pages(
    store: ConversationStore, clock: FakeClock
) -> None:
    ids = []
    for n in range(5):
        ids.append(store.create_conversation(MODEL, title=f"c{n}"))
        clock.advance()
    add_turn(store, ids[1], "bump")  # activity moves it to the top
    clock.advance()
    store.rename(ids[0], "renamed")  # a rename is not activity

    listed = store.list_conversations(limit=10)
    assert [c.id for c in listed] == [ids[1], ids[4], ids[3], ids[2], ids[0]]
    assert [c.turn_count for c in listed] == [1, 0, 0, 0, 0]
    assert listed[-1].title == "renamed"
    page2 = store.list_conversations(limit=2, offset=2)
    assert [c.id for c in page2] == [ids[3], ids[2]]
    assert len(store.list_conversations()) == 5


def test_equal_clock_readings_still_order_by_activity(store: ConversationStore) -> None:
    # The clock does not move (coarse timers): the store must still keep a strict order.
    a = store.create_conversation(MODEL)
    b = store.create_conversation(MODEL)
    add_turn(store, a, "later activity")
    assert [c.id for c in store.list_conversations()] == [a, b]


def test_listing_uses_the_updated_at_index(store: ConversationStore, db_path: Path) -> None:
    conn = sqlite3.connect(db_path)
    try:
        plan = " ".join(
            str(r[-1])
            for r in conn.execute(
                "EXPLAIN QUERY PLAN SELECT id FROM conversations"
                " ORDER BY updated_at DESC, pk DESC LIMIT 50"
            )
        )
    finally:
        conn.close()
    assert "conversations_by_updated" in plan
    assert "TEMP B-TREE" not in plan


def test_delete_cascades_to_turns(store: ConversationStore, db_path: Path) -> None:
    keep, drop = store.create_conversation(MODEL), store.create_conversation(MODEL)
    for cid in (keep, drop):
        add_turn(store, cid, "one")
        add_turn(store, cid, "two")

    assert store.delete(drop) is True
    assert store.delete(drop) is False

    with pytest.raises(NotFoundError):
        store.get_conversation(drop)
    with pytest.raises(NotFoundError):
        store.turns(drop)
    assert _scalar(db_path, "SELECT count(*) FROM turns") == 2
    assert [c.id for c in store.list_conversations()] == [keep]


# -- turns -------------------------------------------------------------------------------------


def test_a_begun_turn_is_committed_and_pending(store: ConversationStore, db_path: Path) -> None:
    cid = store.create_conversation(MODEL)
    turn = store.begin_turn(cid, "do it")

    # Another connection sees it at once: the prompt is on disk before the agent starts.
    assert _scalar(db_path, f"SELECT status FROM turns WHERE id = {turn}") == "pending"
    (record,) = store.turns(cid)
    assert (record.id, record.prompt, record.status, record.text) == (turn, "do it", "pending", "")
    assert record.completed_at is None
    assert store.get_conversation(cid).turn_count == 1


def test_complete_turn_stores_the_reply(store: ConversationStore, clock: FakeClock) -> None:
    cid = store.create_conversation(MODEL)
    turn = store.begin_turn(cid, "list")
    clock.advance(3)
    store.complete_turn(turn, dump(answered("list", "none")), "none", [card()], Usage(7, 8, 1, 1))

    (record,) = store.turns(cid)
    assert record.status == "complete"
    assert record.text == "none"
    assert record.tool_cards == (card(),)
    assert record.usage.input_tokens == 7
    assert record.completed_at == datetime.fromtimestamp(clock.now, UTC)
    assert record.error is None


def test_a_failed_turn_keeps_its_error(store: ConversationStore) -> None:
    cid = store.create_conversation(MODEL)
    turn = store.begin_turn(cid, "x")
    store.complete_turn(turn, b"", "", status="failed", error="The OpenAI key was rejected.")

    (record,) = store.turns(cid)
    assert (record.status, record.error) == ("failed", "The OpenAI key was rejected.")


def test_complete_turn_refuses_bad_calls(store: ConversationStore) -> None:
    cid = store.create_conversation(MODEL)
    turn = add_turn(store, cid, "x")

    with pytest.raises(StoreError, match="already complete"):
        store.complete_turn(turn, None, "again")
    with pytest.raises(StoreError, match="pending"):
        store.complete_turn(store.begin_turn(cid, "y"), None, "", status="pending")  # type: ignore[arg-type]
    with pytest.raises(NotFoundError):
        store.complete_turn(10_000, None, "")
    with pytest.raises(NotFoundError):
        store.begin_turn("0" * 32, "hello")
    with pytest.raises(StoreError, match="empty"):
        store.begin_turn(cid, "   ")


def test_turns_newest_first_pages(store: ConversationStore) -> None:
    cid = store.create_conversation(MODEL)
    ids = [add_turn(store, cid, f"prompt {n}") for n in range(10)]

    newest = store.turns(cid, limit=3)
    assert [t.id for t in newest] == ids[-3:]  # the newest three, oldest of them first
    older = store.turns(cid, limit=3, before=newest[0].id)
    assert [t.id for t in older] == ids[-6:-3]
    assert [t.id for t in store.turns(cid)] == ids
    assert store.turns(cid, limit=50, before=ids[0]) == []


def test_delete_last_turn_for_regenerate(store: ConversationStore) -> None:
    cid = store.create_conversation(MODEL)
    add_turn(store, cid, "first", "one")
    add_turn(store, cid, "second", "two")

    removed = store.delete_last_turn(cid)

    assert removed is not None and removed.prompt == "second"
    assert [t.prompt for t in store.turns(cid)] == ["first"]
    assert store.get_conversation(cid).turn_count == 1
    assert [m.parts[0].content for m in store.history(cid)] == ["first", "one"]  # type: ignore[union-attr]
    assert store.delete_last_turn(cid) is not None
    assert store.delete_last_turn(cid) is None


def test_truncate_after(store: ConversationStore) -> None:
    cid = store.create_conversation(MODEL)
    ids = [add_turn(store, cid, f"p{n}") for n in range(5)]
    other = store.create_conversation(MODEL)
    add_turn(store, other, "untouched")

    assert store.truncate_after(ids[2]) == 2
    assert [t.id for t in store.turns(cid)] == ids[:3]
    assert store.truncate_after(ids[1], inclusive=True) == 2
    assert [t.id for t in store.turns(cid)] == ids[:1]
    assert store.get_conversation(cid).turn_count == 1
    assert store.get_conversation(other).turn_count == 1
    with pytest.raises(NotFoundError):
        store.truncate_after(ids[4])


def test_usage_totals_survive_deleting_turns(store: ConversationStore) -> None:
    cid = store.create_conversation(MODEL)
    add_turn(store, cid, "a")
    store.delete_last_turn(cid)
    assert store.get_conversation(cid).usage.requests == 1  # the tokens were spent anyway


# -- tool cards --------------------------------------------------------------------------------


def test_tool_card_from_events(store: ConversationStore) -> None:
    started = ToolCallStarted(
        call_id="call_1",
        tool_name="COMPOSIO_MULTI_EXECUTE_TOOL",
        arguments={"tools": [{"tool_slug": "E2B_LIST_ALL_SANDBOXES"}]},
        actions=(ToolAction("E2B_LIST_ALL_SANDBOXES", {}),),
    )
    finished = ToolCallFinished(
        "call_1",
        "COMPOSIO_MULTI_EXECUTE_TOOL",
        "success",
        "x" * (RESULT_TEXT_LIMIT + 10),
        (ConnectLink("e2b", "https://connect"),),
    )

    made = tool_card_from_events(started, finished)

    assert (made.call_id, made.outcome, made.actions) == ("call_1", "success", started.actions)
    assert made.connect_links == finished.connect_links
    assert made.result_text == finished.result_text  # what the event carries, cut once: on store
    cid = store.create_conversation(MODEL)
    store.complete_turn(store.begin_turn(cid, "x"), None, "", [made], status="cancelled")
    (stored,) = store.turns(cid)[0].tool_cards
    assert len(stored.result_text) == RESULT_TEXT_LIMIT
    assert stored.result_text.endswith("[truncated]")
    assert tool_card_from_events(started, None).outcome == "interrupted"
    with pytest.raises(ValueError, match="ids differ"):
        tool_card_from_events(started, ToolCallFinished("other", "t", "success", ""))


def test_tool_cards_are_bounded_when_stored(store: ConversationStore) -> None:
    cid = store.create_conversation(MODEL)
    turn = store.begin_turn(cid, "x")
    big = card()
    big = type(big)(**{**big.__dict__, "result_text": "y" * (RESULT_TEXT_LIMIT * 2)})
    store.complete_turn(turn, None, "", [big], status="cancelled")

    (stored,) = store.turns(cid)[0].tool_cards
    assert len(stored.result_text) == RESULT_TEXT_LIMIT
    assert stored.actions == big.actions and stored.connect_links == big.connect_links


# -- threads -----------------------------------------------------------------------------------


def test_the_store_refuses_another_thread(store: ConversationStore) -> None:
    errors: list[BaseException] = []

    def use() -> None:
        try:
            store.list_conversations()
        except BaseException as exc:
            errors.append(exc)

    worker = threading.Thread(target=use)
    worker.start()
    worker.join()

    assert len(errors) == 1 and isinstance(errors[0], StoreError)
    assert "another thread" in str(errors[0])


def test_a_closed_store_says_so(db_path: Path) -> None:
    closed = ConversationStore(db_path)
    closed.close()
    closed.close()  # idempotent
    with pytest.raises(StoreError, match="closed"):
        closed.list_conversations()


def test_what_was_allowed_for_a_conversation_is_kept_with_it(
    store: ConversationStore, db_path: Path
) -> None:
    cid = store.create_conversation("openai:gpt-5")
    assert store.get_conversation(cid).allowed_actions == ()
    store.set_allowed_actions(cid, ["E2B_PAUSE_SANDBOX", "E2B_CREATE_SANDBOX", "E2B_PAUSE_SANDBOX"])
    assert store.get_conversation(cid).allowed_actions == (
        "E2B_CREATE_SANDBOX",
        "E2B_PAUSE_SANDBOX",
    )
    with pytest.raises(NotFoundError):
        store.set_allowed_actions("gone", ["E2B_CREATE_SANDBOX"])
    # A damaged value is no allowance at all: the app asks again rather than less.
    for damaged in ("not json", '{"E2B_CREATE_SANDBOX": true}', "[1, 2]"):
        raw = sqlite3.connect(db_path)
        raw.execute("UPDATE conversations SET allowed_actions = ? WHERE id = ?", (damaged, cid))
        raw.commit()
        raw.close()
        assert store.get_conversation(cid).allowed_actions == ()
