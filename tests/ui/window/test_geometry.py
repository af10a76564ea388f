"""The window's place (issue 10, item 18): fitted to the screen, kept, restored only if it fits."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QRect, QSize
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from desktop.ui.window.geometry import DEFAULT_SIZE, fitted, restore_geometry, save_geometry
from desktop.ui.window.shell import WindowShell

LAPTOP = QRect(0, 0, 1366, 768)  # a common small screen
BIG = QRect(1366, 0, 2560, 1440)  # a second one, right of it


def test_the_default_size_is_kept_where_it_fits_and_centred() -> None:
    rect = fitted(None, [BIG])
    assert rect.size() == DEFAULT_SIZE
    assert BIG.contains(rect) and rect.center() == BIG.center()


def test_on_a_small_screen_the_default_shrinks_to_fit() -> None:
    rect = fitted(None, [LAPTOP])
    assert LAPTOP.contains(rect), rect
    assert rect.width() == DEFAULT_SIZE.width()  # 1180 fits across
    assert rect.height() < LAPTOP.height()  # 780 does not fit in 768: the status bar was off
    scaled = QRect(0, 0, 683, 384)  # the same screen at a scale factor of 2
    assert scaled.contains(fitted(None, [scaled]))


def test_a_saved_place_is_restored_only_if_it_fits_a_screen() -> None:
    on_big = QRect(1500, 100, 1400, 900)
    assert fitted(on_big, [LAPTOP, BIG]) == on_big  # on the second screen: kept there
    gone = QRect(4000, 100, 1400, 900)  # that screen was unplugged
    assert fitted(gone, [LAPTOP]) == fitted(None, [LAPTOP])
    too_big = QRect(0, 0, 1900, 1000)  # saved on a bigger screen than this one
    assert LAPTOP.contains(fitted(too_big, [LAPTOP]))
    assert fitted(QRect(), [LAPTOP]) == fitted(None, [LAPTOP])


def test_the_place_is_kept_in_the_state_file_and_restored(
    qtbot: QtBot, styled_app: QApplication, tmp_path: Path
) -> None:
    state = tmp_path / "config" / "window.ini"
    state.parent.mkdir()
    first = WindowShell.build(state).window
    qtbot.addWidget(first)
    area = QGuiApplication.primaryScreen().availableGeometry()
    assert area.contains(first.geometry())  # fitted, nothing saved yet
    place = QRect(area.x() + 10, area.y() + 20, 640, 480)
    first.setGeometry(place)
    save_geometry(first, state)
    assert state.is_file()

    second = WindowShell.build(state).window
    qtbot.addWidget(second)
    assert second.geometry() == place

    state.write_text("[window]\ngeometry=@Rect(9000 9000 640 480)\nmaximized=false\n")
    third = WindowShell.build(state).window
    qtbot.addWidget(third)
    assert area.contains(third.geometry()) and third.geometry() != QRect(9000, 9000, 640, 480)


def test_a_damaged_state_file_is_ignored(
    qtbot: QtBot, styled_app: QApplication, tmp_path: Path
) -> None:
    state = tmp_path / "window.ini"
    state.write_bytes(b"\xff\xfe[window]\ngeometry=nonsense\nmaximized=perhaps\n\x00")
    window = WindowShell.build(state).window
    qtbot.addWidget(window)
    area = QGuiApplication.primaryScreen().availableGeometry()
    assert area.contains(window.geometry())
    assert not window.isMaximized()
    restore_geometry(window, tmp_path / "missing.ini")
    assert window.size().boundedTo(area.size()) == window.size()
    assert window.minimumSizeHint().width() <= QSize(683, 384).width()


def test_a_window_its_layout_grows_past_the_edge_moves_back_inside(
    qtbot: QtBot, styled_app: QApplication
) -> None:
    """At 1366x768 and a scale of 2 the status bar's words grew after the window was placed
    (its minimum with them) and pushed its right edge off the screen."""
    window = WindowShell.build(None).window
    qtbot.addWidget(window)
    restore_geometry(window, None)  # twice: still one filter
    area = QGuiApplication.primaryScreen().availableGeometry()
    width = window.minimumSizeHint().width() + 20
    window.resize(width, 300)
    window.show()
    qtbot.waitUntil(window.isVisible)
    frame = window.frameGeometry()
    window.move(area.right() + 1 - frame.width(), area.y() + 10)  # its frame at the right edge
    qtbot.waitUntil(lambda: window.frameGeometry().right() == area.right())
    top = window.frameGeometry().top()
    status = window.status_bar.connection
    status.setMinimumWidth(status.width() + 60)  # longer words, as "connecting…" are
    qtbot.waitUntil(lambda: window.width() > width)
    assert area.contains(window.frameGeometry()), (window.frameGeometry(), area)
    assert window.frameGeometry().right() == area.right()  # moved across as little as it can
    assert window.frameGeometry().top() == top
    # A place the person chose is theirs: a window dragged half off the screen stays there.
    window.move(area.right() - 100, top)
    qtbot.waitUntil(lambda: window.frameGeometry().left() == area.right() - 100)
    wider = window.width() + 10
    window.resize(wider, window.height())
    qtbot.waitUntil(lambda: window.width() == wider)
    assert window.frameGeometry().left() == area.right() - 100
