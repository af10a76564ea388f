"""A text a code run printed or returned (stdout, stderr, a traceback, a result), shown folded.

Its start shows (`PREVIEW_LINES` lines, `PREVIEW_CHARS` characters); "Show all" fills in the
rest a slice at a time on the event loop, so that even a megabyte never holds the window for
long. The text is plain and inert (`desktop.core.inert`: control and direction characters are
written out); a line longer than `LINE_BREAK_CHARS` is broken for display only (a single
megabyte-long line would take the layout seconds). Copy takes the text as it came.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QFontDatabase, QTextCursor
from PySide6.QtWidgets import QLabel, QPlainTextEdit, QPushButton, QVBoxLayout, QWidget

from desktop.core.inert import inert
from desktop.ui.chat.labels import keeps_focus, plain_label

PREVIEW_LINES = 30
PREVIEW_CHARS = 4_000
LINE_BREAK_CHARS = 1_000
SLICE_CHARS = 32 * 1024  # added per turn of the event loop after "Show all"
FOLDED_LINES_HIGH = 16  # the box grows with its text up to this many lines, then scrolls
OPEN_HEIGHT_PX = 520


def displayed(text: str) -> str:
    """The text as the box shows it: inert, each line at most LINE_BREAK_CHARS long."""
    lines = inert(text).split("\n")
    if all(len(line) <= LINE_BREAK_CHARS for line in lines):
        return "\n".join(lines)
    broken: list[str] = []
    for line in lines:
        broken += [line[i : i + LINE_BREAK_CHARS] for i in range(0, len(line), LINE_BREAK_CHARS)]
        if not line:
            broken.append("")
    return "\n".join(broken)


def _preview(text: str) -> str:
    head = "\n".join(text.split("\n", PREVIEW_LINES)[:PREVIEW_LINES])
    return head[:PREVIEW_CHARS]


class FoldedText(QWidget):
    """A heading ("Output", "Errors (stderr)") and the text under it, folded when long.
    `stream` ("stdout", "stderr", "traceback", "result") styles it: stderr and tracebacks are
    set apart from what the code printed."""

    def __init__(self, text: str, heading: str, stream: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("cellText")
        self.setProperty("stream", stream)
        self.text = text  # as it came (what Copy takes)
        self._shown = displayed(text.removesuffix("\n"))  # no empty last line
        self._pending = ""  # what "Show all" still has to add
        self._timer: QTimer | None = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        self.heading: QLabel = plain_label(heading, "cellTextHeading", self)
        self.heading.setProperty("stream", stream)
        layout.addWidget(self.heading)
        view = self.view = QPlainTextEdit(self)
        view.setObjectName(f"cell{stream.capitalize()}")
        view.setProperty("stream", stream)
        view.setAccessibleName(heading)
        view.setReadOnly(True)
        view.setTabChangesFocus(True)
        view.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        view.setLineWrapMode(QPlainTextEdit.LineWrapMode.WidgetWidth)
        view.setFocusPolicy(Qt.FocusPolicy.TabFocus)  # a click leaves the message box its focus
        layout.addWidget(view)
        preview = _preview(self._shown)
        self.folded = len(preview) < len(self._shown)
        view.setPlainText(preview + ("\n…" if self.folded else ""))
        self._fit(preview.count("\n") + 1 + self.folded)
        lines = self._shown.count("\n") + 1
        self.show_all_button = QPushButton(
            f"Show all ({lines:,} lines, {len(text):,} characters)", self
        )
        self.show_all_button.setObjectName("showAllButton")
        self.show_all_button.setAccessibleName(f"Show all of {heading}")
        self.show_all_button.clicked.connect(self._on_show_all_button_clicked)
        keeps_focus(self.show_all_button)
        self.show_all_button.setVisible(self.folded)
        layout.addWidget(self.show_all_button, 0, Qt.AlignmentFlag.AlignLeft)

    @property
    def shown_text(self) -> str:
        return self.view.toPlainText()

    @property
    def filling(self) -> bool:
        """ "Show all" is still adding slices."""
        return bool(self._pending)

    def _fit(self, lines: int, most: int = FOLDED_LINES_HIGH) -> None:
        """As high as `lines` lines (at most `most`, and OPEN_HEIGHT_PX); the rest scrolls."""
        shown = max(1, min(lines, most))
        margins = self.view.contentsMargins()
        frame = 2 * self.view.document().documentMargin() + margins.top() + margins.bottom()
        high = int(shown * self.view.fontMetrics().lineSpacing() + frame + 6)
        self.view.setFixedHeight(min(high, OPEN_HEIGHT_PX))

    def show_all(self) -> None:
        """Unfold: the whole text, added a slice per turn of the event loop."""
        if not self.folded:
            return
        self.folded = False
        self.show_all_button.hide()
        self.view.setPlainText(self._shown[:SLICE_CHARS])
        self._pending = self._shown[SLICE_CHARS:]
        self._fit(self._shown.count("\n") + 1, most=self._shown.count("\n") + 1)
        if self._pending:
            self._timer = QTimer(self)
            self._timer.setInterval(0)
            self._timer.timeout.connect(self._add_slice)
            self._timer.start()

    def _add_slice(self) -> None:
        piece, self._pending = self._pending[:SLICE_CHARS], self._pending[SLICE_CHARS:]
        cursor = QTextCursor(self.view.document())
        cursor.movePosition(QTextCursor.MoveOperation.End)
        cursor.insertText(piece)
        if not self._pending and self._timer is not None:
            self._timer.stop()
            self._timer.deleteLater()
            self._timer = None

    def _on_show_all_button_clicked(self) -> None:
        self.show_all()
