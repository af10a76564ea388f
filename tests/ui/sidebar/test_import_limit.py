"""The sidebar's import: the store's own size limit, checked before reading the file, and a
hostile file that ends in the failure sentence, not in a silently dead task."""

from __future__ import annotations

from pathlib import Path

import pytest
import qasync
from pytestqt.qtbot import QtBot

from desktop.core.store.facade import AsyncConversationStore
from desktop.core.store.records import MAX_IMPORT_BYTES, StoreError, check_import_size
from desktop.ui.sidebar.conversation_list_controller import (
    ConversationListController,
    read_import_file,
)
from tests.ui.app_support import WAIT_MS, wait_for


def test_the_sidebar_uses_the_store_limit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    big = tmp_path / "big.json"
    with big.open("wb") as handle:
        handle.truncate(MAX_IMPORT_BYTES + 1)  # sparse: costs no disk
    read_bytes = Path.read_bytes

    def read_only_small_files(path: Path) -> bytes:
        assert path != big, "the big file was read before its size was checked"
        return read_bytes(path)

    monkeypatch.setattr(Path, "read_bytes", read_only_small_files)
    with pytest.raises(StoreError, match="a conversation export is much smaller") as refused:
        read_import_file(big)
    with pytest.raises(StoreError) as by_the_store:
        check_import_size(MAX_IMPORT_BYTES + 1)
    assert str(refused.value) == str(by_the_store.value)  # one check, one sentence
    assert "64.0 MiB; the limit is 64 MiB" in str(refused.value)
    check_import_size(MAX_IMPORT_BYTES)
    small = tmp_path / "small.json"
    small.write_bytes(b"{}")
    assert read_import_file(small) == b"{}"


def test_a_deeply_nested_file_gets_the_failure_sentence(
    qtbot: QtBot, qasync_loop: qasync.QEventLoop, tmp_path: Path
) -> None:
    store = wait_for(qtbot, AsyncConversationStore.open(tmp_path / "c.sqlite3"))
    controller = ConversationListController(store)
    nested = tmp_path / "nested.json"
    nested.write_bytes(b"[" * 200_000)
    try:
        with qtbot.waitSignal(controller.operation_failed, timeout=WAIT_MS) as failed:
            controller.import_file(str(nested))
        title, sentence = failed.args
        assert title == "This file could not be imported"
        assert sentence.startswith("nested.json: The file is not valid JSON (")
        assert wait_for(qtbot, store.list_conversations()) == []
    finally:
        wait_for(qtbot, controller.aclose())
        wait_for(qtbot, store.aclose())
