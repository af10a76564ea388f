"""What the first paint shows: the main window and its conversation list, placed on screen."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from desktop.ui.sidebar.conversation_sidebar import ConversationSidebar
from desktop.ui.window.geometry import restore_geometry
from desktop.ui.window.main_window import MainWindow

SIDEBAR_WIDTH = 270


@dataclass(frozen=True)
class WindowShell:
    """What the first paint shows: the main window and its conversation list, both empty."""

    window: MainWindow
    sidebar: ConversationSidebar

    @classmethod
    def build(cls, state_file: Path | None = None) -> WindowShell:
        """The window and its list, placed where the window was last closed if that still
        fits a screen (`state_file`), else fitted to the screen it opens on."""
        window = MainWindow()
        sidebar = ConversationSidebar()
        window.set_sidebar(sidebar, SIDEBAR_WIDTH)
        restore_geometry(window, state_file)
        return cls(window, sidebar)
