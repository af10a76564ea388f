"""Opening the database at start-up: the store, or one sentence saying why not (never a crash)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from desktop.core.store.facade import AsyncConversationStore
from desktop.core.store.opening import StoreUnavailable, open_conversation_store


def test_a_new_database_is_created_with_its_folder(tmp_path: Path) -> None:
    path = tmp_path / "missing" / "folder" / "conversations.sqlite3"

    async def scenario() -> bool:
        opened = await open_conversation_store(path)
        assert isinstance(opened, AsyncConversationStore)
        await opened.aclose()
        return path.is_file()

    assert asyncio.run(scenario())


def test_a_damaged_database_gives_a_sentence(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "conversations.sqlite3"
    path.write_bytes(b"definitely not sqlite " * 100)

    opened = asyncio.run(open_conversation_store(path))

    assert isinstance(opened, StoreUnavailable)
    assert opened.path == path
    assert "not a usable conversation database" in opened.reason
    assert opened.reason.endswith(".")
    assert "conversation store unavailable" in caplog.text  # the traceback goes to the log


def test_a_folder_that_cannot_be_made_gives_the_system_reason(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("in the way")

    opened = asyncio.run(open_conversation_store(blocker / "conversations.sqlite3"))

    assert isinstance(opened, StoreUnavailable)
    assert opened.reason.endswith(".")
    assert "Traceback" not in opened.reason
