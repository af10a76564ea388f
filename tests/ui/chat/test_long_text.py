"""Long text shown without freezing the window: a huge reply folded ("Show all" shows the rest),
a plain-text view that fills a slice at a time, a long message of yours shown by its start."""

from __future__ import annotations

from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication, QPushButton
from pytestqt.qtbot import QtBot

from desktop.ui.chat.chat_view import ChatView
from desktop.ui.chat.display_blocks import PIECE_CHARS
from desktop.ui.chat.long_text import SLICE_CHARS, LongTextView
from desktop.ui.chat.markdown import (
    FOLD_COST,
)
from desktop.ui.chat.message_widget import AssistantMessageWidget, UserMessageWidget
from tests.ui.chat.long_samples import UNBROKEN, block_texts


def test_a_huge_reply_is_folded_and_show_all_shows_the_rest(
    qtbot: QtBot, styled_app: QApplication
) -> None:
    source = "Intro paragraph.\n\n" + "".join(
        f"Paragraph {n}: " + "words in a row " * 40 + "\n\n" for n in range(2_000)
    )
    reply = AssistantMessageWidget(source)
    qtbot.addWidget(reply)
    folded_at = reply.folded_at
    assert folded_at is not None and 0 < folded_at <= FOLD_COST < len(source)
    assert reply.plain_text().startswith("Intro paragraph.")
    assert "Paragraph 1999" not in reply.plain_text()
    button = reply.findChild(QPushButton, "showAllButton")
    assert button is not None and f"{len(source):,}" in button.text()
    assert reply.fold_label is not None and f"{folded_at:,}" in reply.fold_label.text()
    button.click()
    assert reply.rest_view is not None
    assert reply.rest_view.text() == source[folded_at:]
    qtbot.waitUntil(lambda: reply.rest_view is not None and not reply.rest_view.loading)
    assert button.isHidden()
    reply.copy_to_clipboard()
    assert QGuiApplication.clipboard().text() == source  # Copy gives all of it


def test_a_reply_still_streaming_past_the_fold_goes_on_into_the_rest_view(
    qtbot: QtBot, styled_app: QApplication
) -> None:
    view = ChatView()
    qtbot.addWidget(view)
    view.append_assistant_text("x " * (FOLD_COST // 2 + 10))
    reply = view.streaming_message
    assert reply is not None
    qtbot.waitUntil(lambda: reply.folded_at is not None)
    assert reply.show_all_button is not None
    reply.show_all_button.click()
    view.append_assistant_text("the end")
    view.end_turn()
    assert reply.rest_view is not None and reply.rest_view.text().endswith("x the end")


def test_the_long_text_view_fills_a_slice_at_a_time_and_copies_exactly(
    qtbot: QtBot, styled_app: QApplication
) -> None:
    text = "first line\n" + UNBROKEN * 3 + "\n" + "short\n" * 20_000 + "last"
    view = LongTextView()
    qtbot.addWidget(view)
    view.set_text(text)
    assert view.loading and view.document().characterCount() <= SLICE_CHARS + 1_000
    qtbot.waitUntil(lambda: not view.loading)
    assert view.text() == text
    assert max(map(len, block_texts(view.document()))) <= PIECE_CHARS
    view.selectAll()
    view.copy()
    assert QGuiApplication.clipboard().text() == text
    view.append_text(" and more")
    qtbot.waitUntil(lambda: not view.loading)
    assert view.text() == text + " and more"
    assert view.document().lastBlock().text().endswith("last and more")


def test_a_long_message_of_yours_shows_its_start_until_show_all(
    qtbot: QtBot, styled_app: QApplication
) -> None:
    text = "z" * 99_000 + " the end"
    message = UserMessageWidget(text)
    qtbot.addWidget(message)
    message.resize(600, 200)
    message.show()
    assert len(message.label.text()) < 4_000 and message.text == text
    assert "\u200b" in message.label.text()  # the excerpt wraps; all of it is left as it is
    button = message.show_all_button
    assert button is not None and "99,008" in button.text()
    button.click()
    assert message.full_view is not None and message.full_view.text() == text
    assert message.label.isHidden() and button.isHidden()
    assert message.record().text == text
    short = UserMessageWidget("hello")
    qtbot.addWidget(short)
    assert short.show_all_button is None and short.label.text() == "hello"
