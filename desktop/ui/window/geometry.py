"""The window's size and place: restored when it fits a screen, else fitted to the screen it
opens on; kept at exit in a small file of the app's own (`window.ini` in the config folder).

Qt's own `QSettings` writes the file (INI, atomically): the window's place is not a setting the
person edits, so it stays out of `settings.json`.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from PySide6.QtCore import QPoint, QRect, QSettings, QSize, Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QWidget

DEFAULT_SIZE = QSize(1180, 780)
FILL_SHARE = 0.94  # of a screen too small for the default size, the window takes this much
_GEOMETRY_KEY = "window/geometry"
_MAXIMIZED_KEY = "window/maximized"


def fitted(saved: QRect | None, screens: Sequence[QRect], default: QSize = DEFAULT_SIZE) -> QRect:
    """Where the window goes: `saved` if it lies wholly inside one of the `screens` (their
    available areas, the first being the one it opens on); otherwise the default size, shrunk
    to fit that screen, in its middle."""
    if saved is not None and saved.isValid():
        for area in screens:
            if area.contains(saved):
                return QRect(saved)
    if not screens:
        return QRect(QPoint(0, 0), default)
    area = screens[0]
    size = default
    if default.width() > area.width() or default.height() > area.height():
        size = default.boundedTo(
            QSize(int(area.width() * FILL_SHARE), int(area.height() * FILL_SHARE))
        )
    rect = QRect(QPoint(0, 0), size)
    rect.moveCenter(area.center())
    return rect


def available_areas(window: QWidget) -> list[QRect]:
    """Every screen's available area (without panels and docks), the window's own first."""
    own = window.screen() or QGuiApplication.primaryScreen()
    screens = [own, *(s for s in QGuiApplication.screens() if s is not own)]
    return [screen.availableGeometry() for screen in screens if screen is not None]


def restore_geometry(window: QWidget, state_file: Path | None) -> None:
    """Put `window` where it was last closed, if that still fits a screen; else fit it."""
    saved: QRect | None = None
    maximized = False
    if state_file is not None and state_file.is_file():
        settings = QSettings(str(state_file), QSettings.Format.IniFormat)
        value = settings.value(_GEOMETRY_KEY)
        saved = value if isinstance(value, QRect) else None
        maximized = str(settings.value(_MAXIMIZED_KEY, "false")).lower() == "true"
    minimum = window.minimumSizeHint()
    areas = available_areas(window)
    rect = fitted(saved, areas)
    if areas:  # what the layout needs comes first, but never more than the screen holds
        rect.setSize(rect.size().expandedTo(minimum.boundedTo(areas[0].size())))
    window.setGeometry(rect)
    if maximized:
        window.setWindowState(window.windowState() | Qt.WindowState.WindowMaximized)


def save_geometry(window: QWidget, state_file: Path) -> None:
    """Keep the window's normal (not maximized) place and whether it was maximized."""
    settings = QSettings(str(state_file), QSettings.Format.IniFormat)
    settings.setValue(_GEOMETRY_KEY, window.normalGeometry())
    settings.setValue(_MAXIMIZED_KEY, window.isMaximized())
    settings.sync()
