"""The sidebar's models: stored conversations fetched page by page, and search results."""

from __future__ import annotations

import dataclasses
import html
import re
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from PySide6.QtCore import (
    QAbstractListModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    Signal,
)

from desktop.core.store.highlight import HIGHLIGHT_END, HIGHLIGHT_START
from desktop.ui.waiting_words import WAITING_TEXT

if TYPE_CHECKING:
    from desktop.core.store.records import ConversationSummary, SearchHit

PAGE_SIZE = 100
ID_ROLE = Qt.ItemDataRole.UserRole + 1
TIME_ROLE = Qt.ItemDataRole.UserRole + 2  # "5 min ago"
SNIPPET_ROLE = Qt.ItemDataRole.UserRole + 3  # safe HTML, matches in <b>
UPDATED_ROLE = Qt.ItemDataRole.UserRole + 4  # aware datetime
WAITING_ROLE = Qt.ItemDataRole.UserRole + 5  # bool: its running turn waits for a decision

AnyIndex = QModelIndex | QPersistentModelIndex
Clock = Callable[[], datetime]

_MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]


def utc_now() -> datetime:
    return datetime.now(UTC)


def relative_time(when: datetime, now: datetime) -> str:
    """'just now', '5 min ago', '3 h ago', 'yesterday', '4 days ago', '12 Mar', '12 Mar 2023'."""
    seconds = (now - when).total_seconds()
    if seconds < 60:
        return "just now"
    if seconds < 3600:
        return f"{int(seconds // 60)} min ago"
    local_when, local_now = when.astimezone(), now.astimezone()
    days = (local_now.date() - local_when.date()).days
    if days <= 0:
        return f"{int(seconds // 3600)} h ago"
    if days == 1:
        return "yesterday"
    if days < 7:
        return f"{days} days ago"
    date = f"{local_when.day} {_MONTHS[local_when.month - 1]}"
    return date if local_when.year == local_now.year else f"{date} {local_when.year}"


# Markdown that only adds noise to a one-line excerpt: emphasis, code ticks, table rules.
_TABLE_RULE = re.compile(r"\|?(?:\s*:?-{3,}:?\s*\|)+(?:\s*:?-{3,}:?\s*)?")
_NOISE = re.compile(r"\*\*|__|`+|^#+\s|\s#+\s")


def _plain(snippet: str) -> str:
    text = _TABLE_RULE.sub(" ", snippet)
    text = _NOISE.sub(" ", text).replace("|", " ")
    return " ".join(text.split())


def snippet_html(snippet: str) -> str:
    """A search snippet as safe rich text: escaped first, then the marked terms made bold."""
    escaped = html.escape(_plain(snippet), quote=False)
    return escaped.replace(HIGHLIGHT_START, "<b>").replace(HIGHLIGHT_END, "</b>")


def snippet_text(snippet: str) -> str:
    """The snippet without its marks (for screen readers and tooltips)."""
    return _plain(snippet.replace(HIGHLIGHT_START, "").replace(HIGHLIGHT_END, ""))


class _WaitingMark(QAbstractListModel):
    """Marks the one conversation whose running turn waits for a person's decision."""

    _waiting: str | None = None

    def row_of(self, conversation_id: str) -> int:
        raise NotImplementedError

    def set_waiting(self, conversation_id: str | None) -> None:
        """`conversation_id` waits for a decision (None: none does); its row repaints."""
        previous, self._waiting = self._waiting, conversation_id
        for changed in {previous, conversation_id}:
            row = -1 if changed is None else self.row_of(changed)
            if row >= 0:
                self.dataChanged.emit(self.index(row), self.index(row))

    def _is_waiting(self, conversation_id: str) -> bool:
        return conversation_id == self._waiting


