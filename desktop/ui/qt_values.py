"""Qt settings the window's first paint makes without the `Qt` namespace.

The first use of `PySide6.QtCore.Qt` (an import of it is a use) builds its ~100 Python enums,
`Qt.Key` alone with ~450 members: 12 ms of a start that paints in about 0.15 s. The widgets the
first paint shows set their few `Qt` values here instead, by Qt property name, which Qt converts
from the enum's number itself; everything after the paint uses `Qt` as usual. Each number is
checked against the real enum by tests/ui/test_qt_values.py, and tests/integration/
test_first_paint_imports.py checks that painting the first window leaves `Qt` unbuilt.
"""

from __future__ import annotations

from PySide6.QtWidgets import QAbstractScrollArea, QLabel, QWidget

PLAIN_TEXT = 0  # Qt.TextFormat.PlainText
TAB_FOCUS = 0x1  # Qt.FocusPolicy.TabFocus
SCROLL_BAR_ALWAYS_OFF = 1  # Qt.ScrollBarPolicy.ScrollBarAlwaysOff
ALIGN_H_CENTER = 0x4  # Qt.AlignmentFlag.AlignHCenter


def show_as_plain_text(label: QLabel) -> None:
    """Text as text: Qt would otherwise guess and render what looks like HTML."""
    label.setProperty("textFormat", PLAIN_TEXT)


def focus_by_tab_only(widget: QWidget) -> None:
    """Tab reaches it; a click does not take the keyboard focus from where it is."""
    widget.setProperty("focusPolicy", TAB_FOCUS)


def no_horizontal_scroll_bar(area: QAbstractScrollArea) -> None:
    area.setProperty("horizontalScrollBarPolicy", SCROLL_BAR_ALWAYS_OFF)


def centre_text(label: QLabel) -> None:
    label.setProperty("alignment", ALIGN_H_CENTER)
