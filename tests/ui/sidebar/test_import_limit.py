"""The sidebar's import: the store's own size limit, checked before reading the file, and a
hostile file that ends in the failure sentence, not in a silently dead task."""

from __future__ import annotations

from pathlib import Path

import pytest
import qasync
from pytestqt.qtbot import QtBot

from desktop.core.store import records
from desktop.core.store.facade import AsyncConversationStore
from desktop.core.store.records import MAX_IMPORT_BYTES, StoreError
from desktop.ui.sidebar import conversation_list_controller
from desktop.ui.sidebar.conversation_list_controller import (
    ConversationListController,
    read_import_file,
)
from tests.ui.app_support import WAIT_MS, wait_for


def test_the_sidebar_uses_the_store_limit(tmp_path: Path) -> None:
    assert conversation_list_controller.MAX_IMPORT_BYTES is records.MAX_IMPORT_BYTES
    big = tmp_path / "big.json"
    with big.open("wb") as handle:
        handle.truncate(MAX_IMPORT_BYTES + 1)  # sparse: costs no disk
    with pytest.raises(StoreError, match="a conversation export is much smaller"):
        read_import_file(big)
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
