"""A read-only text view as tall as its text, with padded code blocks and safe link handling."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

from PySide6.QtCore import QMimeData, QPoint, QRectF, QSize, Qt, QTimer, QUrl
from PySide6.QtGui import (
    QColor,
    QContextMenuEvent,
    QGuiApplication,
    QPainter,
    QPaintEvent,
    QPen,
    QResizeEvent,
    QTextDocument,
    QWheelEvent,
)
from PySide6.QtWidgets import QSizePolicy, QTextBrowser, QToolButton, QWidget

from desktop.ui.chat import display_blocks
from desktop.ui.chat.markdown_style import CODE_PADDING_Y
from desktop.ui.links import UrlOpener, open_web_url

CODE_BACKGROUND = QColor("#f6f8fa")
CODE_BORDER = QColor("#e1e4e8")
CodeBlocks = Callable[[], Sequence[tuple[int, int]]]


def _no_code_blocks() -> Sequence[tuple[int, int]]:
    return ()


class TextView(QTextBrowser):
    """Shows one message. It never scrolls itself: its height follows the document's, and wheel
    events go to the chat around it. Links open in the system browser only when they are
    http(s) and only when clicked; nothing is navigated inside the app.
    """

    def __init__(
        self,
        document: QTextDocument,
        *,
        url_opener: UrlOpener | None = None,
        code_blocks: CodeBlocks = _no_code_blocks,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        document.setParent(self)
        self.setDocument(document)
        self._url_opener = url_opener
        self._code_blocks = code_blocks
        self._copy_buttons: list[QToolButton] = []
        # Buttons are placed once the document settled (after a render, not in the middle).
        self._buttons_timer = QTimer(self)
        self._buttons_timer.setSingleShot(True)
        self._buttons_timer.setInterval(0)
        self._buttons_timer.timeout.connect(self._place_copy_buttons)
        self.setOpenLinks(False)
        self.setOpenExternalLinks(False)
        self.setFrameShape(QTextBrowser.Shape.NoFrame)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setTextInteractionFlags(
            Qt.TextInteractionFlag.TextSelectableByMouse
            | Qt.TextInteractionFlag.TextSelectableByKeyboard
            | Qt.TextInteractionFlag.LinksAccessibleByMouse
            | Qt.TextInteractionFlag.LinksAccessibleByKeyboard
        )
        # Hundreds of messages must not each become a Tab stop; the buttons around them are.
        self.setFocusPolicy(Qt.FocusPolicy.ClickFocus)
        self.setTabChangesFocus(True)
        self.viewport().setAutoFillBackground(False)
        self.anchorClicked.connect(self._on_anchor_clicked)
        document.documentLayout().documentSizeChanged.connect(self._on_document_size_changed)
        self._fit_height()

    # -- size --------------------------------------------------------------------------------
    def sizeHint(self) -> QSize:
        return QSize(super().sizeHint().width(), self.height())

    def minimumSizeHint(self) -> QSize:
        return QSize(48, self.height())

    def _fit_height(self) -> None:
        margins = self.contentsMargins()
        height = math.ceil(self.document().size().height()) + margins.top() + margins.bottom()
        if height != self.height() or self.minimumHeight() != height:
            self.setFixedHeight(max(height, 1))

    def _on_document_size_changed(self) -> None:
        self._fit_height()
        self._buttons_timer.start()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._fit_height()
        self._buttons_timer.start()

    def wheelEvent(self, event: QWheelEvent) -> None:
        event.ignore()  # the chat scrolls; a message never does

    # -- code blocks -------------------------------------------------------------------------
    def code_block_rects(self) -> list[tuple[QRectF, tuple[int, int]]]:
        doc = self.document()
        layout = doc.documentLayout()
        margin = doc.documentMargin()
        width = doc.textWidth() if doc.textWidth() > 0 else float(self.viewport().width())
        rects = []
        for first, last in self._code_blocks():
            top = layout.blockBoundingRect(doc.findBlockByNumber(first)).top() - CODE_PADDING_Y
            bottom = layout.blockBoundingRect(doc.findBlockByNumber(last)).bottom()
            rect = QRectF(margin, top, width - 2 * margin, bottom + CODE_PADDING_Y - top)
            rects.append((rect, (first, last)))
        return rects

    def code_text(self, first: int, last: int) -> str:
        parts: list[str] = []
        for number in range(first, last + 1):
            block = self.document().findBlockByNumber(number)
            if parts and not display_blocks.continues(block):
                parts.append("\n")  # a line of the code; a piece of a long line goes on
            parts.append(block.text())
        return "".join(parts)

    def createMimeDataFromSelection(self) -> QMimeData:
        """What is selected, as the text it is: a long block's pieces joined again."""
        cursor = self.textCursor()
        doc = self.document()
        start, end = cursor.selectionStart(), cursor.selectionEnd()
        text = display_blocks.plain_text(doc, start, end)
        if not display_blocks.has_pieces(doc, start, end):
            mime = super().createMimeDataFromSelection()
            mime.setText(text)
            return mime
        mime = QMimeData()  # rich text would break the line where the pieces meet
        mime.setText(text)
        return mime

    def paintEvent(self, event: QPaintEvent) -> None:
        rects = self.code_block_rects()
        if rects:
            painter = QPainter(self.viewport())
            painter.setRenderHint(QPainter.RenderHint.Antialiasing)
            painter.setPen(QPen(CODE_BORDER, 1))
            painter.setBrush(CODE_BACKGROUND)
            for rect, _ in rects:
                if rect.intersects(QRectF(event.rect())):
                    painter.drawRoundedRect(rect.adjusted(0.5, 0.5, -0.5, -0.5), 6, 6)
            painter.end()
        super().paintEvent(event)

    def _place_copy_buttons(self) -> None:
        rects = self.code_block_rects()
        while len(self._copy_buttons) < len(rects):
            button = QToolButton(self.viewport())
            button.setObjectName("copyCodeButton")
            button.setText("Copy")
            button.setCursor(Qt.CursorShape.PointingHandCursor)
            button.setAccessibleName(f"Copy code block {len(self._copy_buttons) + 1}")
            index = len(self._copy_buttons)
            button.clicked.connect(lambda _=False, i=index: self._copy_code_block(i))
            self._copy_buttons.append(button)
        for index, button in enumerate(self._copy_buttons):
            if index >= len(rects):
                button.hide()
                continue
            rect = rects[index][0]
            size = button.sizeHint()
            button.move(int(rect.right()) - size.width() - 6, int(rect.top()) + 5)
            button.resize(size)
            button.show()

    def _copy_code_block(self, index: int) -> None:
        rects = self.code_block_rects()
        if index >= len(rects):
            return
        first, last = rects[index][1]
        text = self.code_text(first, last)
        QGuiApplication.clipboard().setText(text)
        button = self._copy_buttons[index]
        button.setText("Copied")
        QTimer.singleShot(1500, button, lambda: button.setText("Copy"))

    def code_block_at(self, point: QPoint) -> tuple[int, int] | None:
        for rect, block_range in self.code_block_rects():
            if rect.contains(float(point.x()), float(point.y())):
                return block_range
        return None

    # -- links and menu ----------------------------------------------------------------------
    def _on_anchor_clicked(self, url: QUrl) -> None:
        open_web_url(url, self._url_opener)

    def contextMenuEvent(self, event: QContextMenuEvent) -> None:
        menu = self.createStandardContextMenu(event.pos())
        block_range = self.code_block_at(event.pos())
        extra = [a for a in self.actions() if a.isVisible()]
        if block_range is not None or extra:
            menu.addSeparator()
        if block_range is not None:
            text = self.code_text(*block_range)
            copy_code = menu.addAction("Copy code block")
            copy_code.triggered.connect(lambda: QGuiApplication.clipboard().setText(text))
        for action in extra:
            menu.addAction(action)
        menu.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        menu.popup(event.globalPos())
