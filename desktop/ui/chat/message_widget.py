"""The widgets for one entry of the conversation: the user's text, a reply, an error, a notice."""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QAction, QFontMetrics, QGuiApplication, QResizeEvent, QTextOption
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from desktop.core.conversations.transcript import AssistantItem, ErrorItem, NoticeItem, UserItem
from desktop.core.errors import ErrorKind
from desktop.ui.chat.attachment_chips import ChipRow, sent_chip
from desktop.ui.chat.code_lexing import lexer_for
from desktop.ui.chat.highlighter import CodeHighlighter
from desktop.ui.chat.labels import plain_label
from desktop.ui.chat.long_text import LongTextView
from desktop.ui.chat.markdown import MarkdownRenderer, SafeTextDocument
from desktop.ui.chat.markdown_cuts import block_parser
from desktop.ui.chat.message_fold import FULL_VIEW_HEIGHT, fold_preview, make_show_all_button
from desktop.ui.chat.text_view import TextView
from desktop.ui.links import UrlOpener
from desktop.ui.tooltips import plain_tooltip

if TYPE_CHECKING:
    from desktop.core.agent.attachments import Attachment

BUBBLE_SHARE = 0.8  # of the chat column a user's bubble may take
BUBBLE_PADDING_X = 14
# A streamed reply re-renders at most this often relative to its last render's cost, so a
# pathological tail (a huge table) slows its own updates rather than the whole UI.
RENDER_COST_FACTOR = 3.0
# New text parsed per render step while streaming: a reply that arrives in one burst is shown
# over a few frames instead of freezing the window while all of it is laid out.
RENDER_BUDGET_CHARS = 6_000


def prepare_rendering() -> None:
    """Make what a reply's first markdown and code block make: the block parser, the lexer
    table and the Python lexer (its rules compile on first use). Run on the thread that imports
    `lazy_imports.RENDERING` after the first paint, not on the UI thread in the middle of a reply.
    """
    block_parser()
    lexer_for("python")


class UserMessageWidget(QWidget):
    """What the person typed, as plain text in a bubble on the right (a light QLabel), with the
    chips of the files sent with it. A long message shows its start, and all of it in a
    plain-text view when asked ("Show all")."""

    def __init__(
        self, text: str, parent: QWidget | None = None, attachments: Sequence[Attachment] = ()
    ) -> None:
        super().__init__(parent)
        self.setObjectName("userMessage")
        self._text = text
        self._attachments: tuple[Attachment, ...] = ()
        self._bubble = QFrame(self)
        self._bubble.setObjectName("userBubble")
        preview, folded = fold_preview(text)
        self.label = plain_label(preview, "userText", self._bubble)
        self.label.setWordWrap(True)
        self.label.setTextInteractionFlags(
            Qt.TextInteractionFlag.TextSelectableByMouse
            | Qt.TextInteractionFlag.TextSelectableByKeyboard
        )
        self.label.setAccessibleName("Your message")
        self.label.setAccessibleDescription(text[:500])
        self._bubble_layout = QVBoxLayout(self._bubble)
        self._bubble_layout.setContentsMargins(BUBBLE_PADDING_X, 9, BUBBLE_PADDING_X, 9)
        self._bubble_layout.addWidget(self.label)
        self.full_view: LongTextView | None = None
        self.show_all_button: QPushButton | None = None
        if folded:
            self.show_all_button = make_show_all_button(len(text), self._bubble)
            self.show_all_button.clicked.connect(self._on_show_all_button_clicked)
            self._bubble_layout.addWidget(self.show_all_button, 0, Qt.AlignmentFlag.AlignLeft)
        self.chips = ChipRow(self._bubble)
        self._bubble_layout.addWidget(self.chips)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addStretch(1)
        layout.addWidget(self._bubble)
        self._natural_width = 0
        self.set_attachments(attachments)

    @property
    def text(self) -> str:
        return self._text

    @property
    def attachments(self) -> tuple[Attachment, ...]:
        return self._attachments

    def set_attachments(self, attachments: Sequence[Attachment]) -> None:
        """The files sent with the message, as chips under its text."""
        self._attachments = tuple(attachments)
        self.chips.set_chips(sent_chip(a) for a in self._attachments)

    def record(self) -> UserItem:
        return UserItem(self._text, self._attachments)

    def set_marked(self, marked: bool) -> None:
        """Outline the bubble: the message a search led to."""
        self._bubble.setProperty("marked", marked)
        self._bubble.style().unpolish(self._bubble)
        self._bubble.style().polish(self._bubble)

    @property
    def is_marked(self) -> bool:
        return bool(self._bubble.property("marked"))

    def _on_show_all_button_clicked(self) -> None:
        """All of a long message, in a view that lays out only what is on screen."""
        if self.full_view is None:
            self.full_view = LongTextView(self._bubble)
            self.full_view.setObjectName("userFullText")
            self.full_view.setAccessibleName("Your whole message")
            self.full_view.setMaximumHeight(FULL_VIEW_HEIGHT)
            self.full_view.set_text(self._text)
            self._bubble_layout.addWidget(self.full_view)
            self.full_view.setFixedWidth(self.label.width())
        self.label.hide()
        if self.show_all_button is not None:
            self.show_all_button.hide()

    def _measure(self) -> int:
        metrics = QFontMetrics(self.label.font())
        lines = self.label.text().split("\n", 200)[:200]
        return max((metrics.horizontalAdvance(line) for line in lines), default=0) + 2

    def resizeEvent(self, event: QResizeEvent) -> None:
        if not self._natural_width:
            self._natural_width = self._measure()  # after the style sheet set the font
        limit = int(event.size().width() * BUBBLE_SHARE) - 2 * BUBBLE_PADDING_X
        width = max(40, min(self._natural_width, limit))
        if self.label.width() != width:
            self.label.setFixedWidth(width)
        if self.full_view is not None and self.full_view.width() != limit:
            self.full_view.setFixedWidth(max(40, limit))
        super().resizeEvent(event)


