"""The code box of a cell and of the consent card: as high as its lines once wrapped."""

from __future__ import annotations

from pytestqt.qtbot import QtBot

from desktop.ui.chat.code_view import CodeView


def test_a_one_line_command_longer_than_the_box_is_shown_whole(qtbot: QtBot) -> None:
    command = "node -e '" + "const ok = /^[^@]+@[^@]+$/.test(e); " * 8 + "' a@b"  # one line
    view = CodeView(command, "bash")
    qtbot.addWidget(view)
    view.resize(420, view.height())
    view.show()
    qtbot.waitExposed(view)
    line = view.fontMetrics().lineSpacing()
    assert view.height() > 3 * line  # wrapped to several lines, all in view
    assert view.verticalScrollBar().maximum() == 0  # nothing hidden behind a scroll bar
    narrow = view.height()
    view.resize(4000, view.height())  # wide enough for it all: one line again
    assert view.height() == CodeView("x", "bash").height() < narrow


def test_long_code_still_scrolls_inside_its_box(qtbot: QtBot) -> None:
    view = CodeView("\n".join(f"print({n})" for n in range(200)), "python", lines=14)
    qtbot.addWidget(view)
    view.resize(600, view.height())
    assert view.height() < 16 * view.fontMetrics().lineSpacing()
