"""Model text as markdown in a QTextDocument: safely (no HTML, no resources), incrementally, and
never more of it than can be laid out without freezing the window (the rest is folded)."""

from __future__ import annotations

import bisect
from typing import Any

from PySide6.QtCore import QObject, QUrl
from PySide6.QtGui import QTextBlock, QTextCursor, QTextDocument, QTextDocumentFragment

from desktop.ui.chat import display_blocks
from desktop.ui.chat.markdown_cuts import Cut, CutFinder, Fence
from desktop.ui.chat.markdown_style import is_code_block, polish

# Raw HTML in model text is shown as text: it can neither style the reply nor load anything.
MARKDOWN_FEATURES = (
    QTextDocument.MarkdownFeature.MarkdownDialectGitHub
    | QTextDocument.MarkdownFeature.MarkdownNoHTML
)
# What a reply may cost to lay out before the rest of it is folded ("Show all"), in characters
# of prose; a table's characters cost TABLE_WEIGHT each (Qt lays out ~300 rows in 0.1 s, the
# same time as ~700,000 characters of prose). A 20,000-token paragraph (137,000) is shown whole.
FOLD_COST = 200_000
TABLE_WEIGHT = 20
FEED_CHARS = 16_384  # source looked at for cuts in one step


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


class MarkdownRenderer:
    """Renders growing markdown into a document, re-rendering only the unfinished tail.

    Text before the last cut (see `markdown_cuts`) is parsed once and kept; each update parses
    only what follows it, and the document keeps the blocks of the tail that did not change
    (only a block at its end grows while a paragraph streams; long blocks are laid out in
    pieces, `display_blocks`). So a long streamed reply costs about the same per update at its
    end as at its start, and Qt lays out again only the last piece of the last block.

    A source that would cost more than `fold_cost` to lay out is shown up to a cut (or a line
    end) within it; `folded_at` says where, and the rest is for a plain-text view to show.
    """

    def __init__(self, document: QTextDocument, *, fold_cost: int = FOLD_COST) -> None:
        self._doc = document
        self._fold_cost = fold_cost
        self._reset()

    def _reset(self) -> None:
        self._source = ""
        self._cuts = CutFinder()
        self._costs: list[int] = []  # what the source up to each cut costs to lay out
        self._fed = 0  # how much of the source the cut finder has been given
        self._committed = 0
        self._committed_fence: Fence | None = None
        self._committed_cost = 0
        self._committed_end = 0  # document position where the kept part ends
        self._committed_code: list[tuple[int, int]] = []
        self._tail_code: list[tuple[int, int]] = []
        self._tail_first: int | None = None  # the tail's first block in the document
        self._folded_at: int | None = None
        self._shown = 0  # how much of the source the document shows

    @property
    def source(self) -> str:
        return self._source

    @property
    def document(self) -> QTextDocument:
        return self._doc

    @property
    def folded_at(self) -> int | None:
        """Where the part of the source shown ends, once the rest is folded away; else None."""
        return self._folded_at

    def plain_text(self) -> str:
        """What the document shows, as plain text (a long block's pieces joined again)."""
        return display_blocks.plain_text(self._doc)

    def append(self, text: str) -> None:
        if text:
            self.set_source(self._source + text)

    def set_source(self, source: str, *, budget: int | None = None) -> bool:
        """Show `source`; when it extends what is shown, only the tail is parsed again.

        With a `budget`, at most about that much new text is laid out in this call (in
        characters of prose; a table's cost more, see TABLE_WEIGHT): False means more is waiting
        and the caller should call again soon (the event loop gets to breathe in between, so
        even a reply that arrives all at once never freezes the window).
        """
        if not source.startswith(self._source[: self._committed]):
            self.clear()
        folded, self._source = self._folded_at, source
        if folded is not None and self._shown == folded:
            return True  # all that is shown is in place; the rest stays folded
        end = self._shown_end(source)
        cut = self._commit_target(end, budget)
        if cut is not None and cut.position > self._committed:
            text = source[self._committed : cut.position]
            chunk = self._parse(text, self._committed_fence, cut.fence)
            ranges, placed = self._place(chunk, budget)
            if not placed:  # shown in part, as the tail: the rest of it next time
                self._tail_code = ranges
                return False
            self._committed_code += ranges
            self._committed = cut.position
            self._committed_fence = cut.fence
            self._committed_cost = self._costs[self._cuts.cuts.index(cut)]
            self._committed_end = self._doc.characterCount() - 1
            self._tail_first = None
        if cut is not None and cut is not self._last_cut_within(end):
            return False  # behind a burst
        tail = self._parse(source[self._committed : end], self._committed_fence, None)
        self._tail_code, placed = self._place(tail, budget)
        if placed:
            self._shown = end
        return placed

    def _last_cut_within(self, end: int) -> Cut | None:
        cuts = self._cuts.cuts
        within = bisect.bisect_right([cut.position for cut in cuts], end) - 1
        return cuts[within] if within >= 0 else None

    def _commit_target(self, end: int, budget: int | None) -> Cut | None:
        """The cut to commit up to: the last one within `end`, or with a budget the last one
        whose text costs at most that (at least the next one)."""
        cut = self._last_cut_within(end)
        if budget is None or cut is None:
            return cut
        cuts = self._cuts.cuts
        index = cuts.index(cut)
        if self._costs[index] - self._committed_cost <= budget:
            return cut
        affordable = bisect.bisect_right(self._costs, self._committed_cost + budget) - 1
        following = bisect.bisect_right([c.position for c in cuts], self._committed)
        return cuts[min(index, max(affordable, following))]

    def clear(self) -> None:
        self._doc.clear()
        self._reset()

    def code_blocks(self) -> list[tuple[int, int]]:
        """(first, last) block numbers of each code block, in order."""
        merged: list[tuple[int, int]] = []
        for first, last in (*self._committed_code, *self._tail_code):
            if merged and merged[-1][1] + 1 == first:
                merged[-1] = (merged[-1][0], last)
            else:
                merged.append((first, last))
        return merged

    # -- folding -----------------------------------------------------------------------------
    def _shown_end(self, source: str) -> int:
        """How much of `source` is shown: all of it, or up to the fold (decided once)."""
        if self._folded_at is not None:
            return self._folded_at
        # A step at a time, and never further than a cut that could be shown: markdown-it takes
        # ~0.1 s for 200,000 characters of table, where 10,000 are shown.
        limit = min(len(source), self._fold_cost + 1)
        cuts = self._cuts.cuts
        while True:
            self._fed = fed = min(limit, self._fed + FEED_CHARS)
            self._cuts.feed(source[:fed])
            for index in range(len(self._costs), len(cuts)):
                self._costs.append(self._cost_to(index, cuts[index].position))
            if fed >= limit or (self._costs and self._costs[-1] > self._fold_cost):
                break
        if self._cost_to(len(cuts), len(source)) <= self._fold_cost:
            return len(source)
        index = bisect.bisect_right(self._costs, self._fold_cost)  # chunks before it fit whole
        start = cuts[index - 1].position if index else 0
        spent = self._costs[index - 1] if index else 0
        room = (self._fold_cost - spent) // self._weight_of(index)
        self._folded_at = start + _line_end(source[start : start + room])
        return self._folded_at

    def _cost_to(self, index: int, end: int) -> int:
        """What the source costs to lay out up to `end`, within chunk `index` (the text from cut
        `index - 1`, or the start, to cut `index`, or on)."""
        start = self._cuts.cuts[index - 1].position if index else 0
        spent = self._costs[index - 1] if index else 0
        return spent + (end - start) * self._weight_of(index)

    def _weight_of(self, index: int) -> int:
        cuts = self._cuts.cuts
        opened = cuts[index - 1].fence if index else None
        closed = cuts[index].fence if index < len(cuts) else None
        tables = any(fence is not None and fence.is_table for fence in (opened, closed))
        return TABLE_WEIGHT if tables else 1

    # -- parsing and placing -----------------------------------------------------------------
    def _parse(
        self, chunk: str, open_fence: Fence | None, close_fence: Fence | None
    ) -> QTextDocument | None:
        """One chunk as a document of its own, styled, its long blocks in pieces (None: blank)."""
        if not chunk.strip() and open_fence is None:
            return None
        markdown = chunk
        if open_fence is not None:
            markdown = f"{open_fence.opener}\n{markdown}"
        if close_fence is not None:
            markdown = f"{markdown}{close_fence.closer}\n"
        parsed = QTextDocument()
        parsed.setUndoRedoEnabled(False)
        parsed.setMarkdown(markdown, MARKDOWN_FEATURES)
        polish(parsed, open_fence, close_fence)
        display_blocks.split_long_blocks(parsed)
        return parsed

    def _place(
        self, parsed: QTextDocument | None, budget: int | None = None
    ) -> tuple[list[tuple[int, int]], bool]:
        """Make the document after its committed part show `parsed`, keeping the tail's first
        blocks where they are what `parsed` starts with. With a `budget`, about that many
        characters of new blocks are placed (False: not all of them yet). Returns the code block
        ranges of what is placed, and whether all of `parsed` is."""
        doc = self._doc
        keep = self._kept_blocks(parsed) if parsed is not None else 0
        cursor = QTextCursor(doc)
        end = doc.characterCount() - 1
        if keep and self._tail_first is not None:
            removed = doc.findBlockByNumber(self._tail_first + keep)
            start = removed.position() - 1 if removed.isValid() else end
        else:
            start = self._committed_end
        if end > start:
            cursor.setPosition(start)
            cursor.setPosition(end, QTextCursor.MoveMode.KeepAnchor)
            cursor.removeSelectedText()
        if parsed is None:
            self._tail_first = None
            return [], True
        stop = _budget_end(parsed, keep, budget)
        if keep and self._tail_first is not None:
            offset = self._tail_first
            _append(doc, parsed, keep, stop)
        else:
            offset = _append_whole(doc, parsed, stop)
        self._tail_first = offset
        ranges: list[tuple[int, int]] = []
        block = parsed.begin()
        while block.isValid() and block.blockNumber() < stop:
            if is_code_block(block.blockFormat()):
                number = block.blockNumber() + offset
                if ranges and ranges[-1][1] + 1 == number:
                    ranges[-1] = (ranges[-1][0], number)
                else:
                    ranges.append((number, number))
            block = block.next()
        return ranges, stop >= parsed.blockCount()

    def _kept_blocks(self, parsed: QTextDocument) -> int:
        """How many of the tail's blocks `parsed` starts with, unchanged, up to a boundary
        between two plain paragraphs (lists and tables are placed again whole)."""
        if self._tail_first is None:
            return 0
        shown = self._doc.findBlockByNumber(self._tail_first)
        new = parsed.begin()
        same: list[QTextBlock] = []
        while shown.isValid() and new.isValid() and _same_block(shown, new):
            same.append(shown)
            shown, new = shown.next(), new.next()
        keep = len(same)
        # Step back to where the kept block, and what follows it on either side, are plain.
        while keep and not (
            _plain(same[keep - 1])
            and _plain(parsed.findBlockByNumber(keep))
            and _plain(self._doc.findBlockByNumber(self._tail_first + keep))
        ):
            keep -= 1
        return keep


