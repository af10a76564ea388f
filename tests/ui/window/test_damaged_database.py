"""A damaged database at start-up: moved aside, a fresh one used, the window says where."""

from __future__ import annotations

from PySide6.QtWidgets import QMessageBox
from pytestqt.qtbot import QtBot

from desktop.paths import AppPaths
from tests.ui.app_support import AppHarness, send, sidebar_titles
from tests.unit.store.test_store_opening import _damage_the_middle, _real_database


def test_a_damaged_database_is_moved_aside_and_the_window_says_where(
    qtbot: QtBot, app_harness: AppHarness, app_paths: AppPaths
) -> None:
    database = app_paths.database_file
    _real_database(database)
    _damage_the_middle(database)
    damaged = database.read_bytes()

    app = app_harness.start()

    box = app.window.findChild(QMessageBox, "warningBox")
    assert box is not None and box.windowTitle() == "The conversation database was damaged"
    moved = [p for p in database.parent.glob("*-damaged-*") if p.suffix == ".sqlite3"]
    assert len(moved) == 1
    assert moved[0].read_bytes() == damaged
    assert str(moved[0]) in box.text()  # where the old one is, to copy or to send
    assert "not deleted" in box.text()
    box.accept()
    # The fresh database keeps this session's chat; nothing of the damaged one is reopened.
    assert app.conversation_store is not None
    assert app.controller.conversation_id is None
    send(qtbot, app, "Hello there")
    assert len(sidebar_titles(app)) == 1
