"""Opening the database at start-up: the store, or one sentence saying why not (never a crash)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from desktop.core.store.integrity import damage_of
from desktop.core.store.opening import StoreOpened, StoreUnavailable, open_conversation_store
from desktop.core.store.sqlite import ConversationStore


def _real_database(path: Path) -> None:
    """A database the app made, with enough rows to span many pages."""
    with ConversationStore(path) as store:
        for n in range(150):
            conversation = store.create_conversation("gpt-test", f"Conversation {n}")
            store.begin_turn(conversation, f"prompt {n} " + "sandbox " * 80)


def _damage_the_middle(path: Path) -> None:
    size = path.stat().st_size
    with path.open("r+b") as file:
        file.seek(size // 2)
        file.write(bytes(range(256)) * 32)  # 8 KiB of garbage over pages in the middle


def test_a_new_database_is_created_with_its_folder(tmp_path: Path) -> None:
    path = tmp_path / "missing" / "folder" / "conversations.sqlite3"

    async def scenario() -> bool:
        opened = await open_conversation_store(path)
        assert isinstance(opened, StoreOpened) and opened.set_aside is None
        await opened.store.aclose()
        return path.is_file()

    assert asyncio.run(scenario())


def test_a_sound_database_is_opened_as_it_is(tmp_path: Path) -> None:
    path = tmp_path / "conversations.sqlite3"
    _real_database(path)

    async def scenario() -> int:
        opened = await open_conversation_store(path)
        assert isinstance(opened, StoreOpened) and opened.set_aside is None
        try:
            return len(await opened.store.list_conversations(limit=500))
        finally:
            await opened.store.aclose()

    assert asyncio.run(scenario()) == 150
    assert sorted(p.name for p in tmp_path.iterdir()) == ["conversations.sqlite3"]


def test_a_damaged_database_is_moved_aside_with_its_sidecars_and_a_fresh_one_started(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "conversations.sqlite3"
    _real_database(path)
    _damage_the_middle(path)
    damaged = path.read_bytes()
    # What a crash leaves beside it; they belong to the damaged file and move with it.
    (tmp_path / "conversations.sqlite3-wal").write_bytes(b"old wal")
    (tmp_path / "conversations.sqlite3-shm").write_bytes(b"old shm")

    async def scenario() -> StoreOpened:
        opened = await open_conversation_store(path)
        assert isinstance(opened, StoreOpened)
        try:
            # The fresh database works: written to and read back.
            conversation = await opened.store.create_conversation("gpt-test", "After")
            await opened.store.begin_turn(conversation, "hello again")
            listed = await opened.store.list_conversations()
            assert [c.title for c in listed] == ["After"]
        finally:
            await opened.store.aclose()
        return opened

    opened = asyncio.run(scenario())

    moved = opened.set_aside
    assert moved is not None and moved.path == path
    assert moved.moved_to.parent == tmp_path and moved.moved_to != path
    assert moved.moved_to.read_bytes() == damaged  # moved, not deleted, not written to
    assert (tmp_path / f"{moved.moved_to.name}-wal").read_bytes() == b"old wal"
    # The -shm is SQLite's index of the WAL, rebuilt by any reader (the check included).
    assert (tmp_path / f"{moved.moved_to.name}-shm").is_file()
    assert moved.problem
    assert damage_of(path) is None  # the fresh one is sound
    assert "moved aside" in caplog.text


def test_a_file_that_is_not_a_database_is_moved_aside_too(tmp_path: Path) -> None:
    path = tmp_path / "conversations.sqlite3"
    path.write_bytes(b"definitely not sqlite " * 100)

    async def scenario() -> StoreOpened | StoreUnavailable:
        opened = await open_conversation_store(path)
        if isinstance(opened, StoreOpened):
            await opened.store.aclose()
        return opened

    opened = asyncio.run(scenario())

    assert isinstance(opened, StoreOpened) and opened.set_aside is not None
    assert "not a database" in opened.set_aside.problem
    assert opened.set_aside.moved_to.read_bytes() == b"definitely not sqlite " * 100


def test_a_damaged_database_that_cannot_be_moved_gives_a_sentence_and_is_not_opened(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "conversations.sqlite3"
    _real_database(path)
    _damage_the_middle(path)
    damaged = path.read_bytes()

    def refuse(self: Path, target: Path) -> Path:
        raise PermissionError(13, "Permission denied", str(self))

    monkeypatch.setattr(Path, "rename", refuse)  # as in a folder the user cannot write to
    opened = asyncio.run(open_conversation_store(path))

    assert isinstance(opened, StoreUnavailable)
    assert opened.reason.startswith("It is damaged (")
    assert "could not be moved aside" in opened.reason and opened.reason.endswith(".")
    assert "Permission denied" in opened.reason
    assert path.read_bytes() == damaged
    assert not any("damaged" in p.name for p in tmp_path.iterdir())


def test_a_folder_that_cannot_be_made_gives_the_system_reason(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("in the way")

    opened = asyncio.run(open_conversation_store(blocker / "conversations.sqlite3"))

    assert isinstance(opened, StoreUnavailable)
    assert opened.reason.endswith(".")
    assert "Traceback" not in opened.reason
