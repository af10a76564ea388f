"""Long paragraphs laid out in bounded pieces, and copied back as the text they are.

Qt lays out a block (a paragraph, a line of code) whole, again on every change to it, and a
block without break opportunities (a 150,000-character token) in quadratic time: a streamed
137,000-character paragraph cost a full layout per update, and one without spaces froze the
window for seconds. So a long block is shown as several blocks of at most PIECE_CHARS, cut
after a sentence or a space where there is one; each piece after the first carries CONTINUES,
so copying joins the pieces again and the text copied is the text received.
"""

from __future__ import annotations

import re

from PySide6.QtGui import QTextBlock, QTextBlockFormat, QTextCursor, QTextDocument, QTextFormat

# A block piece that goes on from the one above it: no line break between them when copied.
CONTINUES = QTextFormat.Property.UserProperty + 1
SPLIT_OVER = 4_000  # a block longer than this is shown in pieces
PIECE_CHARS = 2_000  # the most a piece holds
PIECE_MIN = 1_000  # a piece is cut after a sentence or a space found past this many characters
LONG_RUN = re.compile(rf"\S{{{PIECE_CHARS}}}")  # no break opportunity in this many: cut anyway
_SENTENCE_ENDS = (". ", "! ", "? ", ".\u2028")
_SPACES = (" ", "\t", "\u2028", "\u00a0")


def piece_ends(text: str) -> list[int]:
    """Where a block's text is cut into pieces (offsets; empty: shown whole).

    The same start always gives the same cuts, whatever follows it (each one looks only at the
    PIECE_CHARS after the cut before it), so a streamed block keeps its earlier pieces.
    """
    if len(text) <= SPLIT_OVER and not LONG_RUN.search(text):
        return []
    ends: list[int] = []
    start = 0
    while len(text) - start > PIECE_CHARS:
        window = text[start + PIECE_MIN : start + PIECE_CHARS]
        end = _after_last(window, _SENTENCE_ENDS) or _after_last(window, _SPACES)
        start = start + PIECE_MIN + end if end else start + PIECE_CHARS
        ends.append(start)
    return ends


def _after_last(window: str, marks: tuple[str, ...]) -> int:
    """Where the last of `marks` in `window` ends (0: none there)."""
    return max((window.rfind(mark) + len(mark) for mark in marks if mark in window), default=0)


def continues(block: QTextBlock) -> bool:
    """Whether `block` is a piece that goes on from the block above it."""
    return block.blockFormat().hasProperty(CONTINUES)


def split_long_blocks(doc: QTextDocument) -> None:
    """Cut every long block of `doc` into pieces (see `piece_ends`); margins stay outside."""
    long_blocks: list[tuple[QTextBlock, list[int]]] = []
    block = doc.begin()
    while block.isValid():
        if block.length() > PIECE_CHARS:
            ends = piece_ends(block.text())
            if ends:
                long_blocks.append((block, ends))
        block = block.next()
    cursor = QTextCursor(doc)
    # In an edit block a cursor does not lay out its block to find its x at every move (one
    # layout of a 137,000-character paragraph per cut, otherwise).
    cursor.beginEditBlock()
    for block, ends in reversed(long_blocks):
        whole = block.blockFormat()
        text_list = block.textList()
        start = block.position()
        for index, end in enumerate(reversed(ends)):
            piece = QTextBlockFormat(whole)
            piece.setProperty(CONTINUES, True)
            piece.setTopMargin(0)
            if index:  # a piece in the middle: the block's bottom margin is below the last
                piece.setBottomMargin(0)
            if text_list is not None:  # a list item's text goes on, without a new bullet
                piece.setIndent(text_list.format().indent())
                piece.setObjectIndex(-1)
            cursor.setPosition(start + end)
            cursor.insertBlock(piece, block.charFormat())
            if text_list is not None and cursor.block().textList() is not None:
                cursor.block().textList().remove(cursor.block())
        first = QTextBlockFormat(whole)
        first.setBottomMargin(0)
        cursor.setPosition(start)
        cursor.setBlockFormat(first)
    cursor.endEditBlock()


def has_pieces(doc: QTextDocument, start: int, end: int) -> bool:
    """Whether a piece of a long block begins between two positions of `doc`."""
    block = doc.findBlock(start).next()
    while block.isValid() and block.position() <= end:
        if continues(block):
            return True
        block = block.next()
    return False


def plain_text(doc: QTextDocument, start: int = 0, end: int | None = None) -> str:
    """The text between two positions of `doc` as Qt's plain text has it, with the pieces of a
    long block joined again (no line break where `split_long_blocks` cut)."""
    stop = doc.characterCount() - 1 if end is None else end
    parts: list[str] = []
    block = doc.findBlock(start)
    while block.isValid() and block.position() <= stop:
        if parts and not continues(block):
            parts.append("\n")
        offset = block.position()
        text = block.text()
        parts.append(text[max(0, start - offset) : max(0, stop - offset)])
        block = block.next()
    return "".join(parts).replace("\u00a0", " ").replace("\u2028", "\n")
