"""The sidebar refuses an import file by the store's own size limit, before reading it."""

from __future__ import annotations

from pathlib import Path

import pytest

from desktop.core.store import records
from desktop.core.store.records import MAX_IMPORT_BYTES, StoreError
from desktop.ui.sidebar import conversation_list_controller
from desktop.ui.sidebar.conversation_list_controller import read_import_file


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
