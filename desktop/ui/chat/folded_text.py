"""A text a code run printed or returned (stdout, stderr, a traceback, a result), shown folded.

Its start shows (`PREVIEW_LINES` lines, `PREVIEW_CHARS` characters); "Show all" puts the whole
text in its `LongTextView`, which fills it in a slice at a time and shows a very long line in
pieces, so that even a megabyte never holds the window for long. The text is plain and inert
(`desktop.core.inert`: control and direction characters are written out). The cell's Copy takes
the text as it came; a selection copies what the view shows, without the pieces' breaks.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QFontDatabase
from PySide6.QtWidgets import QLabel, QPushButton, QVBoxLayout, QWidget

from desktop.core.inert import inert
from desktop.ui.chat.labels import keeps_focus, plain_label
from desktop.ui.chat.long_text import LongTextView

PREVIEW_LINES = 30
PREVIEW_CHARS = 4_000
FOLDED_LINES_HIGH = 16  # the box grows with its text up to this many lines, then scrolls
OPEN_HEIGHT_PX = 520


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
        self.inert_text = inert(text.removesuffix("\n"))  # what the view shows; no empty last line
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        self.heading: QLabel = plain_label(heading, "cellTextHeading", self)
        self.heading.setProperty("stream", stream)
        layout.addWidget(self.heading)
        view = self.view = LongTextView(self)
        view.setObjectName(f"cell{stream.capitalize()}")
        view.setProperty("stream", stream)
        view.setAccessibleName(heading)
        view.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        view.setFocusPolicy(Qt.FocusPolicy.TabFocus)  # a click leaves the message box its focus
        layout.addWidget(view)
        preview = _preview(self.inert_text)
        self.folded = len(preview) < len(self.inert_text)
        view.set_text(preview + ("\n…" if self.folded else ""))  # one slice: shown at once
        self._fit(preview.count("\n") + 1 + self.folded)
        lines = self.inert_text.count("\n") + 1
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
        """What the view holds so far, as laid out (a long line in pieces)."""
        return self.view.toPlainText()

    @property
    def filling(self) -> bool:
        """ "Show all" is still adding slices."""
        return self.view.loading

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
        self.view.set_text(self.inert_text)
        lines = self.inert_text.count("\n") + 1
        self._fit(lines, most=lines)

    def _on_show_all_button_clicked(self) -> None:
        self.show_all()
