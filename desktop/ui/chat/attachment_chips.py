"""Chips for attached files: the name and size of each, in a row that wraps; removable while a
message is composed, read-only on a sent message's bubble (live and reloaded alike)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

from PySide6.QtCore import QPoint, QRect, QSize, Qt
from PySide6.QtGui import QFontMetrics
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLayout, QLayoutItem, QToolButton, QWidget

from desktop.core.inert import inert
from desktop.core.router.mount_names import size_text
from desktop.ui.chat.labels import plain_label
from desktop.ui.tooltips import plain_tooltip

if TYPE_CHECKING:
    from desktop.core.agent.attachments import Attachment

NAME_MAX_PX = 220  # a long name is elided in the middle; the tooltip has all of it


class FlowLayout(QLayout):
    """Items left to right, wrapping onto the next line when the row is full."""

    def __init__(self, parent: QWidget | None = None, spacing: int = 6) -> None:
        super().__init__(parent)
        self._items: list[QLayoutItem] = []
        self.setSpacing(spacing)
        self.setContentsMargins(0, 0, 0, 0)

    def addItem(self, item: QLayoutItem) -> None:
        self._items.append(item)

    def count(self) -> int:
        return len(self._items)

    def itemAt(self, index: int) -> QLayoutItem | None:
        return self._items[index] if 0 <= index < len(self._items) else None

    def takeAt(self, index: int) -> QLayoutItem | None:
        return self._items.pop(index) if 0 <= index < len(self._items) else None

    def expandingDirections(self) -> Qt.Orientation:
        return Qt.Orientation(0)

    def hasHeightForWidth(self) -> bool:
        return True

    def heightForWidth(self, width: int) -> int:
        return self._arrange(QRect(0, 0, width, 0), move=False)

    def setGeometry(self, rect: QRect) -> None:
        super().setGeometry(rect)
        self._arrange(rect, move=True)

    def sizeHint(self) -> QSize:
        """All on one row (the width it would like); narrower, it wraps."""
        hints = [item.sizeHint() for item in self._items]
        width = sum(h.width() for h in hints) + self.spacing() * max(0, len(hints) - 1)
        return QSize(width, max((h.height() for h in hints), default=0))

    def minimumSize(self) -> QSize:
        size = QSize()
        for item in self._items:
            size = size.expandedTo(item.minimumSize())
        return size

    def _arrange(self, rect: QRect, *, move: bool) -> int:
        x, y, line = rect.x(), rect.y(), 0
        gap = self.spacing()
        for item in self._items:
            hint = item.sizeHint()
            if x + hint.width() > rect.right() + 1 and line > 0:
                x, y, line = rect.x(), y + line + gap, 0
            if move:
                item.setGeometry(QRect(QPoint(x, y), hint))
            x += hint.width() + gap
            line = max(line, hint.height())
        return y + line - rect.y()


class AttachmentChip(QFrame):
    """One file: its name (elided, whole in the tooltip) and size; a ✕ when it can be removed."""

    def __init__(
        self,
        name: str,
        size: str,
        *,
        on_remove: Callable[[], None] | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("attachmentChip")
        self.name = name
        self.setToolTip(plain_tooltip(f"{name} ({size})"))
        self.setAccessibleName(f"Attached file {name}, {size}")
        row = QHBoxLayout(self)
        row.setContentsMargins(8, 3, 4 if on_remove else 8, 3)
        row.setSpacing(6)
        self.name_label = plain_label("", "attachmentName", self)
        metrics = QFontMetrics(self.name_label.font())
        self.name_label.setText(metrics.elidedText(name, Qt.TextElideMode.ElideMiddle, NAME_MAX_PX))
        self.size_label = plain_label(size, "attachmentSize", self)
        row.addWidget(self.name_label)
        row.addWidget(self.size_label)
        self.remove_button: QToolButton | None = None
        self._on_remove = on_remove
        if on_remove is not None:
            button = self.remove_button = QToolButton(self)
            button.setObjectName("removeAttachmentButton")
            button.setText("✕")
            button.setAutoRaise(True)
            button.setCursor(Qt.CursorShape.PointingHandCursor)
            button.setToolTip(f"Remove {name}")
            button.setAccessibleName(f"Remove {name}")
            button.clicked.connect(self._on_remove_button_clicked)
            row.addWidget(button)

    def _on_remove_button_clicked(self) -> None:
        if self._on_remove is not None:
            self._on_remove()


class ChipRow(QWidget):
    """A wrapping row of chips."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("attachmentChips")
        self._layout = FlowLayout(self)

    def chips(self) -> list[AttachmentChip]:
        return self.findChildren(AttachmentChip, "attachmentChip")

    def set_chips(self, chips: Iterable[AttachmentChip]) -> None:
        while (item := self._layout.takeAt(0)) is not None:
            widget = item.widget()
            if widget is not None:
                widget.setParent(None)
                widget.deleteLater()
        for chip in chips:
            chip.setParent(self)
            self._layout.addWidget(chip)
            chip.show()
        self.setVisible(self._layout.count() > 0)
        self.updateGeometry()


def sent_chip(attachment: Attachment) -> AttachmentChip:
    """The chip of a file sent with a message: its name and size; where the workbench has it
    and its type in the tooltip."""
    chip = AttachmentChip(inert(attachment.name), size_text(attachment.size))
    chip.setToolTip(
        plain_tooltip(
            f"{inert(attachment.name)} ({size_text(attachment.size)}, "
            f"{inert(attachment.mimetype)})\nIn the workbench at {inert(attachment.sandbox_path)}"
        )
    )
    return chip
