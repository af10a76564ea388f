"""A prompt too long to send is refused before it is drawn; a paste too long is cut, and said."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication, QTextOption
from pytestqt.qtbot import QtBot

from desktop.core.agent.prompt import MAX_PROMPT_CHARS
from desktop.ui.window.main_window import MainWindow
from tests.ui.fakes import FakeBackend


def test_a_prompt_over_the_limit_is_refused_before_anything_is_drawn(
    qtbot: QtBot, app_window: MainWindow, fake_backend: FakeBackend
) -> None:
    window = app_window
    prompt = "word " * (MAX_PROMPT_CHARS // 5) + "!"
    window.message_input.setPlainText(prompt)
    window.message_input.setFocus()
    qtbot.keyClick(window.message_input, Qt.Key.Key_Return)
    # Before: the bubble was drawn (72 s for 5 MB), then the core refused the turn.
    assert window.chat_view.entries() == []
    assert fake_backend.streams == []  # nothing was asked
    assert not window.composer_hint.isHidden()
    assert f"{MAX_PROMPT_CHARS:,}" in window.composer_hint.text()
    assert window.message_input.toPlainText() == prompt  # kept, to shorten
    assert not window.busy


def test_a_paste_too_long_is_cut_to_the_limit_with_a_sentence(
    qtbot: QtBot, app_window: MainWindow
) -> None:
    window = app_window
    clipboard = QGuiApplication.clipboard()
    megabyte = "0123456789abcdef" * 65_536  # 1 MB without a space
    clipboard.setText(megabyte)
    window.message_input.setPlainText("see: ")
    window.message_input.moveCursor(window.message_input.textCursor().MoveOperation.End)
    window.message_input.paste()
    text = window.message_input.toPlainText()
    assert len(text) == MAX_PROMPT_CHARS and text == "see: " + megabyte[: MAX_PROMPT_CHARS - 5]
    assert not window.composer_hint.isHidden()
    assert "1,048,576" in window.composer_hint.text()
    assert clipboard.text() == megabyte  # nothing lost: all of it is still there
    # A line that long wraps anywhere (at word boundaries Qt lays it out in quadratic time).
    assert window.message_input.wordWrapMode() == QTextOption.WrapMode.WrapAnywhere
    window.message_input.setPlainText("short words again")
    assert window.message_input.wordWrapMode() == QTextOption.WrapMode.WrapAtWordBoundaryOrAnywhere


def test_a_paste_that_fits_is_pasted_whole_without_a_notice(
    qtbot: QtBot, app_window: MainWindow
) -> None:
    window = app_window
    QGuiApplication.clipboard().setText("list my sandboxes")
    window.message_input.clear()
    window.message_input.paste()
    assert window.message_input.toPlainText() == "list my sandboxes"
    assert window.composer_hint.isHidden() or "characters" not in window.composer_hint.text()
