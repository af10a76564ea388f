"""The first paint's window, then the conversation list put in the place kept for it (issue 8)."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, QEvent
from PySide6.QtWidgets import QFrame
from pytestqt.qtbot import QtBot

from desktop.ui.sidebar.conversation_sidebar import ConversationSidebar
from desktop.ui.window.shell import WindowShell, first_paint_window


def test_the_first_paint_keeps_the_sidebar_s_place_and_the_list_takes_it(qtbot: QtBot) -> None:
    window = first_paint_window()
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    slot = window.splitter.widget(0)
    assert isinstance(slot, QFrame) and slot.objectName() == "conversationSidebarSlot"
    sizes = window.splitter.sizes()
    assert window.findChild(ConversationSidebar) is None

    shell = WindowShell.around(window)
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    assert window.splitter.count() == 2
    assert window.splitter.widget(0) is shell.sidebar
    assert window.splitter.sizes() == sizes  # the chat does not move when the list arrives
    assert window.findChild(QFrame, "conversationSidebarSlot") is None
    assert shell.sidebar.isVisible()
