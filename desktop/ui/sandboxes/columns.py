"""The sandbox list's columns: which there are, how wide each is, how a long text is cut.

The short figures (state, times, size, cost) are as wide as their text; the ID, the template,
the chat and the metadata share what is left of the list's width, each down to a least width,
cut with an ellipsis (the ID in its middle, the others at their end) and whole in the tooltip:
the list reads without sideways scrolling at the panel's usual width. Only a list too narrow
for even `NARROWEST` a shared column scrolls. A width the person drags stays theirs.
"""

from __future__ import annotations

from collections.abc import Mapping

from PySide6.QtCore import QEvent, QModelIndex, QObject, QPersistentModelIndex, Qt
from PySide6.QtWidgets import QStyledItemDelegate, QStyleOptionViewItem, QTreeWidget

COLUMNS = ("ID", "Template", "State", "Started", "Left", "vCPU", "RAM", "Cost", "Chat", "Metadata")
ID_COLUMN = COLUMNS.index("ID")
TEMPLATE_COLUMN = COLUMNS.index("Template")
LEFT_COLUMN = COLUMNS.index("Left")
COST_COLUMN = COLUMNS.index("Cost")
CHAT_COLUMN = COLUMNS.index("Chat")
METADATA_COLUMN = COLUMNS.index("Metadata")
# The columns that share the room left, and the least each keeps (pixels): enough for the
# ID's two ends, a template's name, "this chat", one metadata pair.
SHARED = {ID_COLUMN: 92, TEMPLATE_COLUMN: 64, CHAT_COLUMN: 76, METADATA_COLUMN: 76}


NARROWEST = 40  # below this a shared column no longer shrinks: the list scrolls instead


def share(room: int, wanted: Mapping[int, int], least: Mapping[int, int]) -> dict[int, int]:
    """Widths for the shared columns in `room` pixels: each its `wanted` width when all fit
    (the last one taking what is over); else each its `least` and the rest in proportion to
    what each still wants; below the least widths, the first (the ID) its least and the others
    the same share of theirs, down to `NARROWEST`."""
    columns = list(least)
    wants = {c: max(wanted.get(c, 0), least[c]) for c in columns}
    if room >= sum(wants.values()):
        widths = dict(wants)
        widths[columns[-1]] += room - sum(wants.values())
        return widths
    floor = sum(least.values())
    if room <= floor:  # the first keeps its least; the others give up the same share of theirs
        first, *others = columns
        rest = room - least[first]
        below = sum(least[c] for c in others)
        return {first: least[first]} | {c: max(NARROWEST, least[c] * rest // below) for c in others}
    extra = {c: wants[c] - least[c] for c in columns}
    spare = room - floor
    total = sum(extra.values())
    widths = {c: least[c] + spare * extra[c] // total for c in columns}
    widths[columns[-1]] += room - sum(widths.values())  # what integer division left
    return widths


class _MiddleElided(QStyledItemDelegate):
    """An ID keeps both ends when cut: sandboxes are told apart by either."""

    def initStyleOption(
        self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> None:
        super().initStyleOption(option, index)
        option.textElideMode = Qt.TextElideMode.ElideMiddle


class ColumnFit(QObject):
    """Sets the list's columns up and fits them to its width as it and its texts change."""

    def __init__(self, tree: QTreeWidget) -> None:
        super().__init__(tree)
        self.tree = tree
        tree.setColumnCount(len(COLUMNS))
        tree.setHeaderLabels(list(COLUMNS))
        tree.setTextElideMode(Qt.TextElideMode.ElideRight)
        tree.setItemDelegateForColumn(ID_COLUMN, _MiddleElided(tree))
        header = tree.header()
        header.setStretchLastSection(False)
        header.setMinimumSectionSize(24)
        self.chosen = False  # the person dragged a width: theirs from then on
        self._fitting = False
        header.sectionResized.connect(self._on_header_section_resized)
        self._viewport = tree.viewport()
        self._viewport.installEventFilter(self)

    def fit(self) -> None:
        """Widths for the texts now shown, in the list's width now."""
        tree = self.tree
        if self.chosen or tree.topLevelItemCount() == 0:
            return
        header = tree.header()
        wanted = {
            column: max(tree.sizeHintForColumn(column), header.sectionSizeHint(column))
            for column in range(len(COLUMNS))
        }
        fixed = sum(width for column, width in wanted.items() if column not in SHARED)
        widths = wanted | share(tree.viewport().width() - fixed, wanted, SHARED)
        self._fitting = True
        try:
            for column, width in widths.items():
                if header.sectionSize(column) != width:
                    header.resizeSection(column, width)
        finally:
            self._fitting = False

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Resize and watched is self._viewport:
            self.fit()
        return False

    def _on_header_section_resized(self, _column: int, _old: int, _new: int) -> None:
        if not self._fitting:
            self.chosen = True
