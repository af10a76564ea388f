"""Syntax colours for fenced code blocks inside a rendered message, tokenised by Pygments.

Any language Pygments knows by the fence's info string is coloured (see `code_lexing`); a fence
without a known language is JSON from its first line that looks like JSON, else plain text.
The colours are the app's own (GitHub-like, on the light code background), mapped from
Pygments' token types.
"""

from __future__ import annotations

import logging
import time
from typing import Any, NamedTuple

from PySide6.QtCore import QTimer
from PySide6.QtGui import (
    QColor,
    QFont,
    QSyntaxHighlighter,
    QTextBlock,
    QTextCharFormat,
    QTextDocument,
    QTextFormat,
    QTextLayout,
)

from desktop.ui.chat.code_lexing import (
    MAX_LINE_CHARS,
    ROOT,
    Lexed,
    Stack,
    lexer_for,
    sniff_language,
)
from desktop.ui.chat.code_lexing import language_of as language_of
from desktop.ui.chat.display_blocks import continues

log = logging.getLogger(__name__)


def _format(color: str, *, italic: bool = False, bold: bool = False) -> QTextCharFormat:
    fmt = QTextCharFormat()
    fmt.setForeground(QColor(color))
    if italic:
        fmt.setFontItalic(True)
    if bold:
        fmt.setFontWeight(QFont.Weight.DemiBold)
    return fmt


_KEYWORD = _format("#cf222e")
_STRING = _format("#0a3069")
_COMMENT = _format("#6e7781", italic=True)
_NUMBER = _format("#0550ae")
_NAME = _format("#8250df")
_DECORATOR = _format("#953800")
_KEY = _format("#0550ae", bold=True)
_CONSTANT = _format("#0550ae", bold=True)
_INSERTED = _format("#116329")
_DELETED = _format("#82071e")
_HEADING = _format("#0550ae", bold=True)
_PROMPT = _format("#6e7781", bold=True)

# Pygments token type (dotted, below "Token.") -> format; a type without an entry takes its
# parent's ("Name.Builtin.Pseudo" -> "Name.Builtin"), and types with none stay plain.
_FORMATS: dict[str, QTextCharFormat] = {
    "Keyword": _KEYWORD,
    "Keyword.Constant": _CONSTANT,
    "Operator.Word": _KEYWORD,
    "Name.Builtin": _NAME,
    "Name.Class": _NAME,
    "Name.Exception": _NAME,
    "Name.Function": _NAME,
    "Name.Decorator": _DECORATOR,
    "Name.Variable": _DECORATOR,
    "Name.Constant": _NUMBER,
    "Name.Attribute": _NUMBER,
    "Name.Tag": _KEY,
    "Literal.String": _STRING,
    "Literal.Number": _NUMBER,
    "Comment": _COMMENT,
    "Generic.Inserted": _INSERTED,
    "Generic.Deleted": _DELETED,
    "Generic.Heading": _HEADING,
    "Generic.Subheading": _HEADING,
    "Generic.Prompt": _PROMPT,
}
_by_type: dict[Any, QTextCharFormat | None] = {}
_failed: set[str] = set()  # lexers that raised (logged once)


def format_for(ttype: Any) -> QTextCharFormat | None:
    """The format for a Pygments token type, or None for plain text."""
    try:
        return _by_type[ttype]
    except KeyError:
        pass
    fmt = None
    current = ttype
    while current is not None and fmt is None:
        fmt = _FORMATS.get(".".join(current))
        current = current.parent
    _by_type[ttype] = fmt
    return fmt


# Lexing time per turn of the event loop: a huge block is coloured over several turns (its lines
# further down stay plain a moment) instead of freezing the window (~50 us a line of Python).
SLICE_SECONDS = 0.012
# A token left open at the end of a line (see `Lexed.continues`) is followed this many lines at
# most, and while the lines lexed together hold fewer characters than MAX_CONTINUED_CHARS; then
# lexing starts afresh from the line below.
MAX_CONTINUED_LINES = 50
MAX_CONTINUED_CHARS = 3 * MAX_LINE_CHARS
_NOT_CODE = 0
_WAITING = 1  # a code line not lexed yet: the slice ran out


class _LineState(NamedTuple):
    """Where the line below a code line starts lexing: the lines above it to lex with it (when
    a token may go on across the line break), and from which stack."""

    label: str | None  # the language of the fence's info string
    lexer: str | None  # the language lexed; None: plain text
    stack: Stack
    back: int  # lines above the one below to lex together with it


