"""Where growing markdown can be cut: the text before a cut renders the same whatever follows.

Qt-free. The blocks and their line ranges come from markdown-it-py's block parser (imported on
the first complete line, never before the window's first paint). A cut goes

- before a top-level block, or an item of a top-level list, that follows a blank line: the
  blank line closed everything above it, and nothing below can reopen it;
- after each line of a top-level fenced code block: the fence is closed before the cut and
  opened again after it, so a long block is parsed a line at a time while it streams;
- after the line that closes a top-level fence;
- after every TABLE_CUT_ROWS rows of a top-level table: the header and delimiter rows are
  written again after the cut (and that header row not shown), so a big table is parsed and
  laid out a few rows at a time, its pieces sharing their column widths.

Only complete lines are parsed, and only from the last cut on.
"""

from __future__ import annotations

import bisect
import functools
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from markdown_it import MarkdownIt

# What a new cut needs among the new lines: a blank line before an unindented line, or a line
# that may open or close a top-level fence. Without either (a long list, a big table, the
# paragraphs of one list item or an indented code block) the lines are not parsed again: each
# parse goes from the last cut to the end. (A top-level block indented 1-3 spaces is cut at the
# next parse.)
_FENCE_LINE = re.compile(r" {0,3}(?:`{3,}|~{3,})")
TABLE_CUT_ROWS = 8


@dataclass(frozen=True)
class Fence:
    """A code fence open at a cut: its opening line as written, and a line that closes it; or a
    table open at a cut: its header and delimiter rows, and its columns' shares of the width."""

    opener: str
    closer: str
    columns: tuple[int, ...] = ()  # a table's column widths in percent; () for code

    @property
    def is_table(self) -> bool:
        return bool(self.columns)


@dataclass(frozen=True)
class Cut:
    position: int
    fence: Fence | None  # the code fence still open at the cut, re-opened after it


@functools.cache
def block_parser() -> MarkdownIt:
    """markdown-it-py's block parser, made once (the first reply's, or ahead of it)."""
    from markdown_it import MarkdownIt

    # Blocks only, as Qt's GitHub dialect reads them: tables, and raw HTML as text.
    parser = MarkdownIt("commonmark", {"html": False}).enable("table")
    parser.disable(["inline", "text_join"], ignoreInvalid=True)  # text_join: since 3.0
    return parser


def _blank(line: str) -> bool:
    return not line.strip(" \t")


class CutFinder:
    """Finds the cuts in a source that only grows (see the module's docstring)."""

    def __init__(self) -> None:
        self.scanned = 0  # where the first line not yet examined starts
        self.cuts: list[Cut] = []
        self._start = 0  # where the lines still to parse start: the last cut, or 0
        self._fence: Fence | None = None  # the fence open there
        self._open_at_end = False  # the last parse ended inside a top-level fence or table
        self._last_blank = True  # the last line examined was blank

    def cut_before(self, limit: int, after: int) -> Cut | None:
        """The last cut at or before `limit`, else the first one past `after` (None: no cut)."""
        positions = [cut.position for cut in self.cuts]
        index = bisect.bisect_right(positions, limit) - 1
        if index >= 0 and self.cuts[index].position > after:
            return self.cuts[index]
        index = bisect.bisect_right(positions, after)
        return self.cuts[index] if index < len(self.cuts) else None

    def feed(self, source: str) -> None:
        end = source.rfind("\n") + 1
        if end <= self.scanned:
            return
        new_lines = source[self.scanned : end - 1].split("\n")
        self.scanned = end
        if self._may_cut(new_lines):
            self._parse(source[self._start : end])

    def _may_cut(self, new_lines: list[str]) -> bool:
        may = self._fence is not None or self._open_at_end
        for line in new_lines:
            blank = _blank(line)
            opens = self._last_blank and not blank and not line[0].isspace()
            may = may or opens or bool(_FENCE_LINE.match(line))
            self._last_blank = blank
        return may

    def _parse(self, region: str) -> None:
        """Parse the complete lines from the last cut on and add the cuts they hold."""
        # Qt and markdown-it read a lone carriage return as a line break: as a space, the line
        # numbers stay those of the "\n"s, where the cuts are.
        lines = region.replace("\r", " ").split("\n")[:-1]
        starts = [self._start]
        for line in lines:
            starts.append(starts[-1] + len(line) + 1)
        shift = 0  # the re-opened fence's lines (or table's header), before the region's first
        if self._fence is not None:
            opener = self._fence.opener.split("\n")
            lines[0:0] = opener
            starts[0:0] = [self._start] * len(opener)
            shift = len(opener)
        cuts: list[Cut] = []

        def cut(line: int, fence: Fence | None) -> None:
            position = starts[line]
            if position > self._start and (not cuts or position > cuts[-1].position):
                cuts.append(Cut(position, fence))
            elif cuts and position == cuts[-1].position:
                cuts[-1] = Cut(position, fence)

        self._open_at_end = False
        for token in block_parser().parse("\n".join(lines) + "\n"):
            if token.map is None or token.nesting == -1:
                continue
            first, last = token.map
            top = token.level == 0 or (token.level == 1 and token.type == "list_item_open")
            if not top:
                continue
            if first > shift and _blank(lines[first - 1]):
                cut(first, None)
            if token.type == "fence":
                fence = Fence(lines[first].rstrip(), token.markup)
                closed = last - 1 > first and _closes(lines[last - 1], token.markup)
                for content in range(first + 1, last - 1 if closed else last):
                    cut(content + 1, fence)
                if closed:
                    cut(last, None)
                else:
                    self._open_at_end = True
            elif token.type == "table_open":
                going_on = first == 0 and self._fence is not None and self._fence.is_table
                table = self._fence if going_on else None
                for row in range(first + 2 + TABLE_CUT_ROWS, last, TABLE_CUT_ROWS):
                    table = table or _table_fence(lines[first:row])
                    cut(row, table)
                self._open_at_end = self._open_at_end or last == len(lines)
        if cuts:
            self.cuts += cuts
            self._start = cuts[-1].position
            self._fence = cuts[-1].fence


def _table_fence(lines: list[str]) -> Fence:
    """A table's header and delimiter rows, and its columns' shares of the width as its first
    rows have them (each column at least 5%; a very long cell counts as 60 characters)."""
    widths = [0] * len(_cells(lines[0]))
    for line in (lines[0], *lines[2:]):
        for column, cell in enumerate(_cells(line)[: len(widths)]):
            widths[column] = max(widths[column], min(60, len(cell.strip())) + 3)
    total = sum(widths) or 1
    columns = tuple(max(5, round(100 * width / total)) for width in widths)
    return Fence(f"{lines[0]}\n{lines[1]}", "", columns)


def _cells(line: str) -> list[str]:
    row = line.strip()
    row = row[1:] if row.startswith("|") else row
    row = row[:-1] if row.endswith("|") and not row.endswith("\\|") else row
    return re.split(r"(?<!\\)\|", row)


def _closes(line: str, markup: str) -> bool:
    """Whether `line` closes a fence opened with `markup` (CommonMark's closing fence)."""
    indent = len(line) - len(line.lstrip(" "))
    stripped = line.strip(" \t")
    return indent <= 3 and len(stripped) >= len(markup) and stripped == markup[0] * len(stripped)
