"""The Qt values the first paint sets by property name are the enums they stand for."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QScrollArea
from pytestqt.qtbot import QtBot

from desktop.ui import qt_values


def test_each_number_is_the_enum_it_stands_for() -> None:
    assert Qt.TextFormat.PlainText.value == qt_values.PLAIN_TEXT
    assert Qt.FocusPolicy.TabFocus.value == qt_values.TAB_FOCUS
    assert Qt.ScrollBarPolicy.ScrollBarAlwaysOff.value == qt_values.SCROLL_BAR_ALWAYS_OFF
    assert Qt.AlignmentFlag.AlignHCenter.value == qt_values.ALIGN_H_CENTER


def test_each_setting_reaches_the_widget(qtbot: QtBot) -> None:
    label = QLabel("<b>not bold</b>")
    qtbot.addWidget(label)
    qt_values.show_as_plain_text(label)
    qt_values.centre_text(label)
    assert label.textFormat() == Qt.TextFormat.PlainText
    assert label.alignment() == Qt.AlignmentFlag.AlignHCenter
    area = QScrollArea()
    qtbot.addWidget(area)
    qt_values.no_horizontal_scroll_bar(area)
    qt_values.focus_by_tab_only(area)
    assert area.horizontalScrollBarPolicy() == Qt.ScrollBarPolicy.ScrollBarAlwaysOff
    assert area.focusPolicy() == Qt.FocusPolicy.TabFocus
