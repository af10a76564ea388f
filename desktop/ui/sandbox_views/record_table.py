"""A read-only table of plain strings (sandboxes, one sandbox's fields, lifecycle events)."""

from __future__ import annotations

from PySide6.QtCore import QSize
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTreeWidget, QTreeWidgetItem, QWidget

from desktop.core.sandboxes.shown import Table
from desktop.ui.tooltips import plain_tooltip


class RecordTableWidget(QTreeWidget):
    """A `Table` as rows under headers; tall enough for `visible_rows` rows, then it scrolls."""

    def __init__(self, name: str, parent: QWidget | None = None, *, visible_rows: int = 8) -> None:
        super().__init__(parent)
        self.setObjectName(name)
        self.setRootIsDecorated(False)
        self.setUniformRowHeights(True)
        self.setAlternatingRowColors(True)
        self.setWordWrap(False)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.header().setStretchLastSection(True)
        self._visible_rows = visible_rows
        self._hint: QSize | None = None
        self.table = Table((), ())

    def set_table(self, table: Table) -> None:
        self.table = table
        self._hint = None
        self.clear()
        self.setColumnCount(len(table.headers))
        self.setHeaderLabels(list(table.headers))
        items = []
        for row in table.rows:
            item = QTreeWidgetItem(list(row))
            for column, text in enumerate(row):
                if len(text) > 24:  # what a narrow column cuts can still be read
                    item.setToolTip(column, plain_tooltip(text))  # from outside: no HTML
            items.append(item)
        self.addTopLevelItems(items)
        header = self.header()
        for column in range(len(table.headers) - 1):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.Interactive)
            self.resizeColumnToContents(column)
            if self.columnWidth(column) > 260:
                self.setColumnWidth(column, 260)
        self.updateGeometry()

    def rows(self) -> list[list[str]]:
        """The texts shown, row by row."""
        shown = []
        for index in range(self.topLevelItemCount()):
            item = self.topLevelItem(index)
            if item is not None:
                shown.append([item.text(c) for c in range(self.columnCount())])
        return shown

    def sizeHint(self) -> QSize:
        # Worked out once per table: a chat column of many cards asks at every layout pass,
        # and each ask measured a row and the header again (UI stalls in a long chat).
        if self._hint is None:
            hint = super().sizeHint()
            row = self.sizeHintForRow(0) if self.topLevelItemCount() else 20
            rows = max(1, min(self._visible_rows, self.topLevelItemCount()))
            header = self.header().sizeHint().height()
            frame = 2 * self.frameWidth() + 4
            self._hint = QSize(hint.width(), header + rows * max(row, 18) + frame)
        return QSize(self._hint)

    def minimumSizeHint(self) -> QSize:
        return QSize(120, self.sizeHint().height())
