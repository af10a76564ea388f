"""A tool card's result as a person reads it first: a sandbox table, a CPU and memory chart or
log lines (`desktop.core.sandboxes.results` decides what the result is; this only paints it)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import assert_never

from PySide6.QtWidgets import QSizePolicy, QVBoxLayout, QWidget

from desktop.core.sandboxes.results import ChartPart, LinesPart, RichPart, TablePart
from desktop.ui.chat.labels import plain_label
from desktop.ui.sandbox_views.chart import MetricsChartWidget
from desktop.ui.sandbox_views.log_lines import LogLinesView
from desktop.ui.sandbox_views.record_table import RecordTableWidget
from desktop.ui.tooltips import plain_tooltip

LOG_ROWS = 8  # lines of a log in sight on a card (the rest scroll)


class RichResultWidget(QWidget):
    """One titled view per part of the result, in order."""

    def __init__(self, parts: Sequence[RichPart], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("toolRichResult")
        self.parts = tuple(parts)
        self.views: list[QWidget] = []
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 2, 0, 2)
        layout.setSpacing(4)
        for part in self.parts:
            title = plain_label(part.title, "toolRichTitle", self)
            title.setToolTip(plain_tooltip(part.title))
            # An id without spaces is cut by the card's width rather than widen the card.
            title.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
            layout.addWidget(title)
            view = self._view(part)
            self.views.append(view)
            layout.addWidget(view)
            if isinstance(part, TablePart) and part.table.left_out:
                note = f"{part.table.left_out:,} more rows are in the raw result."
                layout.addWidget(plain_label(note, "toolRichNote", self))

    def _view(self, part: RichPart) -> QWidget:
        match part:
            case TablePart():
                table = RecordTableWidget("toolResultTable", self, visible_rows=6)
                table.setAccessibleName(part.title)
                table.set_table(part.table)
                return table
            case ChartPart():
                chart = MetricsChartWidget(self, name="toolMetricsChart")
                chart.set_series(part.series)
                return chart
            case LinesPart():
                lines = LogLinesView("toolLogLines", self)
                lines.setAccessibleName(part.title)
                lines.set_lines(part.lines)
                lines.fit(LOG_ROWS)
                return lines
            case _:
                assert_never(part)