class AssistantMessageWidget(QWidget):
    """A stretch of the agent's reply, rendered as markdown while it streams in."""

    def __init__(
        self, text: str = "", *, url_opener: UrlOpener | None = None, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("assistantMessage")
        self.document = SafeTextDocument()
        self.document.setDefaultTextOption(QTextOption(Qt.AlignmentFlag.AlignLeft))
        self._renderer = MarkdownRenderer(self.document)
        self._highlighter = CodeHighlighter(self.document)
        self.view = TextView(
            self.document,
            url_opener=url_opener,
            code_blocks=self._renderer.code_blocks,
            parent=self,
        )
        self.view.setObjectName("assistantText")
        self.view.setAccessibleName("Agent reply")
        copy_message = QAction("Copy message as markdown", self.view)
        copy_message.triggered.connect(self.copy_to_clipboard)
        self.view.addAction(copy_message)

        self.copy_button = QToolButton(self)
        self.copy_button.setObjectName("copyMessageButton")
        self.copy_button.setText("Copy")
        self.copy_button.setToolTip("Copy this reply as markdown")
        self.copy_button.setAccessibleName("Copy reply")
        self.copy_button.setCursor(Qt.CursorShape.PointingHandCursor)
        self.copy_button.clicked.connect(self.copy_to_clipboard)
        self.copy_button.setFocusPolicy(Qt.FocusPolicy.TabFocus)  # the message box keeps it
        footer = QHBoxLayout()
        footer.setContentsMargins(4, 0, 0, 0)
        footer.addWidget(self.copy_button)
        footer.addStretch(1)
        self._layout = layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.view)
        layout.addLayout(footer)
        self.fold_label: QLabel | None = None  # a reply too long to lay out: the rest is folded
        self.show_all_button: QPushButton | None = None
        self.rest_view: LongTextView | None = None

        self._text = text
        self._answered_by = ""
        self._pending = False
        self._last_render = 0.0
        self._last_cost = 0.0
        self._render_timer = QTimer(self)
        self._render_timer.setSingleShot(True)
        self._render_timer.timeout.connect(self._on_render_timer_timeout)
        self._finished = bool(text)
        if text:  # from history: shown a budget at a time too (a long reply over a few turns)
            self._pending = True
            self._render()
        self._update_copy_button()

    @property
    def text(self) -> str:
        """The reply's markdown source, everything received so far."""
        return self._text

    def record(self) -> AssistantItem:
        return AssistantItem(self.text, self.answered_by)

    @property
    def answered_by(self) -> str:
        return self._answered_by

    def show_answered_by(self, answered_by: str) -> None:
        """Which model wrote this and what it cost, on hover ("" for turns stored before)."""
        self._answered_by = answered_by
        self.setToolTip(plain_tooltip(answered_by))  # a model's name as text, never markup
        self.view.setToolTip(self.toolTip())

    def plain_text(self) -> str:
        """What is on screen once everything received is rendered, as plain text (of a folded
        reply, the part shown formatted)."""
        self._render(budget=None)
        return self._renderer.plain_text()

    @property
    def rendering(self) -> bool:
        """True while part of what was received is still to be shown (a few turns at most)."""
        return self._pending

    @property
    def folded_at(self) -> int | None:
        """Where the formatted part of a reply too long to lay out ends; None: shown whole."""
        return self._renderer.folded_at

    def append(self, text: str) -> None:
        """Add streamed text; rendering is throttled so its cost stays a small share of time."""
        if not text:
            return
        self._finished = False
        self._text += text
        self._pending = True
        if self.rest_view is not None:
            self.rest_view.append_text(text)
        self._update_copy_button()
        if self._render_timer.isActive():
            return
        wait = self._last_cost * RENDER_COST_FACTOR - (time.perf_counter() - self._last_render)
        if wait <= 0:
            self._render()
        else:
            self._render_timer.start(max(1, int(wait * 1000)))

    def finish(self) -> None:
        """The stream for this stretch ended: show the rest and offer copying."""
        self._finished = True
        self._render_timer.stop()
        self._render()
        self._update_copy_button()

    def _on_render_timer_timeout(self) -> None:
        self._render()

    def _render(self, budget: int | None = RENDER_BUDGET_CHARS) -> None:
        if not self._pending:
            return
        started = time.perf_counter()
        done = self._renderer.set_source(self._text, budget=budget)
        self._pending = not done
        self._last_render = time.perf_counter()
        self._last_cost = self._last_render - started
        if self._pending:  # behind a burst: continue after the window had its turn
            self._render_timer.start(max(1, int(self._last_cost * 1000)))
        self._update_fold()
        self._update_copy_button()

    def _update_fold(self) -> None:
        folded_at = self._renderer.folded_at
        if folded_at is None:
            return
        if self.fold_label is None:
            self.fold_label = plain_label("", "foldNotice", self)
            self.fold_label.setWordWrap(True)
            self.show_all_button = make_show_all_button(len(self._text), self)
            self.show_all_button.setAccessibleName("Show the whole reply")
            self.show_all_button.clicked.connect(self._on_show_all_button_clicked)
            self._layout.insertWidget(1, self.fold_label)
            self._layout.insertWidget(2, self.show_all_button, 0, Qt.AlignmentFlag.AlignLeft)
        self.fold_label.setText(
            f"This reply is long: its first {folded_at:,} of {len(self._text):,} characters are "
            "shown formatted, the rest as plain text when you ask."
        )
        if self.show_all_button is not None:
            self.show_all_button.setText(f"Show all ({len(self._text):,} characters)")

    def _on_show_all_button_clicked(self) -> None:
        folded_at = self._renderer.folded_at
        if folded_at is None or self.rest_view is not None:
            return
        self.rest_view = LongTextView(self)
        self.rest_view.setObjectName("replyRest")
        self.rest_view.setAccessibleName("The rest of the reply")
        self.rest_view.setMaximumHeight(FULL_VIEW_HEIGHT)
        self.rest_view.set_text(self._text[folded_at:])
        self._layout.insertWidget(3, self.rest_view)
        if self.show_all_button is not None:
            self.show_all_button.hide()

    def _update_copy_button(self) -> None:
        ready = self._finished and not self._pending and bool(self._text.strip())
        if self.copy_button.isHidden() == ready:
            self.copy_button.setVisible(ready)

    def copy_to_clipboard(self) -> None:
        QGuiApplication.clipboard().setText(self.text)


class ErrorWidget(QFrame):
    """A failure, shown under whatever part of the reply arrived; never instead of it."""

    def __init__(
        self, message: str, kind: ErrorKind | None = None, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("errorMessage")
        self.kind = kind
        self.message = message
        icon = plain_label("!", "errorIcon", self)
        icon.setAlignment(Qt.AlignmentFlag.AlignCenter)
        icon.setFixedSize(20, 20)
        self.label = plain_label(message, "errorText", self)
        self.label.setWordWrap(True)
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.setAccessibleName("Error")
        self.setAccessibleDescription(message)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(12, 10, 12, 10)
        layout.setSpacing(10)
        layout.addWidget(icon, 0, Qt.AlignmentFlag.AlignTop)
        layout.addWidget(self.label, 1)

    def record(self) -> ErrorItem:
        return ErrorItem(self.message, self.kind)


class NoticeWidget(QLabel):
    """A quiet status line in the conversation, e.g. that the user stopped the reply."""

    def __init__(self, text: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("noticeMessage")
        self.setTextFormat(Qt.TextFormat.PlainText)
        self.setText(text)
        self.setAccessibleName(text)

    def record(self) -> NoticeItem:
        return NoticeItem(self.text())