class CodeHighlighter(QSyntaxHighlighter):
    """Colours the code blocks of a markdown document; other blocks are left alone.

    Each line is lexed once, from the state the line above left (Qt's block state: an index into
    this highlighter's table of `_LineState`s). Qt highlights a line again only when it changed
    or the state it starts from did, so a streamed block costs a line per line.

    Lexing stops for the turn after `SLICE_SECONDS`; the lines left wait (`_WAITING`) and a timer
    colours them in later turns, setting their formats itself: Qt's own `rehighlightBlock` lays
    out the rest of the document again for every line it changes (seconds for a long block).
    """

    def __init__(self, document: QTextDocument) -> None:
        super().__init__(document)
        self._states: list[_LineState] = [
            _LineState(None, None, ROOT, 0),  # _NOT_CODE
            _LineState(None, None, ROOT, -1),  # _WAITING
        ]
        self._numbers: dict[_LineState, int] = {}
        self._spent = 0.0  # lexing time in this turn of the event loop
        self._first_waiting: int | None = None  # block number of the first waiting line
        self._next_slice = QTimer(self)
        self._next_slice.setSingleShot(True)
        self._next_slice.setInterval(0)
        self._next_slice.timeout.connect(self._on_next_slice_timeout)

    @property
    def busy(self) -> bool:
        """True while some code lines wait for their colours (a later turn does them)."""
        return self._first_waiting is not None

    def highlightBlock(self, text: str) -> None:
        block = self.currentBlock()
        if self._spent >= SLICE_SECONDS and _is_code(block):
            self._wait(block.blockNumber())
            return
        state, formats = self._lex(block, text, self.previousBlockState())
        if state == _WAITING:
            self._wait(block.blockNumber())
            return
        for start, length, fmt in formats:
            self.setFormat(start, length, fmt)
        self.setCurrentBlockState(state)

    def _lex(
        self, block: QTextBlock, text: str, previous: int
    ) -> tuple[int, list[tuple[int, int, QTextCharFormat]]]:
        """The state a line leaves for the next, and its formats."""
        block_format = block.blockFormat()
        if not block_format.hasProperty(QTextFormat.Property.BlockCodeFence):
            return _NOT_CODE, []
        if previous == _WAITING:
            return _WAITING, []
        label = language_of(block_format.property(QTextFormat.Property.BlockCodeLanguage))
        above = self._states[previous] if 1 < previous < len(self._states) else None
        language: str | None
        if above is not None and above.label == label and above.lexer is not None:
            language, stack, back = above.lexer, above.stack, above.back  # a line further
        else:  # the first line of a code block, or one without a language so far
            language, stack, back = label or sniff_language(text), ROOT, 0
        lexer = lexer_for(language) if language is not None else None
        long_line = len(text) > MAX_LINE_CHARS or continues(block) or continues(block.next())
        if lexer is None or long_line:  # a long line (or its pieces): plain, lexed from root
            return self._number(_LineState(label, language, ROOT, 0)), []
        started = time.perf_counter()
        lines = [text]
        above_block = block
        for _ in range(back):
            above_block = above_block.previous()
            lines.append(above_block.text())
        lines.reverse()
        try:
            lexed = lexer.lex(lines, stack)
        except Exception:  # a lexer's bug must not take the window down: plain text
            if lexer.name not in _failed:
                _failed.add(lexer.name)
                log.exception("lexing %s failed; its lines show as plain text", lexer.name)
            lexed = Lexed([], ROOT, continues=False)
        formats: list[tuple[int, int, QTextCharFormat]] = []
        for start, length, ttype in lexed.tokens:
            fmt = format_for(ttype)
            if fmt is None:
                continue
            if formats and formats[-1][2] is fmt and sum(formats[-1][:2]) == start:
                formats[-1] = (formats[-1][0], formats[-1][1] + length, fmt)  # one run, as Qt's
            else:
                formats.append((start, length, fmt))
        joined = sum(map(len, lines))
        if lexed.continues and back < MAX_CONTINUED_LINES and joined < MAX_CONTINUED_CHARS:
            below = _LineState(label, language, stack, back + 1)
        else:
            below = _LineState(label, language, lexed.stack, 0)
        if not self._next_slice.isActive():
            self._next_slice.start()  # this turn's slice ends when the event loop turns
        self._spent += time.perf_counter() - started
        return self._number(below), formats

    def _wait(self, number: int) -> None:
        self.setCurrentBlockState(_WAITING)  # unchanged for a line already waiting: Qt stops
        self._wait_from(number)

    def _on_next_slice_timeout(self) -> None:
        self._spent = 0.0
        first, self._first_waiting = self._first_waiting, None
        if first is None:
            return
        document = self.document()
        block = document.findBlockByNumber(first)
        if block.userState() != _WAITING:  # the document changed meanwhile: look for it
            block = document.begin()
            while block.isValid() and block.userState() != _WAITING:
                block = block.next()
        if not block.isValid():
            return
        start = end = block.position()
        while block.isValid() and self._spent < SLICE_SECONDS:
            if block.userState() == _WAITING:
                state, formats = self._lex(block, block.text(), block.previous().userState())
                block.layout().setFormats([_range(*entry) for entry in formats])
                block.setUserState(state)
                end = block.position() + block.length()
            block = block.next()
        # Once for the whole slice: the document lays out again from here on.
        document.markContentsDirty(start, end - start)
        while block.isValid() and block.userState() != _WAITING:
            block = block.next()
        if block.isValid():
            self._wait_from(block.blockNumber())

    def _wait_from(self, number: int) -> None:
        if self._first_waiting is None or number < self._first_waiting:
            self._first_waiting = number
        if not self._next_slice.isActive():
            self._next_slice.start()

    def _number(self, state: _LineState) -> int:
        number = self._numbers.get(state)
        if number is None:
            number = self._numbers[state] = len(self._states)
            self._states.append(state)
        return number


def _is_code(block: QTextBlock) -> bool:
    return block.blockFormat().hasProperty(QTextFormat.Property.BlockCodeFence)


def _range(start: int, length: int, fmt: QTextCharFormat) -> QTextLayout.FormatRange:
    entry = QTextLayout.FormatRange()
    entry.start, entry.length, entry.format = start, length, fmt
    return entry
