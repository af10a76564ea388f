"""Long blocks without freezing the window: laid out in pieces (and copied whole), a streamed
paragraph updated only at its end, a big table a few rows at a time, and a fold past what can be
laid out."""

from __future__ import annotations

import itertools

from PySide6.QtGui import QGuiApplication, QTextCursor, QTextDocument
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from desktop.ui.chat import display_blocks
from desktop.ui.chat.display_blocks import PIECE_CHARS, piece_ends
from desktop.ui.chat.markdown import (
    FOLD_COST,
    MARKDOWN_FEATURES,
    MarkdownRenderer,
    SafeTextDocument,
)
from desktop.ui.chat.markdown_cuts import TABLE_CUT_ROWS
from desktop.ui.chat.message_widget import AssistantMessageWidget
from tests.ui.chat.long_samples import PARAGRAPH, UNBROKEN, block_texts, stream


def test_a_long_block_is_cut_where_its_start_says_whatever_follows() -> None:
    ends = piece_ends(PARAGRAPH)
    assert ends and all(0 < b - a <= PIECE_CHARS for a, b in itertools.pairwise([0, *ends]))
    assert all(PARAGRAPH[end - 1] == " " for end in ends)  # after a space, never in a word
    longer = piece_ends(PARAGRAPH + "and some more words " * 300)
    assert longer[: len(ends) - 1] == ends[:-1]  # a block that grows keeps its pieces
    assert piece_ends("short words. " * 100) == []


def test_a_streamed_paragraph_is_laid_out_in_pieces_and_shown_whole(
    styled_app: QApplication,
) -> None:
    doc = SafeTextDocument()
    renderer = MarkdownRenderer(doc)
    stream(renderer, PARAGRAPH, 997)
    blocks = block_texts(doc)
    assert len(blocks) > 10 and max(map(len, blocks)) <= PIECE_CHARS
    assert renderer.plain_text() == PARAGRAPH.strip()


def test_each_update_of_a_streamed_paragraph_changes_only_its_last_piece(
    styled_app: QApplication,
) -> None:
    doc = SafeTextDocument()
    renderer = MarkdownRenderer(doc)
    renderer.set_source(PARAGRAPH[:30_000])
    last_piece = doc.lastBlock().position()
    changes: list[int] = []
    doc.contentsChange.connect(lambda position, _removed, _added: changes.append(position))
    renderer.set_source(PARAGRAPH[:30_100])
    # Before: the whole open paragraph was removed and inserted again at every update.
    assert changes and min(changes) >= last_piece - 1
    assert renderer.plain_text() == PARAGRAPH[:30_100].strip()


def test_text_without_spaces_is_cut_into_pieces_and_copied_as_it_was(
    qtbot: QtBot, styled_app: QApplication
) -> None:
    reply = AssistantMessageWidget(f"Here: {UNBROKEN} (end)")
    qtbot.addWidget(reply)
    assert max(map(len, block_texts(reply.document))) <= PIECE_CHARS
    assert reply.plain_text() == f"Here: {UNBROKEN} (end)"
    cursor = reply.view.textCursor()
    cursor.setPosition(3)
    cursor.setPosition(reply.document.characterCount() - 3, QTextCursor.MoveMode.KeepAnchor)
    reply.view.setTextCursor(cursor)
    reply.view.copy()
    assert QGuiApplication.clipboard().text() == f"e: {UNBROKEN} (en"  # no line break added


def test_the_pieces_of_a_long_code_line_copy_as_one_line(
    qtbot: QtBot, styled_app: QApplication
) -> None:
    reply = AssistantMessageWidget(f"```\nshort\n{UNBROKEN}\nlast\n```\n")
    qtbot.addWidget(reply)
    assert reply.rendering  # from history, a budget at a time too
    qtbot.waitUntil(lambda: not reply.rendering)
    [(_, (first, last))] = reply.view.code_block_rects()
    assert reply.view.code_text(first, last) == f"short\n{UNBROKEN}\nlast"


def test_plain_text_of_a_document_without_pieces_is_qts_own(styled_app: QApplication) -> None:
    doc = QTextDocument()
    doc.setMarkdown(
        "# Title\n\ntext\u00a0here\n\n- a\n- b\n\n| x | y |\n|---|---|\n| 1 | 2 |\n\nend\n",
        MARKDOWN_FEATURES,
    )
    assert display_blocks.plain_text(doc) == doc.toPlainText()


def test_a_big_table_is_laid_out_a_few_rows_at_a_time_and_folded_sooner(
    qtbot: QtBot, styled_app: QApplication
) -> None:
    rows = "".join(f"| sbx{n:06d} | running | {n % 8} cpus | note {n} |\n" for n in range(20_000))
    source = "| id | state | size | note |\n|---|---|---|---|\n" + rows  # 1.2 MB of table
    doc = SafeTextDocument()
    renderer = MarkdownRenderer(doc)
    renderer.set_source(source)
    folded_at = renderer.folded_at
    assert folded_at is not None and folded_at < FOLD_COST // 10  # a table costs more
    tables = [f for f in doc.rootFrame().childFrames() if f.format().isTableFormat()]
    assert len(tables) > 1  # cut every TABLE_CUT_ROWS rows, the header written once
    shown = renderer.plain_text()
    assert shown.count("sbx") == source[:folded_at].count("\n| sbx")
    assert shown.count("state") == 1
    widths = {tuple(c.rawValue() for c in t.format().columnWidthConstraints()) for t in tables}
    assert len(widths) == 1 and len(next(iter(widths))) == 4  # the pieces share their columns
    assert source[:folded_at].count("\n") > TABLE_CUT_ROWS


def test_a_long_table_streamed_shows_every_row_once(styled_app: QApplication) -> None:
    rows = [f"| {n} | row {n} |" for n in range(3 * TABLE_CUT_ROWS + 5)]
    source = "Intro\n\n| n | name |\n|---|---|\n" + "\n".join(rows) + "\n\nafter\n"
    doc = SafeTextDocument()
    renderer = MarkdownRenderer(doc)
    stream(renderer, source, 7)
    whole = QTextDocument()
    whole.setMarkdown(source, MARKDOWN_FEATURES)
    lines = [line for line in renderer.plain_text().split("\n") if line.strip()]
    assert lines == [line for line in whole.toPlainText().split("\n") if line.strip()]
