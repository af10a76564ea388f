"""The window's middle when a dock opens beside it: the conversation list keeps its width (the
chat gives up space first, down to its minimum) and a window too narrow for the dock grows,
within its screen."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDockWidget, QFrame, QMainWindow, QWidget
from pytestqt.qtbot import QtBot

from desktop.ui.window.dock_room import READING_WIDTH_PX, SidebarSplitter, make_room
from desktop.ui.window.geometry import available_areas

SIDEBAR = 150
CHAT_MIN = 200
DOCK_MIN = 300


def _window(qtbot: QtBot, width: int) -> tuple[QMainWindow, SidebarSplitter, QDockWidget]:
    window = QMainWindow()
    qtbot.addWidget(window)
    splitter = SidebarSplitter()
    splitter.setChildrenCollapsible(False)
    splitter.addWidget(QFrame())
    chat = QWidget()
    chat.setMinimumWidth(CHAT_MIN)
    splitter.addWidget(chat)
    splitter.setStretchFactor(1, 1)
    window.setCentralWidget(splitter)
    window.resize(width, 400)
    splitter.setSizes([SIDEBAR, width - SIDEBAR])
    body = QWidget()
    body.setMinimumWidth(DOCK_MIN)
    dock = QDockWidget("Dock")
    dock.setWidget(body)
    dock.hide()
    window.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, dock)
    window.move(available_areas(window)[0].topLeft())
    window.show()
    qtbot.waitExposed(window)
    return window, splitter, dock


def test_the_list_keeps_its_width_while_the_chat_can_give(qtbot: QtBot) -> None:
    window, splitter, _ = _window(qtbot, 700)
    assert splitter.sizes()[0] == SIDEBAR
    window.resize(SIDEBAR + CHAT_MIN + 40, 400)  # the chat gives up its room
    qtbot.waitUntil(lambda: splitter.width() <= SIDEBAR + CHAT_MIN + 40)
    assert splitter.sizes()[0] == SIDEBAR
    window.resize(SIDEBAR + CHAT_MIN - 50, 400)  # past the chat's minimum: the list gives
    qtbot.waitUntil(lambda: splitter.sizes()[0] < SIDEBAR)
    assert splitter.widget(1).width() == CHAT_MIN
    window.resize(700, 400)  # room again: the list has its width back
    qtbot.waitUntil(lambda: splitter.sizes()[0] == SIDEBAR)
    # A width the person drags is the one kept from then on.
    splitter.moveSplitter(220, 1)
    assert splitter.sizes()[0] == 220
    window.resize(220 + CHAT_MIN + 10, 400)
    qtbot.waitUntil(lambda: splitter.width() <= 220 + CHAT_MIN + 10)
    assert splitter.sizes()[0] == 220


def test_a_dock_takes_what_the_chat_can_spare(qtbot: QtBot) -> None:
    window, splitter, dock = _window(qtbot, 780)
    dock.show()
    make_room(window, dock, 1000)  # more than there is: what the chat can spare
    qtbot.waitUntil(lambda: dock.width() >= DOCK_MIN)
    qtbot.waitUntil(lambda: splitter.widget(1).width() == CHAT_MIN)
    qtbot.waitUntil(lambda: splitter.sizes()[0] == SIDEBAR)
    assert window.width() == 780


def test_the_chat_keeps_its_reading_width_when_the_dock_can_do_with_less(qtbot: QtBot) -> None:
    """A dock asking for more than the window has takes only what leaves the chat its reading
    width, as long as that is the dock's least or more (the chat's own least is far less)."""
    width = SIDEBAR + READING_WIDTH_PX + DOCK_MIN + 60
    window, splitter, dock = _window(qtbot, width)
    dock.show()
    make_room(window, dock, 1000)
    qtbot.waitUntil(lambda: dock.width() > DOCK_MIN)
    qtbot.waitUntil(lambda: splitter.widget(1).width() == READING_WIDTH_PX)
    assert splitter.sizes()[0] == SIDEBAR
    assert window.width() == width


def test_a_window_too_narrow_for_the_dock_grows_within_its_screen(qtbot: QtBot) -> None:
    window, splitter, dock = _window(qtbot, 450)
    screen = available_areas(window)[0]
    dock.show()
    make_room(window, dock, 400)
    qtbot.waitUntil(lambda: window.width() > 450)
    qtbot.waitUntil(lambda: dock.width() >= DOCK_MIN)
    qtbot.waitUntil(lambda: splitter.sizes()[0] == SIDEBAR)
    assert window.frameGeometry().right() <= screen.right()
    assert window.width() <= screen.width()
