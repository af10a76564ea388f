"""The chat column's header: the conversation's title, New chat, Settings and the ⋯ menu."""

from __future__ import annotations

from typing import Protocol

from PySide6 import QtCore
from PySide6.QtCore import QPoint
from PySide6.QtGui import QAction, QShowEvent
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QMenu,
    QPushButton,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from desktop.ui.chat.chat_view import COLUMN_MAX_WIDTH
from desktop.ui.qt_values import show_as_plain_text
from desktop.ui.tooltips import plain_tooltip
from desktop.ui.waiting_words import WAITING_TEXT

APP_NAME = "E2B Agent"
WAITING_MARK = f"⏸ {WAITING_TEXT}"
SUBTITLE_MIN_PX = 120


def window_title(title: str | None, *, waiting: bool = False) -> str:
    """'⏸ Waiting for your decision — Sandbox audit — E2B Agent', without what is not so."""
    parts = [WAITING_MARK] if waiting else []
    if title:
        parts.append(title)
    return " — ".join([*parts, APP_NAME])


class WindowActions(Protocol):
    """The window's actions the header's buttons and menu trigger (`MainWindow`)."""

    new_chat_action: QAction
    find_action: QAction
    regenerate_action: QAction
    edit_last_action: QAction
    export_markdown_action: QAction
    export_json_action: QAction
    import_action: QAction
    settings_action: QAction
    quit_action: QAction


class ChatHeader(QFrame):
    def __init__(self, actions: WindowActions) -> None:
        super().__init__()
        self.setObjectName("chatHeader")
        self.title: str | None = None  # the open conversation's, as set_title was told
        title = self.title_label = QLabel(APP_NAME)
        title.setObjectName("chatTitle")
        show_as_plain_text(title)
        title.setMinimumWidth(80)
        subtitle = self.subtitle = QLabel("Your E2B sandboxes, by conversation")
        subtitle.setObjectName("chatSubtitle")
        # A long line (the sandboxes running from this chat and their cost) is cut rather than
        # widen the chat's least width: the sidebar would give way to it when a dock opens.
        subtitle.setMinimumWidth(SUBTITLE_MIN_PX)
        show_as_plain_text(subtitle)
        self.new_chat_button = make_button(
            "New chat", "newChatButton", "New chat", "Start a new conversation (Ctrl+N)"
        )
        self.new_chat_button.clicked.connect(actions.new_chat_action.trigger)
        self.settings_button = make_button(
            "Settings", "settingsButton", "Settings", "Keys, model and instructions (Ctrl+,)"
        )
        self.settings_button.clicked.connect(actions.settings_action.trigger)
        self.menu_button = QToolButton()
        self.menu_button.setObjectName("menuButton")
        self.menu_button.setText("⋯")
        self.menu_button.setAccessibleName("More")
        self.menu_button.setToolTip("More")
        self.menu_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        menu = self.menu = WindowMenu(self.menu_button)
        menu.setObjectName("mainMenu")
        for group in (
            (actions.new_chat_action, actions.find_action),
            (actions.regenerate_action, actions.edit_last_action),
            (actions.export_markdown_action, actions.export_json_action, actions.import_action),
            (actions.settings_action, actions.quit_action),
        ):
            if not menu.isEmpty():
                menu.addSeparator()
            menu.addActions(list(group))
        self.menu_button.setMenu(menu)
        titles = QVBoxLayout()
        titles.setSpacing(0)
        titles.addWidget(title)
        titles.addWidget(subtitle)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(20, 10, 12, 10)
        layout.setSpacing(8)
        layout.addLayout(titles)
        layout.addStretch(1)
        layout.addWidget(self.new_chat_button)
        layout.addWidget(self.settings_button)
        layout.addWidget(self.menu_button)

    def add_panel_toggle(self, button: QWidget, action: QAction) -> None:
        """A panel's button beside New chat (the status bar has no room on a small screen),
        its action at the end of the ⋯ menu."""
        layout = self.layout()
        assert isinstance(layout, QHBoxLayout)
        layout.insertWidget(layout.indexOf(self.new_chat_button), button)
        self.menu.addSeparator()
        self.menu.addAction(action)

    def set_title(self, title: str | None) -> None:
        """The open conversation's title (elided; whole in the tooltip), or the app's name."""
        self.title = title
        shown = title or APP_NAME
        metrics = self.title_label.fontMetrics()
        self.title_label.setText(
            metrics.elidedText(shown, QtCore.Qt.TextElideMode.ElideRight, COLUMN_MAX_WIDTH // 2)
        )
        self.title_label.setToolTip(plain_tooltip(shown) if title else "")


class WindowMenu(QMenu):
    """A button's menu that opens inside its window: one that would cross the window's right
    edge opens leftwards instead, its right edge under the button's."""

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        button = self.parentWidget()
        if button is None:
            return
        window = button.window()
        window_right = window.mapToGlobal(QPoint(window.width(), 0)).x()
        place = self.geometry()
        if place.right() >= window_right:
            left = button.mapToGlobal(QPoint(button.width(), 0)).x() - place.width()
            self.move(max(left, window.mapToGlobal(QPoint(0, 0)).x()), place.y())


def make_button(text: str, name: str, accessible_name: str, tip: str) -> QPushButton:
    """A push button with its object name, accessible name and tooltip."""
    button = QPushButton(text)
    button.setObjectName(name)
    button.setAccessibleName(accessible_name)
    button.setToolTip(tip)
    return button
