"""The window's size and place: restored when it fits a screen, else fitted to the screen it
opens on, and moved back inside it when its layout later grows it past the edge; kept at exit
in a small file of the app's own (`window.ini` in the config folder).

Qt's own `QSettings` writes the file (INI, atomically): the window's place is not a setting the
person edits, so it stays out of `settings.json`.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from PySide6 import QtCore
from PySide6.QtCore import QEvent, QObject, QPoint, QRect, QSettings, QSize
from PySide6.QtGui import QGuiApplication, QResizeEvent
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
    if window.findChild(_KeptOnScreen) is None:
        window.installEventFilter(_KeptOnScreen(window))
    if maximized:
        window.setWindowState(window.windowState() | QtCore.Qt.WindowState.WindowMaximized)


def inside(frame: QRect, area: QRect) -> QPoint:
    """Where `frame` goes to lie inside `area` moved as little as it can (its top left corner
    in `area` when it is larger)."""
    x = max(area.left(), min(frame.left(), area.right() + 1 - frame.width()))
    y = max(area.top(), min(frame.top(), area.bottom() + 1 - frame.height()))
    return QPoint(x, y)


class _KeptOnScreen(QObject):
    """Moves the window back inside its screen when its minimum size grew it past the edge: a
    status that got longer after the window was placed (at 1366x768 and a scale of 2 the
    status bar's words need more than the window was given). A size the person chose, or a
    place they dragged it to, is left alone."""

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if (
            event.type() == QEvent.Type.Resize
            and isinstance(event, QResizeEvent)
            and isinstance(watched, QWidget)
            and _pushed_by_minimum(event, watched.minimumSize())
            and not watched.windowState()
            & (QtCore.Qt.WindowState.WindowMaximized | QtCore.Qt.WindowState.WindowFullScreen)
        ):
            areas = available_areas(watched)
            frame = watched.frameGeometry()
            if areas and not areas[0].contains(frame):
                watched.move(inside(frame, areas[0]))
        return False


def _pushed_by_minimum(event: QResizeEvent, minimum: QSize) -> bool:
    old, new = event.oldSize(), event.size()
    if not old.isValid():
        return False
    wider = new.width() > old.width() and new.width() == minimum.width()
    taller = new.height() > old.height() and new.height() == minimum.height()
    return wider or taller


def save_geometry(window: QWidget, state_file: Path) -> None:
    """Keep the window's normal (not maximized) place and whether it was maximized."""
    settings = QSettings(str(state_file), QSettings.Format.IniFormat)
    settings.setValue(_GEOMETRY_KEY, window.normalGeometry())
    settings.setValue(_MAXIMIZED_KEY, window.isMaximized())
    settings.sync()
