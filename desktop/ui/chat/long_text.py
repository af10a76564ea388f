"""A read-only view of plain text of any length that never freezes the window to show it.

QPlainTextEdit lays out only the lines on screen, but a line always whole (and one without break
opportunities in quadratic time), and putting megabytes into it at once takes seconds. So the
text goes in a slice per turn of the event loop, a line longer than PIECE_CHARS is shown in
pieces, and copying gives the text as it was given (the pieces joined, nothing added).
"""

from __future__ import annotations

from PySide6.QtCore import QMimeData, QTimer
from PySide6.QtGui import QTextCursor
from PySide6.QtWidgets import QPlainTextEdit, QWidget

from desktop.ui.chat.display_blocks import PIECE_CHARS, PIECE_MIN

SLICE_CHARS = 64 * 1024  # text put into the view per turn of the event loop


class LongTextView(QPlainTextEdit):
    """Plain text, shown a slice at a time; `text()` and copies give it exactly."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setReadOnly(True)
        self.setTabChangesFocus(True)
        self.setLineWrapMode(QPlainTextEdit.LineWrapMode.WidgetWidth)
        self.document().setUndoRedoEnabled(False)
        self._parts: list[str] = []  # the text given, in the pieces it came in
        self._length = 0
        self._waiting: list[str] = []  # given, not in the view yet
        self._starts: list[int] = [0]  # where each block's text starts in the text given
        self._shown = 0  # characters of the text given that are in the view
        self._line = 0  # length of the view's last block
        self._slice = QTimer(self)
        self._slice.setSingleShot(True)
        self._slice.setInterval(0)
        self._slice.timeout.connect(self._on_slice_timeout)

    # -- the text ----------------------------------------------------------------------------
    def set_text(self, text: str) -> None:
        """Show `text` instead of what is shown; its first slice at once, the rest soon."""
        self._slice.stop()
        self.document().clear()
        self._parts, self._length, self._waiting = [], 0, []
        self._starts, self._shown, self._line = [0], 0, 0
        self.append_text(text)
        self._on_slice_timeout()

    def append_text(self, text: str) -> None:
        """Add `text` at the end (shown over the next turns of the event loop)."""
        if not text:
            return
        self._parts.append(text)
        self._length += len(text)
        self._waiting.append(text)
        if not self._slice.isActive():
            self._slice.start()

    def text(self) -> str:
        """All the text given, as it was given (shown yet or not)."""
        if len(self._parts) > 1:
            self._parts = ["".join(self._parts)]
        return self._parts[0] if self._parts else ""

    @property
    def loading(self) -> bool:
        """True while part of the text is not in the view yet."""
        return self._shown < self._length

    # -- filling -----------------------------------------------------------------------------
    def _on_slice_timeout(self) -> None:
        chunk = self._take(SLICE_CHARS)
        if not chunk:
            return
        shown: list[str] = []
        for index, line in enumerate(chunk.split("\n")):
            if index:  # a line break of the text: a new block
                shown.append("\n")
                self._starts.append(self._shown + 1)
                self._shown, self._line = self._shown + 1, 0
            while len(line) > PIECE_CHARS - self._line:
                room = PIECE_CHARS - self._line
                cut = _cut(line, room) if room > 0 else 0
                shown += (line[:cut], "\n")  # a piece of a long line: its own block
                self._shown += cut
                self._starts.append(self._shown)
                line, self._line = line[cut:], 0
            shown.append(line)
            self._shown += len(line)
            self._line += len(line)
        cursor = QTextCursor(self.document())
        cursor.movePosition(QTextCursor.MoveOperation.End)
        cursor.insertText("".join(shown))
        if self._waiting:
            self._slice.start()

    def _take(self, limit: int) -> str:
        taken: list[str] = []
        size = 0
        while self._waiting and size < limit:
            part = self._waiting.pop(0)
            if size + len(part) > limit:
                self._waiting.insert(0, part[limit - size :])
                part = part[: limit - size]
            taken.append(part)
            size += len(part)
        return "".join(taken)

    # -- copying -----------------------------------------------------------------------------
    def offset_of(self, position: int) -> int:
        """Where a position of the view is in the text given."""
        block = self.document().findBlock(position)
        number = min(block.blockNumber(), len(self._starts) - 1)
        return self._starts[number] + position - block.position()

    def createMimeDataFromSelection(self) -> QMimeData:
        cursor = self.textCursor()
        start, end = self.offset_of(cursor.selectionStart()), self.offset_of(cursor.selectionEnd())
        mime = QMimeData()
        mime.setText(self.text()[start:end])
        return mime


def _cut(line: str, room: int) -> int:
    """Where a piece of `line` ends: after its last space past PIECE_MIN, else at `room`."""
    space = line.rfind(" ", min(PIECE_MIN, room // 2), room)
    return space + 1 if space > 0 else max(1, room)