def _line_end(text: str) -> int:
    """Where to stop showing `text`: after its last line break, else its last space."""
    for mark in ("\n", " "):
        found = text.rfind(mark)
        if found > 0:
            return found + 1
    return len(text)


def _plain(block: QTextBlock) -> bool:
    """A block outside lists and tables (or none at all: the end of the document)."""
    if not block.isValid():
        return True
    return block.textList() is None and QTextCursor(block).currentTable() is None


def _same_block(a: QTextBlock, b: QTextBlock) -> bool:
    if a.text() != b.text() or a.blockFormat() != b.blockFormat():
        return False
    if a.charFormat() != b.charFormat():
        return False
    left, right = a.begin(), b.begin()
    while not left.atEnd() and not right.atEnd():
        one, other = left.fragment(), right.fragment()
        if one.length() != other.length() or one.charFormat() != other.charFormat():
            return False
        left += 1
        right += 1
    return left.atEnd() and right.atEnd()


def _budget_end(parsed: QTextDocument, keep: int, budget: int | None) -> int:
    """The block of `parsed` to place up to (not included): all of them, or with a budget the
    first past about that many characters from block `keep` on where a plain paragraph
    follows a plain paragraph (a list or a table is placed whole)."""
    count = parsed.blockCount()
    if budget is None:
        return count
    size = 0
    block = parsed.findBlockByNumber(keep)
    while block.isValid():
        size += block.length()
        following = block.next()
        if size > budget and following.isValid() and _plain(block) and _plain(following):
            return following.blockNumber()
        block = following
    return count


