"""The sandbox panel's details area: for the one selected sandbox, its CPU and memory chart,
its last log lines and its lifecycle events, read off the window's thread.

`SandboxDetailsWidget` paints a `DetailsView` (`desktop.core.sandboxes.details`);
`DetailsFollower` asks the service for the details of the selected sandbox when the selection
changes and after each new listing, at most once per sandbox per listing (one metrics call per
selected sandbox per refresh), and never while the panel is hidden.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from datetime import datetime
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Qt
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QSizePolicy, QVBoxLayout, QWidget

from desktop.core.sandboxes.details import DetailsView, details_view, reading_view
from desktop.core.sandboxes.service import SandboxService
from desktop.core.sandboxes.view import SandboxView
from desktop.ui.sandbox_views.chart import MetricsChartWidget
from desktop.ui.sandbox_views.log_lines import LogLinesView
from desktop.ui.sandbox_views.record_table import RecordTableWidget
from desktop.ui.tooltips import plain_tooltip

if TYPE_CHECKING:
    from desktop.ui.sandboxes.panel import SandboxPanel

NONE_SELECTED = "Select a sandbox to see its CPU and memory, its last log lines and its events."
SEVERAL_SELECTED = "Several sandboxes are selected: select one to see its details."


def _label(name: str, text: str = "", *, wrap: bool = True) -> QLabel:
    label = QLabel(text)
    label.setObjectName(name)
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setWordWrap(wrap)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    # An id without spaces (any length, from outside) is cut by the dock's width, not widen it.
    label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
    return label


def _section(title: str) -> QLabel:
    label = _label("sandboxDetailsSection", title, wrap=False)
    font = label.font()
    font.setBold(True)
    label.setFont(font)
    return label


class SandboxDetailsWidget(QFrame):
    """What one sandbox does: a chart, log lines and events, or a sentence for each."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("sandboxDetails")
        self.setAccessibleName("Details of the selected sandbox")
        self.view: DetailsView | None = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 4, 0, 0)
        layout.setSpacing(4)
        self.hint_label = _label("sandboxDetailsHint", NONE_SELECTED)
        self.title_label = _label("sandboxDetailsTitle")
        font = self.title_label.font()
        font.setBold(True)
        self.title_label.setFont(font)
        self.chart = MetricsChartWidget(self)
        self.metrics_note = _label("sandboxMetricsNote")
        self.logs = LogLinesView("sandboxLogs", self)
        self.logs_note = _label("sandboxLogsNote")
        self.events = RecordTableWidget("sandboxEvents", self, visible_rows=5)
        self.events.setAccessibleName("Lifecycle events")
        self.events_note = _label("sandboxEventsNote")
        self.body = QWidget(self)
        body = QVBoxLayout(self.body)
        body.setContentsMargins(0, 0, 0, 0)
        body.setSpacing(4)
        body.addWidget(self.title_label)
        body.addWidget(_section("CPU and memory"))
        body.addWidget(self.chart)
        body.addWidget(self.metrics_note)
        lower = QHBoxLayout()
        lower.setSpacing(8)
        for stretch, title, view, note in (
            (3, "Last log lines", self.logs, self.logs_note),
            (2, "Lifecycle events", self.events, self.events_note),
        ):
            column = QVBoxLayout()
            column.setSpacing(4)
            column.addWidget(_section(title))
            column.addWidget(view, 1)
            column.addWidget(note)
            lower.addLayout(column, stretch)
        body.addLayout(lower, 1)
        layout.addWidget(self.hint_label)
        layout.addWidget(self.body, 1)
        self.show_hint(NONE_SELECTED)

    def show_hint(self, text: str) -> None:
        """No single sandbox selected: say how to see details."""
        self.view = None
        self.hint_label.setText(text)
        self.hint_label.show()
        self.body.hide()

    def show_details(self, view: DetailsView) -> None:
        self.view = view
        self.hint_label.hide()
        self.body.show()
        self.title_label.setText(view.title)
        self.title_label.setToolTip(plain_tooltip(view.title))
        series = view.series
        self.chart.setVisible(series is not None and bool(series.points))
        if series is not None:
            self.chart.set_series(series)
        for note, text in (
            (self.metrics_note, view.metrics_note),
            (self.logs_note, view.logs_note),
            (self.events_note, view.events_note),
        ):
            note.setText(text)
            note.setVisible(bool(text))
        self.logs.set_lines(view.logs)
        self.logs.setVisible(bool(view.logs))
        if view.events is not None:
            self.events.set_table(view.events)
        self.events.setVisible(view.events is not None and bool(view.events.rows))


Run = Callable[[Coroutine[Any, Any, None]], None]


class DetailsFollower(QObject):
    """Keeps the panel's details area on the one selected sandbox (see the module)."""

    def __init__(self, service: SandboxService, panel: SandboxPanel, run: Run) -> None:
        super().__init__(panel)
        self.service = service
        self.panel = panel
        self.widget: SandboxDetailsWidget = panel.details
        self._run = run
        self._read_at: datetime | None = None
        self._asked: tuple[str, datetime | None] | None = None  # the last details asked for
        self.calls = 0  # details asked of the service (for tests)
        panel.list.itemSelectionChanged.connect(self.follow)
        panel.view_shown.connect(self._on_panel_view_shown)

    def _on_panel_view_shown(self, view: SandboxView) -> None:
        self._read_at = view.read_at
        self.follow()

    def follow(self) -> None:
        ids = self.panel.selected_ids()
        if len(ids) != 1:
            self._asked = None
            self.widget.show_hint(SEVERAL_SELECTED if ids else NONE_SELECTED)
            return
        if not self.panel.isVisible():
            return
        key = (ids[0], self._read_at)
        if key == self._asked:  # asked for this listing already (or being read)
            return
        self._asked = key
        shown = self.widget.view
        if shown is None or shown.sandbox_id != ids[0]:
            self.widget.show_details(reading_view(ids[0], self.service.sandbox(ids[0])))
        self.calls += 1
        self._run(self._read(ids[0]))

    async def _read(self, sandbox_id: str) -> None:
        details = await self.service.details(sandbox_id)
        if self.panel.selected_ids() != [sandbox_id]:  # the selection moved on meanwhile
            return
        box = self.service.sandbox(sandbox_id)
        self.widget.show_details(details_view(sandbox_id, details, box))
