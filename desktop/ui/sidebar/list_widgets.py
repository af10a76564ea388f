"""The sidebar's own widgets: the search box and a list of conversations."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QPoint, Qt, Signal
from PySide6.QtGui import QContextMenuEvent, QKeyEvent
from PySide6.QtWidgets import QAbstractItemView, QFrame, QLineEdit, QListView

from desktop.ui.sidebar.conversation_delegate import ConversationDelegate


class SearchField(QLineEdit):
    """The search box: Esc clears it (before Esc can mean "stop the reply" to the window)."""

    escape_pressed = Signal()
    down_pressed = Signal()

    def event(self, event: QEvent) -> bool:
        if (
            event.type() == QEvent.Type.ShortcutOverride
            and isinstance(event, QKeyEvent)
            and event.key() == Qt.Key.Key_Escape
            and self.text()
        ):
            event.accept()  # our Esc, not the window's
            return True
        return super().event(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Escape:
            self.escape_pressed.emit()
            event.accept()
            return
        if event.key() == Qt.Key.Key_Down:
            self.down_pressed.emit()
            event.accept()
            return
        super().keyPressEvent(event)


class ConversationListView(QListView):
    """A list of conversations: selection opens one; Delete and F2 act on the current one."""

    menu_requested = Signal(QPoint)  # where, in viewport coordinates

    def __init__(self, object_name: str, accessible_name: str, *, search: bool) -> None:
        super().__init__()
        self.setObjectName(object_name)
        self.setAccessibleName(accessible_name)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setUniformItemSizes(True)  # 5,000 rows lay out without measuring each
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.setMouseTracking(True)  # hover highlight
        self.setItemDelegate(ConversationDelegate(self, search=search))

    def contextMenuEvent(self, event: QContextMenuEvent) -> None:
        pos = event.pos()
        if event.reason() != QContextMenuEvent.Reason.Mouse:
            # The menu key: the menu belongs to the current row, not the middle of the list.
            current = self.currentIndex()
            pos = self.visualRect(current).center() if current.isValid() else QPoint(-1, -1)
        self.menu_requested.emit(pos)
        event.accept()
