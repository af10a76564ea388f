"""Room for a dock beside the window's middle: the conversation list keeps the width it was
given when the middle narrows (a dock opens, the window shrinks), the chat column giving up
space first, down to its own minimum; a dock that does not fit beside them grows the window,
as far as its screen allows."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6 import QtCore
from PySide6.QtCore import QRect, QSize, QTimer
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import QDockWidget, QMainWindow, QSplitter, QWidget

from desktop.ui.window.geometry import available_areas, inside


def _least(widget: QWidget | None) -> int:
    """The width a splitter never gives `widget` less than (Qt's own rule: its minimum width
    when set, else its minimum size hint)."""
    if widget is None:
        return 0
    return widget.minimumWidth() or widget.minimumSizeHint().width()


# The chat's width a dock leaves it when the window has the room (a narrower window: the dock
# takes its least and the chat what is left, down to its own least).
READING_WIDTH_PX = 580


class SidebarSplitter(QSplitter):
    """The conversation list (first) beside the chat (second).

    Qt's splitter takes the space it loses equally from both, then all of it from the one
    still above its minimum: a dock opening beside a chat at its minimum left the list 60 px
    wide. This one keeps the list at the width set in code or dragged by the person, as long
    as the chat keeps its minimum.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        # Horizontal. No parent argument: choosing between that overload and the one with an
        # orientation builds the `Qt` namespace, not wanted before the first paint (`qt_values`).
        super().__init__()
        if parent is not None:
            self.setParent(parent)
        self._kept: int | None = None
        self.splitterMoved.connect(self._on_moved)

    def setSizes(self, sizes: Sequence[int]) -> None:
        super().setSizes(sizes)
        if self.count() > 1 and sizes:
            self._kept = sizes[0]

    def needed_width(self, *, reading: bool = False) -> int:
        """How wide the middle must be for the list to keep its width beside the chat at its
        least (`reading`: at `READING_WIDTH_PX`, or its least if more)."""
        if self.count() < 2:
            return sum(_least(self.widget(i)) for i in range(self.count()))
        kept = self._kept if self._kept is not None else self.sizes()[0]
        chat = _least(self.widget(1))
        return kept + self.handleWidth() + (max(chat, READING_WIDTH_PX) if reading else chat)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._keep()

    def _keep(self) -> None:
        if self.count() < 2 or self._kept is None:
            return
        sizes = self.sizes()
        total = sum(sizes)
        if total <= 0:
            return
        wanted = max(min(self._kept, total - _least(self.widget(1))), _least(self.widget(0)))
        if sizes[0] != wanted:
            super().setSizes([wanted, total - wanted, *sizes[2:]])

    def _on_moved(self, _position: int, _index: int) -> None:
        self._kept = self.sizes()[0]


def make_room(window: QMainWindow, dock: QDockWidget, preferred: int) -> None:
    """Give `dock` (shown on the right) `preferred` pixels, or what the middle can spare
    without the list narrowing, but not less than the dock needs: a window too narrow for that
    grows, within its screen, and moves to stay on it.

    Done once the window has laid the dock out: a size asked for before that pending layout
    was lost to it (the dock then got its least, beside a chat at its size hint)."""
    QTimer.singleShot(0, window, lambda: _make_room_now(window, dock, preferred))


def _make_room_now(window: QMainWindow, dock: QDockWidget, preferred: int) -> None:
    middle = window.centralWidget()
    needed = middle.needed_width() if isinstance(middle, SidebarSplitter) else window.width() // 2
    reading = middle.needed_width(reading=True) if isinstance(middle, SidebarSplitter) else needed
    style = window.style()
    from PySide6.QtWidgets import QStyle  # its enums: not before the first paint

    separator = style.pixelMetric(QStyle.PixelMetric.PM_DockWidgetSeparatorExtent, None, window)
    least = dock.minimumSizeHint().width()
    room = window.width() - needed - separator
    comfortable = window.width() - reading - separator  # the chat keeps its reading width
    states = QtCore.Qt.WindowState.WindowMaximized | QtCore.Qt.WindowState.WindowFullScreen
    areas = available_areas(window)
    if room < least and areas and not window.windowState() & states:
        frame = window.frameGeometry()
        border = frame.width() - window.width()
        grown = min(window.width() + least - room, areas[0].width() - border)
        if grown > window.width():
            window.resize(grown, window.height())
            wanted = QRect(frame.topLeft(), QSize(grown + border, frame.height()))
            window.move(inside(wanted, areas[0]))
            room = grown - needed - separator
    if comfortable >= least:
        room = comfortable
    window.resizeDocks([dock], [max(least, min(preferred, room))], QtCore.Qt.Orientation.Horizontal)
