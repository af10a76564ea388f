"""The app's look: Fusion with a light palette, the style sheet and the icon from resources/."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication

from desktop.paths import resources_dir

if TYPE_CHECKING:
    from PySide6.QtGui import QIcon

log = logging.getLogger(__name__)

STYLE_SHEET = "style.qss"
APP_ICON = "e2b-agent.svg"
STYLE = "Fusion"
# For a QApplication made by the app: Qt starts with the style, so `apply_theme` need not look
# (the first look at `app.style()` builds QStyle's Python enums, ~4 ms before the first paint).
STYLE_ARGUMENTS = ("-style", STYLE)


def light_palette() -> QPalette:
    """A light palette regardless of the desktop's theme: the style sheet assumes one."""
    palette = QPalette()
    colors = {
        QPalette.ColorRole.Window: "#f7f7f9",
        QPalette.ColorRole.WindowText: "#1f2328",
        QPalette.ColorRole.Base: "#ffffff",
        QPalette.ColorRole.AlternateBase: "#f6f8fa",
        QPalette.ColorRole.Text: "#1f2328",
        QPalette.ColorRole.Button: "#ffffff",
        QPalette.ColorRole.ButtonText: "#1f2328",
        QPalette.ColorRole.Highlight: "#cfe0ff",
        QPalette.ColorRole.HighlightedText: "#1f2328",
        QPalette.ColorRole.Link: "#2457d6",
        QPalette.ColorRole.ToolTipBase: "#ffffff",
        QPalette.ColorRole.ToolTipText: "#1f2328",
        QPalette.ColorRole.PlaceholderText: "#8b949e",
    }
    for role, color in colors.items():
        palette.setColor(role, QColor(color))
    for role in (QPalette.ColorRole.Text, QPalette.ColorRole.ButtonText):
        palette.setColor(QPalette.ColorGroup.Disabled, role, QColor("#a0a7b0"))
    return palette


def load_style_sheet(directory: Path | None = None) -> str:
    path = (directory or resources_dir()) / STYLE_SHEET
    try:
        return path.read_text(encoding="utf-8")
    except OSError:
        log.warning("style sheet %s could not be read; using the plain style", path)
        return ""


def app_icon(directory: Path | None = None) -> QIcon:
    from PySide6.QtGui import QIcon  # after the first paint (`apply_theme`'s `icon`)

    return QIcon(str((directory or resources_dir()) / APP_ICON))


def apply_theme(
    app: QApplication,
    directory: Path | None = None,
    *,
    style_set: bool = False,
    icon: bool = True,
) -> None:
    """Style, palette, style sheet and window icon for the whole application; `style_set`:
    the application was made with `STYLE_ARGUMENTS`; `icon=False`: the caller sets the window
    icon itself, later (rendering the SVG for the window manager costs a first paint 5-10 ms
    under X11)."""
    if not style_set and app.style().name().casefold() != STYLE.casefold():
        app.setStyle(STYLE)  # often the default already: ~4 ms saved
    app.setPalette(light_palette())
    app.setStyleSheet(load_style_sheet(directory))
    if icon:
        app.setWindowIcon(app_icon(directory))
