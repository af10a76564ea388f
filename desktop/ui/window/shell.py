"""The window the first paint shows, then the same window with its conversation list (start-up)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from PySide6.QtWidgets import QFrame

from desktop.ui.window.geometry import restore_geometry
from desktop.ui.window.main_window import MainWindow

if TYPE_CHECKING:
    from pathlib import Path

    from desktop.ui.sidebar.conversation_sidebar import ConversationSidebar

SIDEBAR_WIDTH = 270


def first_paint_window(state_file: Path | None = None) -> MainWindow:
    """What the first paint shows: the empty chat, and the sidebar's place in its colours,
    placed where the window was last closed if that still fits a screen (`state_file`), else
    fitted to the screen it opens on.

    The conversation list (its model, delegate, search and dialogs: about a fifth of the
    start-up's imports and Qt types) is built right after, by `WindowShell.around`; its rows
    come later still, from the database.
    """
    window = MainWindow(staged=True)
    placeholder = QFrame()
    placeholder.setObjectName("conversationSidebarSlot")  # styled as the sidebar by the theme
    placeholder.setAccessibleName("Conversations (loading)")
    window.set_sidebar(placeholder, SIDEBAR_WIDTH)
    restore_geometry(window, state_file)
    return window


@dataclass(frozen=True)
class WindowShell:
    """The main window with its conversation list, both empty: what `DesktopApp` wires."""

    window: MainWindow
    sidebar: ConversationSidebar

    @classmethod
    def around(cls, window: MainWindow) -> WindowShell:
        """Complete the window `first_paint_window` painted and put the conversation list in
        the place it kept for it."""
        from desktop.ui.sidebar.conversation_sidebar import ConversationSidebar

        window.complete()

        sidebar = ConversationSidebar()
        slot = window.splitter.replaceWidget(0, sidebar)
        if slot is not None:
            slot.deleteLater()
        return cls(window, sidebar)

    @classmethod
    def build(cls, state_file: Path | None = None) -> WindowShell:
        return cls.around(first_paint_window(state_file))
