"""Model text as markdown in a QTextDocument: safely (no HTML, no resources) and incrementally."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QObject, QUrl
from PySide6.QtGui import (
    QColor,
    QTextBlockFormat,
    QTextCharFormat,
    QTextCursor,
    QTextDocument,
    QTextDocumentFragment,
    QTextFormat,
    QTextFrameFormat,
    QTextTable,
)

from desktop.ui.chat.markdown_cuts import CutFinder, Fence
from desktop.ui.links import is_web_url

# Raw HTML in model text is shown as text: it can neither style the reply nor load anything.
MARKDOWN_FEATURES = (
    QTextDocument.MarkdownFeature.MarkdownDialectGitHub
    | QTextDocument.MarkdownFeature.MarkdownNoHTML
)
CODE_PADDING_X = 12
CODE_PADDING_Y = 8
CODE_GAP = 6
LINK_COLOR = QColor("#2457d6")
INLINE_CODE_BACKGROUND = QColor("#eef0f4")
INLINE_CODE_COLOR = QColor("#9a2c4c")
TABLE_BORDER = QColor("#d8dde3")
TABLE_HEADER_BACKGROUND = QColor("#f6f8fa")


class SafeTextDocument(QTextDocument):
    """A document that never loads a resource: no remote images, no local files, nothing.

    Qt asks `loadResource` for every image (and style sheet) a document refers to; refusing here
    covers markdown images and anything a future change might let through.
    """

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.setUndoRedoEnabled(False)
        self.refused_resources: list[str] = []
        # A syntax highlighter only follows edits once the document has its layout.
        self.documentLayout()

    def loadResource(self, type: int, name: QUrl | str) -> Any:
        if len(self.refused_resources) < 50:
            self.refused_resources.append(name.toString() if isinstance(name, QUrl) else name)
        return None


def is_code_block(block_format: QTextBlockFormat) -> bool:
    return block_format.hasProperty(QTextFormat.Property.BlockCodeFence)


def _polish(doc: QTextDocument, *, continues_above: bool, continues_below: bool) -> None:
    """Restyle a freshly parsed chunk: padded code blocks, visible links, images made into links."""
    images: list[tuple[int, int, QTextCharFormat]] = []
    spans: list[tuple[int, int, QTextCharFormat]] = []
    code: list[list[int]] = []  # [first, last] block numbers of each run of code lines
    block = doc.begin()
    while block.isValid():
        if is_code_block(block.blockFormat()):
            number = block.blockNumber()
            if code and code[-1][1] == number - 1:
                code[-1][1] = number
            else:
                code.append([number, number])
        else:
            it = block.begin()
            while not it.atEnd():
                fragment = it.fragment()
                fmt = fragment.charFormat()
                if fmt.isImageFormat():
                    images.append((fragment.position(), fragment.length(), fmt))
                elif fmt.isAnchor():
                    styled = QTextCharFormat()
                    styled.setForeground(LINK_COLOR)
                    spans.append((fragment.position(), fragment.length(), styled))
                elif fmt.fontFixedPitch():
                    styled = QTextCharFormat()
                    styled.setBackground(INLINE_CODE_BACKGROUND)
                    styled.setForeground(INLINE_CODE_COLOR)
                    spans.append((fragment.position(), fragment.length(), styled))
                it += 1
        block = block.next()

    for frame in doc.rootFrame().childFrames():
        if isinstance(frame, QTextTable):
            _style_table(frame)
    cursor = QTextCursor(doc)
    last_block = doc.blockCount() - 1
    for first, last in code:
        for number in range(first, last + 1):
            target = doc.findBlockByNumber(number)
            block_format = target.blockFormat()
            # Wrap long lines: the view never scrolls sideways.
            block_format.setNonBreakableLines(False)
            block_format.setLeftMargin(CODE_PADDING_X)
            block_format.setRightMargin(CODE_PADDING_X)
            top = number == first and not (continues_above and number == 0)
            bottom = number == last and not (continues_below and number == last_block)
            block_format.setTopMargin(CODE_PADDING_Y + CODE_GAP if top else 0)
            block_format.setBottomMargin(CODE_PADDING_Y + CODE_GAP if bottom else 0)
            cursor.setPosition(target.position())
            cursor.setBlockFormat(block_format)
    for position, length, styled in spans:
        cursor.setPosition(position)
        cursor.setPosition(position + length, QTextCursor.MoveMode.KeepAnchor)
        cursor.mergeCharFormat(styled)
    # Images become a link to their address: nothing is fetched, the user may open it.
    for position, length, fmt in reversed(images):
        image = fmt.toImageFormat()
        alt = str(image.property(QTextFormat.Property.ImageAltText) or "").strip()
        replacement = QTextCharFormat()
        if is_web_url(image.name()):
            replacement.setAnchor(True)
            replacement.setAnchorHref(image.name())
            replacement.setForeground(LINK_COLOR)
            replacement.setFontUnderline(True)
        cursor.setPosition(position)
        cursor.setPosition(position + length, QTextCursor.MoveMode.KeepAnchor)
        cursor.insertText(f"[image: {alt or image.name()}]", replacement)


def _style_table(table: QTextTable) -> None:
    fmt = table.format()
    fmt.setBorder(1)
    fmt.setBorderBrush(TABLE_BORDER)
    fmt.setBorderStyle(QTextFrameFormat.BorderStyle.BorderStyle_Solid)
    fmt.setBorderCollapse(True)
    fmt.setCellSpacing(0)
    fmt.setCellPadding(6)
    fmt.setTopMargin(4)
    fmt.setBottomMargin(4)
    table.setFormat(fmt)
    for column in range(table.columns()):
        cell = table.cellAt(0, column)
        cell_format = cell.format()
        cell_format.setBackground(TABLE_HEADER_BACKGROUND)
        cell.setFormat(cell_format)


class MarkdownRenderer:
    """Renders growing markdown into a document, re-rendering only the unfinished tail.

    Text before the last cut (see `markdown_cuts`) is parsed once and kept; each update replaces
    only what follows it. So a long streamed reply costs about the same per update at its end as
    at its start, and the document's own layout is redone only for the blocks that changed.
    """

    def __init__(self, document: QTextDocument) -> None:
        self._doc = document
        self._source = ""
        self._cuts = CutFinder()
        self._committed = 0
        self._committed_fence: Fence | None = None
        self._committed_end = 0  # document position where the kept part ends
        self._committed_code: list[tuple[int, int]] = []
        self._tail_code: list[tuple[int, int]] = []

    @property
    def source(self) -> str:
        return self._source

    @property
    def document(self) -> QTextDocument:
        return self._doc

    def append(self, text: str) -> None:
        if text:
            self.set_source(self._source + text)

    def set_source(self, source: str, *, budget: int | None = None) -> bool:
        """Show `source`; when it extends what is shown, only the tail is parsed again.

        With a `budget` (characters), at most about that much new text is parsed in this call;
        False means more is waiting and the caller should call again soon (the event loop gets to
        breathe in between, so even a reply that arrives all at once never freezes the window).
        """
        if not source.startswith(self._source[: self._committed]):
            self.clear()
        self._source = source
        self._cuts.feed(source)
        cut = self._cuts.cuts[-1] if self._cuts.cuts else None
        behind = False
        if budget is not None and cut is not None and cut.position - self._committed > budget:
            cut = self._cuts.cut_before(self._committed + budget, self._committed)
            behind = cut is not None and cut is not self._cuts.cuts[-1]
        if cut is not None and cut.position > self._committed:
            self._remove_tail()
            chunk = source[self._committed : cut.position]
            self._committed_code += self._insert(chunk, self._committed_fence, cut.fence)
            self._committed = cut.position
            self._committed_fence = cut.fence
            self._committed_end = self._doc.characterCount() - 1
        self._remove_tail()
        if behind:
            return False
        self._tail_code = self._insert(source[self._committed :], self._committed_fence, None)
        return True

    def clear(self) -> None:
        self._doc.clear()
        self._source = ""
        self._cuts = CutFinder()
        self._committed = 0
        self._committed_fence = None
        self._committed_end = 0
        self._committed_code = []
        self._tail_code = []

    def code_blocks(self) -> list[tuple[int, int]]:
        """(first, last) block numbers of each code block, in order."""
        merged: list[tuple[int, int]] = []
        for first, last in (*self._committed_code, *self._tail_code):
            if merged and merged[-1][1] + 1 == first:
                merged[-1] = (merged[-1][0], last)
            else:
                merged.append((first, last))
        return merged

    def _remove_tail(self) -> None:
        end = self._doc.characterCount() - 1
        if end > self._committed_end:
            cursor = QTextCursor(self._doc)
            cursor.setPosition(self._committed_end)
            cursor.setPosition(end, QTextCursor.MoveMode.KeepAnchor)
            cursor.removeSelectedText()
        self._tail_code = []

    def _insert(
        self, chunk: str, open_fence: Fence | None, close_fence: Fence | None
    ) -> list[tuple[int, int]]:
        """Parse one chunk and append it; returns the document's new code block ranges."""
        if not chunk.strip() and open_fence is None:
            return []
        markdown = chunk
        if open_fence is not None:
            markdown = f"{open_fence.opener}\n{markdown}"
        if close_fence is not None:
            markdown = f"{markdown}{close_fence.closer}\n"
        parsed = QTextDocument()
        parsed.setUndoRedoEnabled(False)
        parsed.setMarkdown(markdown, MARKDOWN_FEATURES)
        _polish(
            parsed,
            continues_above=open_fence is not None,
            continues_below=close_fence is not None,
        )
        cursor = QTextCursor(self._doc)
        cursor.movePosition(QTextCursor.MoveOperation.End)
        first = parsed.begin()
        block = cursor.block()
        # An empty, non-code last block (a fresh document, or the one Qt leaves after a table)
        # takes the chunk's first block; otherwise the chunk starts a block of its own.
        reuse = block.length() <= 1 and not is_code_block(block.blockFormat())
        if reuse:
            if block.textList() is not None:
                block.textList().remove(block)
            cursor.setBlockFormat(first.blockFormat())
            cursor.setBlockCharFormat(first.charFormat())
        else:
            cursor.insertBlock(first.blockFormat(), first.charFormat())
        offset = cursor.block().blockNumber()
        if first.textList() is not None:
            cursor.createList(first.textList().format())
        cursor.insertFragment(QTextDocumentFragment(parsed))
        ranges: list[tuple[int, int]] = []
        block = parsed.begin()
        while block.isValid():
            if is_code_block(block.blockFormat()):
                number = block.blockNumber() + offset
                if ranges and ranges[-1][1] + 1 == number:
                    ranges[-1] = (ranges[-1][0], number)
                else:
                    ranges.append((number, number))
            block = block.next()
        return ranges
