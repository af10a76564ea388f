"""How a sidebar row is drawn: the title, when it was last active (or a search snippet) and a
"Waiting" badge while its turn waits for a decision."""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QObject, QPersistentModelIndex, QRect, QRectF, QSize, Qt
from PySide6.QtGui import (
    QAbstractTextDocumentLayout,
    QColor,
    QFont,
    QFontMetrics,
    QPainter,
    QTextDocument,
)
from PySide6.QtWidgets import (
    QLineEdit,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QWidget,
)

from desktop.ui.sidebar.conversation_model import SNIPPET_ROLE, TIME_ROLE, WAITING_ROLE

ROW_HEIGHT = 38
SEARCH_ROW_HEIGHT = 66
MARGIN_X = 8
PADDING_X = 10
TITLE_PX = 13
DETAIL_PX = 11
SNIPPET_PX = 12
BADGE_TEXT = "Waiting"
BADGE_PADDING_X = 6
BADGE_HEIGHT = 18
COLORS = {
    "title": QColor("#1f2328"),
    "detail": QColor("#6e7781"),
    "snippet": QColor("#57606a"),
    "selected": QColor("#e3ebfd"),
    "selected_inactive": QColor("#eceff3"),
    "hover": QColor("#eef0f3"),
    "focus": QColor("#2457d6"),
    "badge": QColor("#fff1c2"),
    "badge_text": QColor("#7a4b00"),
}

AnyIndex = QModelIndex | QPersistentModelIndex


def _font(base: QFont, pixels: int, *, weight: QFont.Weight | None = None) -> QFont:
    font = QFont(base)
    font.setPixelSize(pixels)
    if weight is not None:
        font.setWeight(weight)
    return font


class ConversationDelegate(QStyledItemDelegate):
    """Paints rows itself (a style sheet cannot lay out two texts in one row) and edits titles
    in place with a line edit."""

    def __init__(self, parent: QObject | None = None, *, search: bool = False) -> None:
        super().__init__(parent)
        self._search = search
        self._snippet = QTextDocument(self)
        self._snippet.setDocumentMargin(0)

    def sizeHint(self, option: QStyleOptionViewItem, index: AnyIndex) -> QSize:
        height = SEARCH_ROW_HEIGHT if self._search else ROW_HEIGHT
        return QSize(max(option.rect.width(), 120), height)

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: AnyIndex) -> None:
        state = option.state
        rect: QRect = option.rect.adjusted(MARGIN_X, 1, -MARGIN_X, -1)
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(Qt.PenStyle.NoPen)
        if state & QStyle.StateFlag.State_Selected:
            active = state & QStyle.StateFlag.State_Active
            painter.setBrush(COLORS["selected"] if active else COLORS["selected_inactive"])
            painter.drawRoundedRect(QRectF(rect), 7, 7)
        elif state & QStyle.StateFlag.State_MouseOver:
            painter.setBrush(COLORS["hover"])
            painter.drawRoundedRect(QRectF(rect), 7, 7)
        if state & QStyle.StateFlag.State_HasFocus:
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.setPen(COLORS["focus"])
            painter.drawRoundedRect(QRectF(rect).adjusted(0.5, 0.5, -0.5, -0.5), 7, 7)

        base: QFont = option.font
        inner = rect.adjusted(PADDING_X, 0, -PADDING_X, 0)
        title = str(index.data(Qt.ItemDataRole.DisplayRole) or "")
        when = str(index.data(TIME_ROLE) or "")
        line = QRect(inner.left(), inner.top(), inner.width(), ROW_HEIGHT - 2)
        if self._search:
            line.setHeight(26)
            line.moveTop(inner.top() + 5)
        detail_font = _font(base, DETAIL_PX)
        if when:
            painter.setFont(detail_font)
            painter.setPen(COLORS["detail"])
            width = painter.fontMetrics().horizontalAdvance(when)
            painter.drawText(
                line, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, when
            )
            line.setRight(line.right() - width - 8)
        if index.data(WAITING_ROLE):
            line.setRight(line.right() - self._paint_badge(painter, line, detail_font) - 8)
        painter.setFont(_font(base, TITLE_PX, weight=QFont.Weight.Medium))
        painter.setPen(COLORS["title"])
        elided = painter.fontMetrics().elidedText(title, Qt.TextElideMode.ElideRight, line.width())
        painter.drawText(line, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, elided)
        if self._search:
            self._paint_snippet(painter, index, inner, base)
        painter.restore()

    def _paint_badge(self, painter: QPainter, line: QRect, font: QFont) -> int:
        """The "Waiting" pill at the right end of `line`; its width."""
        badge_font = QFont(font)
        badge_font.setWeight(QFont.Weight.DemiBold)
        painter.setFont(badge_font)
        width = painter.fontMetrics().horizontalAdvance(BADGE_TEXT) + 2 * BADGE_PADDING_X
        top = line.top() + (line.height() - BADGE_HEIGHT) // 2
        badge = QRect(line.right() - width + 1, top, width, BADGE_HEIGHT)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(COLORS["badge"])
        painter.drawRoundedRect(QRectF(badge), BADGE_HEIGHT / 2, BADGE_HEIGHT / 2)
        painter.setPen(COLORS["badge_text"])
        painter.drawText(badge, Qt.AlignmentFlag.AlignCenter, BADGE_TEXT)
        return width

    def _paint_snippet(self, painter: QPainter, index: AnyIndex, inner: QRect, base: QFont) -> None:
        snippet = str(index.data(SNIPPET_ROLE) or "")
        if not snippet:
            return
        # The snippet is escaped HTML with <b> around matches (see snippet_html).
        self._snippet.setDefaultFont(_font(base, SNIPPET_PX))
        self._snippet.setHtml(f'<span style="color:{COLORS["snippet"].name()}">{snippet}</span>')
        width = inner.width()
        self._snippet.setTextWidth(width)
        top = inner.top() + 30
        line = QFontMetrics(self._snippet.defaultFont()).lineSpacing()
        lines = max(1, (inner.bottom() - top) // max(line, 1))
        clip = QRectF(0, 0, width, lines * line + 1)  # whole lines only
        painter.translate(inner.left(), top)
        context = QAbstractTextDocumentLayout.PaintContext()
        context.clip = clip
        painter.setClipRect(clip)
        self._snippet.documentLayout().draw(painter, context)

    # -- renaming in place -------------------------------------------------------------------
    def createEditor(
        self, parent: QWidget, option: QStyleOptionViewItem, index: AnyIndex
    ) -> QWidget:
        editor = QLineEdit(parent)
        editor.setObjectName("conversationTitleEditor")
        editor.setAccessibleName("Conversation title")
        editor.setMaxLength(200)
        return editor

    def setEditorData(self, editor: QWidget, index: AnyIndex) -> None:
        if isinstance(editor, QLineEdit):
            editor.setText(str(index.data(Qt.ItemDataRole.EditRole) or ""))
            editor.selectAll()

    def updateEditorGeometry(
        self, editor: QWidget, option: QStyleOptionViewItem, index: AnyIndex
    ) -> None:
        rect: QRect = option.rect
        editor.setGeometry(rect.adjusted(MARGIN_X, 3, -MARGIN_X, -3))