class ConversationListModel(_WaitingMark):
    """Conversations, newest activity first, fetched lazily.

    The view asks for more rows through `canFetchMore`/`fetchMore` as it scrolls; the model
    emits `page_requested(offset, limit)` and whoever owns the store answers with `add_page`.
    Renaming in place emits `rename_requested`; the row shows the new title at once.
    """

    page_requested = Signal(int, int)
    rename_requested = Signal(str, str)  # conversation id, new title

    def __init__(
        self, parent: QObject | None = None, *, page_size: int = PAGE_SIZE, clock: Clock = utc_now
    ) -> None:
        super().__init__(parent)
        self._rows: list[ConversationSummary] = []
        self._page_size = page_size
        self._clock = clock
        self._now = clock()
        self._active = False  # a store is attached: fetching makes sense
        self._fetching = False
        self._exhausted = False

    # -- reading -----------------------------------------------------------------------------
    def rowCount(self, parent: AnyIndex | None = None) -> int:
        if parent is not None and parent.isValid():
            return 0
        return len(self._rows)

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        row = self._rows[index.row()]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.EditRole):
            return row.title
        if role == ID_ROLE:
            return row.id
        if role == TIME_ROLE:
            return relative_time(row.updated_at, self._now)
        if role == UPDATED_ROLE:
            return row.updated_at
        waiting = self._is_waiting(row.id)
        if role == WAITING_ROLE:
            return waiting
        if role == Qt.ItemDataRole.ToolTipRole:
            local = row.updated_at.astimezone()
            tip = f"{row.title}\nLast active {local:%Y-%m-%d %H:%M}"
            return f"{tip}\n{WAITING_TEXT}" if waiting else tip
        if role == Qt.ItemDataRole.AccessibleTextRole:
            title = f"{row.title}, {WAITING_TEXT.lower()}" if waiting else row.title
            return f"{title}, {relative_time(row.updated_at, self._now)}"
        return None

    def flags(self, index: AnyIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return (
            Qt.ItemFlag.ItemIsEnabled
            | Qt.ItemFlag.ItemIsSelectable
            | Qt.ItemFlag.ItemIsEditable
            | Qt.ItemFlag.ItemNeverHasChildren
        )

    def setData(self, index: AnyIndex, value: object, role: int = Qt.ItemDataRole.EditRole) -> bool:
        if role != Qt.ItemDataRole.EditRole or not index.isValid() or not isinstance(value, str):
            return False
        title = " ".join(value.split())
        row = self._rows[index.row()]
        if not title or title == row.title:
            return False
        self._rows[index.row()] = dataclasses.replace(row, title=title)
        self.dataChanged.emit(index, index)
        self.rename_requested.emit(row.id, title)
        return True

    def conversation_id(self, row: int) -> str | None:
        return self._rows[row].id if 0 <= row < len(self._rows) else None

    def row_of(self, conversation_id: str) -> int:
        for row, summary in enumerate(self._rows):
            if summary.id == conversation_id:
                return row
        return -1

    def summaries(self) -> list[ConversationSummary]:
        return list(self._rows)

    @property
    def exhausted(self) -> bool:
        return self._exhausted

    # -- paging ------------------------------------------------------------------------------
    def canFetchMore(self, parent: AnyIndex) -> bool:
        return not parent.isValid() and self._active and not self._fetching and not self._exhausted

    def fetchMore(self, parent: AnyIndex) -> None:
        if not self.canFetchMore(parent):
            return
        self._fetching = True
        self.page_requested.emit(len(self._rows), self._page_size)

    def start(self) -> None:
        """A store is attached: drop the rows and fetch the first page."""
        self.beginResetModel()
        self._rows = []
        self._active, self._fetching, self._exhausted = True, False, False
        self.endResetModel()
        self.fetchMore(QModelIndex())

    def add_page(self, offset: int, summaries: Sequence[ConversationSummary]) -> None:
        """Rows fetched for `page_requested(offset, ...)`; fewer than a page means the end.

        Rows that moved to the top meanwhile (new activity) are already here: skipped.
        """
        self._fetching = False
        if len(summaries) < self._page_size:
            self._exhausted = True
        known = {summary.id for summary in self._rows}
        new = [summary for summary in summaries if summary.id not in known]
        if new:
            first = len(self._rows)
            self.beginInsertRows(QModelIndex(), first, first + len(new) - 1)
            self._rows.extend(new)
            self.endInsertRows()

    def page_failed(self) -> None:
        self._fetching = False
        self._exhausted = True  # stop asking; a later refresh (start) tries again

    # -- changes -----------------------------------------------------------------------------
    def put_first(self, summary: ConversationSummary) -> None:
        """A conversation with new activity (a turn, an import): it goes to the top."""
        row = self.row_of(summary.id)
        if row == 0:
            self._rows[0] = summary
            self.dataChanged.emit(self.index(0), self.index(0))
            return
        if row > 0:
            # A move keeps the view's selection and current row on the conversation.
            self.beginMoveRows(QModelIndex(), row, row, QModelIndex(), 0)
            del self._rows[row]
            self._rows.insert(0, summary)
            self.endMoveRows()
            self.dataChanged.emit(self.index(0), self.index(0))
            return
        self.beginInsertRows(QModelIndex(), 0, 0)
        self._rows.insert(0, summary)
        self.endInsertRows()

    def set_title(self, conversation_id: str, title: str) -> None:
        row = self.row_of(conversation_id)
        if row >= 0 and self._rows[row].title != title:
            self._rows[row] = dataclasses.replace(self._rows[row], title=title)
            self.dataChanged.emit(self.index(row), self.index(row))

    def remove(self, conversation_id: str) -> bool:
        row = self.row_of(conversation_id)
        if row < 0:
            return False
        self.beginRemoveRows(QModelIndex(), row, row)
        del self._rows[row]
        self.endRemoveRows()
        return True

    def refresh_times(self) -> None:
        """Re-read the clock so that '5 min ago' becomes '6 min ago'."""
        self._now = self._clock()
        if self._rows:
            self.dataChanged.emit(
                self.index(0), self.index(len(self._rows) - 1), [TIME_ROLE, ID_ROLE]
            )


class SearchResultsModel(_WaitingMark):
    """The best hit of each matching conversation, best first, with a highlighted snippet."""

    def __init__(self, parent: QObject | None = None, *, clock: Clock = utc_now) -> None:
        super().__init__(parent)
        self._hits: list[SearchHit] = []
        self._query = ""
        self._clock = clock

    @property
    def query(self) -> str:
        return self._query

    def rowCount(self, parent: AnyIndex | None = None) -> int:
        if parent is not None and parent.isValid():
            return 0
        return len(self._hits)

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid() or not 0 <= index.row() < len(self._hits):
            return None
        hit = self._hits[index.row()]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.EditRole):
            return hit.title
        if role == ID_ROLE:
            return hit.conversation_id
        if role == SNIPPET_ROLE:
            return snippet_html(hit.snippet) if hit.turn_id is not None else ""
        if role == TIME_ROLE:
            return ""
        waiting = self._is_waiting(hit.conversation_id)
        if role == WAITING_ROLE:
            return waiting
        if role == Qt.ItemDataRole.ToolTipRole:
            return snippet_text(hit.snippet) or hit.title
        if role == Qt.ItemDataRole.AccessibleTextRole:
            title = f"{hit.title}, {WAITING_TEXT.lower()}" if waiting else hit.title
            found = snippet_text(hit.snippet)
            return f"{title}: {found}" if hit.turn_id is not None else title
        return None

    def flags(self, index: AnyIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return (
            Qt.ItemFlag.ItemIsEnabled
            | Qt.ItemFlag.ItemIsSelectable
            | Qt.ItemFlag.ItemNeverHasChildren
        )

    def conversation_id(self, row: int) -> str | None:
        return self._hits[row].conversation_id if 0 <= row < len(self._hits) else None

    def turn_id(self, row: int) -> int | None:
        """The turn that matched; None when the title did."""
        return self._hits[row].turn_id if 0 <= row < len(self._hits) else None

    def row_of(self, conversation_id: str) -> int:
        for row, hit in enumerate(self._hits):
            if hit.conversation_id == conversation_id:
                return row
        return -1

    def set_results(self, query: str, hits: Sequence[SearchHit]) -> None:
        self.beginResetModel()
        self._query = query
        self._hits = list(hits)
        self.endResetModel()

    def set_title(self, conversation_id: str, title: str) -> None:
        row = self.row_of(conversation_id)
        if row >= 0:
            self._hits[row] = dataclasses.replace(self._hits[row], title=title)
            self.dataChanged.emit(self.index(row), self.index(row))

    def remove(self, conversation_id: str) -> None:
        row = self.row_of(conversation_id)
        if row >= 0:
            self.beginRemoveRows(QModelIndex(), row, row)
            del self._hits[row]
            self.endRemoveRows()
