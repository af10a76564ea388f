"""The first paint's window, then the conversation list put in the place kept for it (issue 8)."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, QEvent
from PySide6.QtWidgets import QFrame, QWidget
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


def test_the_first_paint_goes_without_the_services_and_files_until_completed(
    qtbot: QtBot,
) -> None:
    """The staged window paints the box and its buttons; the status bar's services, the model
    switcher, the attached files' tray and the drop watching come with `WindowShell.around`."""
    window = first_paint_window()
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    assert window.findChild(QWidget, "statusConnection") is None
    assert window.findChild(QWidget, "modelSwitcher") is None
    assert window.findChild(QWidget, "attachmentTray") is None
    assert window.message_input.isVisible() and window.send_button.isVisible()

    WindowShell.around(window)
    services = window.findChild(QWidget, "statusConnection")
    assert services is not None and services is window.connection_status
    assert services.isVisible()
    assert window.findChild(QWidget, "modelSwitcher") is window.model_switcher
    assert window.model_switcher.isEnabled()  # no reply runs
    assert window.composer.attachments.parent() is not None
    assert window.chat_view.viewport().acceptDrops()  # files dropped on the chat are attached
    assert window.message_input.viewport().acceptDrops()
