"""The async facade: one worker thread, never the event loop's, ordered and consistent writes."""

from __future__ import annotations

import asyncio
import base64
import dataclasses
import inspect
import threading
from collections.abc import Coroutine
from decimal import Decimal
from pathlib import Path
from typing import Any, TypeVar

import pytest

from desktop.core.agent.events import Usage
from desktop.core.redaction import Redactor
from desktop.core.store.facade import AsyncConversationStore, ConversationRepository
from desktop.core.store.records import StoreError
from desktop.core.store.sqlite import ConversationStore
from tests.unit.store.test_store_messages import MODEL, answered, card, dump

_T = TypeVar("_T")


def run(coro: Coroutine[Any, Any, _T]) -> _T:
    return asyncio.run(coro)


class ThreadRecordingClock:
    """A clock that notes which thread asked for the time (every write asks)."""

    def __init__(self) -> None:
        self.threads: set[str] = set()
        self.now = 1_750_000_000.0

    def __call__(self) -> float:
        self.threads.add(threading.current_thread().name)
        self.now += 0.001
        return self.now


def test_every_call_runs_on_one_worker_thread(tmp_path: Path) -> None:
    clock = ThreadRecordingClock()

    async def scenario() -> None:
        store = await AsyncConversationStore.open(tmp_path / "c.sqlite3", clock=clock)
        try:
            cid = await store.create_conversation(MODEL)
            turn = await store.begin_turn(cid, "hi")
            await store.complete_turn(turn, dump(answered("hi", "yo")), "yo", [card()])
            await store.rename(cid, "renamed")
            await store.set_router_session(cid, "trs_1")
            assert (await store.get_conversation(cid)).title == "renamed"
            assert [c.id for c in await store.list_conversations()] == [cid]
            assert [t.text for t in await store.turns(cid, 10)] == ["yo"]
            assert len(await store.history(cid)) == 2
            assert (await store.search("yo"))[0].conversation_id == cid
            copy = await store.import_json(await store.export_json(cid))
            assert "renamed" in await store.export_markdown(copy)
            assert await store.truncate_after(turn, inclusive=True) == 1
            assert await store.delete_last_turn(copy) is not None
            assert await store.delete(copy) is True
        finally:
            await store.aclose()

    run(scenario())

    assert len(clock.threads) == 1
    (name,) = clock.threads
    assert name.startswith("conversation-store")
    assert name != threading.current_thread().name


def test_concurrent_calls_keep_counts_consistent(tmp_path: Path) -> None:
    conversations, turns_each = 5, 40

    async def one_turn(store: AsyncConversationStore, cid: str, n: int) -> int:
        turn = await store.begin_turn(cid, f"prompt {n}")
        await asyncio.sleep(0)  # let the other tasks interleave between begin and complete
        await store.complete_turn(
            turn, dump(answered(f"prompt {n}", "ok")), "ok", (), Usage(1, 2, 1, 0, Decimal("0.01"))
        )
        return turn

    async def scenario() -> tuple[list[str], list[int]]:
        store = await AsyncConversationStore.open(tmp_path / "c.sqlite3")
        try:
            ids = list(await asyncio.gather(*(store.create_conversation(MODEL) for _ in range(5))))
            turn_ids = await asyncio.gather(
                *(one_turn(store, cid, n) for cid in ids for n in range(turns_each))
            )
            return ids, list(turn_ids)
        finally:
            await store.aclose()

    ids, turn_ids = run(scenario())

    assert len(set(turn_ids)) == conversations * turns_each
    with ConversationStore(tmp_path / "c.sqlite3") as check:
        for cid in ids:
            conversation = check.get_conversation(cid)
            turns = check.turns(cid)
            assert conversation.turn_count == len(turns) == turns_each
            assert {t.status for t in turns} == {"complete"}
            assert conversation.usage.output_tokens == 2 * turns_each
            assert conversation.usage.cost == Decimal("0.01") * turns_each
            assert len(check.history(cid)) == 2 * turns_each


def test_store_errors_reach_the_caller(tmp_path: Path) -> None:
    async def scenario() -> None:
        store = await AsyncConversationStore.open(tmp_path / "c.sqlite3")
        try:
            with pytest.raises(StoreError, match="no longer exists"):
                await store.begin_turn("0" * 32, "hi")
            assert await store.list_conversations() == []  # the worker survived the error
        finally:
            await store.aclose()

    run(scenario())


def test_aclose_is_final_and_idempotent(tmp_path: Path) -> None:
    async def scenario() -> None:
        store = await AsyncConversationStore.open(tmp_path / "c.sqlite3")
        await store.create_conversation(MODEL)
        await store.aclose()
        await store.aclose()
        with pytest.raises(StoreError, match="closed"):
            await store.list_conversations()

    before = {t.name for t in threading.enumerate()}
    run(scenario())
    # The worker thread ends once closed (it may need a moment to notice the shutdown).
    for worker in threading.enumerate():
        if worker.name.startswith("conversation-store") and worker.name not in before:
            worker.join(timeout=5)
            assert not worker.is_alive()


def test_open_failure_is_a_store_error(tmp_path: Path) -> None:
    bad = tmp_path / "junk.sqlite3"
    bad.write_bytes(b"not a database at all" * 50)

    with pytest.raises(StoreError):
        run(AsyncConversationStore.open(bad))


def test_the_async_store_implements_the_repository_protocol() -> None:
    # The protocol is what the UI depends on: the implementation must match it exactly.
    protocol_methods = {
        name
        for name, value in vars(ConversationRepository).items()
        if inspect.iscoroutinefunction(value)
    }
    public_methods = {
        name
        for name, value in vars(AsyncConversationStore).items()
        if inspect.iscoroutinefunction(value) and not name.startswith("_")
    }
    assert protocol_methods == public_methods - {"open"}
    for name in protocol_methods:
        expected = inspect.signature(getattr(ConversationRepository, name))
        actual = inspect.signature(getattr(AsyncConversationStore, name))
        assert actual == expected, name


def test_an_export_leaves_without_a_key_stored_before_the_redactor_knew_it(
    tmp_path: Path,
) -> None:
    """A conversation stored by an older version (a key echoed in a card, as it is and in
    base64) is exported without it; the round trip through an import still works."""
    key = "cmp-stored-before-1234/x"  # not shaped like a key: only known
    echoed = f"refused {key}; Basic {base64.b64encode(f'me:{key}'.encode()).decode()}"
    with ConversationStore(tmp_path / "c.sqlite3") as old:
        cid = old.create_conversation(MODEL)
        turn = old.begin_turn(cid, "list")
        stored = dataclasses.replace(card(), result_text=echoed)
        old.complete_turn(turn, dump(answered("list", "done")), "done", [stored])

    async def scenario() -> tuple[str, str, str]:
        redactor = Redactor([key])
        store = await AsyncConversationStore.open(tmp_path / "c.sqlite3", redactor=redactor)
        try:
            exported = await store.export_json(cid)
            reimported = await store.import_json(exported)
            return exported, await store.export_markdown(cid), reimported
        finally:
            await store.aclose()

    exported, markdown, reimported = run(scenario())
    assert key not in exported and "refused [redacted]; Basic " in exported
    assert base64.b64encode(key.encode()).decode()[4:20] not in exported
    assert key not in markdown
    assert reimported != cid
