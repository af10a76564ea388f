"""The composer's keys: Enter sends, Shift+Enter adds a line, blank input sends nothing."""

from __future__ import annotations

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from desktop.ui.chat.message_input import MessageInput
from desktop.ui.window.main_window import MainWindow


def test_enter_submits_the_text_without_clearing_it(qtbot: QtBot) -> None:
    box = MessageInput()
    qtbot.addWidget(box)
    qtbot.keyClicks(box, "list my sandboxes")
    with qtbot.waitSignal(box.submitted) as blocker:
        qtbot.keyClick(box, Qt.Key.Key_Return)
    assert blocker.args == ["list my sandboxes"]
    assert box.toPlainText() == "list my sandboxes"  # cleared only once accepted


def test_keypad_enter_submits_too(qtbot: QtBot) -> None:
    box = MessageInput()
    qtbot.addWidget(box)
    qtbot.keyClicks(box, "hi")
    with qtbot.waitSignal(box.submitted):
        qtbot.keyClick(box, Qt.Key.Key_Enter, Qt.KeyboardModifier.KeypadModifier)


def test_shift_enter_inserts_a_real_newline(qtbot: QtBot) -> None:
    box = MessageInput()
    qtbot.addWidget(box)
    qtbot.keyClicks(box, "first")
    with qtbot.assertNotEmitted(box.submitted):
        qtbot.keyClick(box, Qt.Key.Key_Return, Qt.KeyboardModifier.ShiftModifier)
    qtbot.keyClicks(box, "second")
    assert box.toPlainText() == "first\nsecond"
    assert "\u2028" not in box.toPlainText()


def test_blank_input_sends_nothing(qtbot: QtBot, window: MainWindow) -> None:
    box = window.message_input
    qtbot.keyClicks(box, "   ")
    with qtbot.assertNotEmitted(window.send_requested):
        qtbot.keyClick(box, Qt.Key.Key_Return)
        qtbot.mouseClick(window.send_button, Qt.MouseButton.LeftButton)
    assert box.toPlainText() == "   "


def test_send_button_sends_the_input(qtbot: QtBot, window: MainWindow) -> None:
    qtbot.keyClicks(window.message_input, "pause sbx1")
    with qtbot.waitSignal(window.send_requested) as blocker:
        qtbot.mouseClick(window.send_button, Qt.MouseButton.LeftButton)
    assert blocker.args == ["pause sbx1"]


def test_input_grows_with_lines_up_to_a_limit(qtbot: QtBot) -> None:
    box = MessageInput()
    qtbot.addWidget(box)
    box.resize(400, box.height())
    box.show()
    one_line = box.height()
    box.setPlainText("a\nb\nc")
    qtbot.waitUntil(lambda: box.height() > one_line)
    three_lines = box.height()
    box.setPlainText("\n".join("x" * 30))
    qtbot.waitUntil(lambda: box.height() > three_lines)
    capped = box.height()
    box.setPlainText("\n".join("y" * 60))
    assert box.height() == capped


def test_the_hint_drops_its_shift_enter_part_rather_than_wrap(qtbot: QtBot) -> None:
    """Beside the sandbox panel the box is narrow: the whole hint wrapped onto a second line
    the one-line box cut in half."""
    from desktop.ui.chat.message_input import PLACEHOLDER, SHORT_PLACEHOLDER

    box = MessageInput()
    qtbot.addWidget(box)
    box.resize(900, box.height())
    box.show()
    qtbot.waitUntil(lambda: box.placeholderText() == PLACEHOLDER)
    box.resize(300, box.height())
    qtbot.waitUntil(lambda: box.placeholderText() == SHORT_PLACEHOLDER)
    assert box.fontMetrics().horizontalAdvance(SHORT_PLACEHOLDER) < box.viewport().width()
    box.resize(900, box.height())
    qtbot.waitUntil(lambda: box.placeholderText() == PLACEHOLDER)