def _fragment(parsed: QTextDocument, first: int, stop: int) -> QTextDocumentFragment:
    """Blocks `first` to `stop` (not included) of `parsed`."""
    selection = QTextCursor(parsed)
    selection.setPosition(parsed.findBlockByNumber(first).position())
    if stop >= parsed.blockCount():
        selection.movePosition(QTextCursor.MoveOperation.End, QTextCursor.MoveMode.KeepAnchor)
    else:
        last = parsed.findBlockByNumber(stop - 1)
        selection.setPosition(last.position() + last.length() - 1, QTextCursor.MoveMode.KeepAnchor)
    return QTextDocumentFragment(selection)


def _append(doc: QTextDocument, parsed: QTextDocument, first: int, stop: int) -> None:
    """Append blocks `first` to `stop` (not included) of `parsed`, as blocks of their own."""
    if first >= stop:
        return
    block = parsed.findBlockByNumber(first)
    cursor = QTextCursor(doc)
    cursor.movePosition(QTextCursor.MoveOperation.End)
    cursor.insertBlock(block.blockFormat(), block.charFormat())
    cursor.insertFragment(_fragment(parsed, first, stop))


def _append_whole(doc: QTextDocument, parsed: QTextDocument, stop: int) -> int:
    """Append `parsed` up to block `stop`; returns the number of the block it starts in."""
    cursor = QTextCursor(doc)
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
    whole = stop >= parsed.blockCount()
    cursor.insertFragment(QTextDocumentFragment(parsed) if whole else _fragment(parsed, 0, stop))
    return offset
