"""A small chart of a sandbox's CPU and memory over time, drawn with QPainter."""

from __future__ import annotations

from datetime import UTC, datetime

from PySide6.QtCore import QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFontMetrics, QPainter, QPaintEvent, QPalette, QPen, QPolygonF
from PySide6.QtWidgets import QSizePolicy, QWidget

from desktop.core.sandboxes.shown import MetricPoint, MetricsSeries, moment_text

CPU_COLOUR = QColor("#2457d6")
MEMORY_COLOUR = QColor("#c2660a")
GRID_COLOUR = QColor("#e4e7eb")
CHART_HEIGHT = 150
RIGHT_MIDDLE = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
LEFT_MIDDLE = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter


def _mib(value: float) -> str:
    return f"{value / 1024:.1f} GiB" if value >= 10 * 1024 else f"{value:,.0f} MiB"


class MetricsChartWidget(QWidget):
    """CPU % (left axis, blue) and memory used (right axis, orange, up to the sandbox's
    memory) against time; the latest values in words as its tooltip and accessible
    description."""

    def __init__(self, parent: QWidget | None = None, *, name: str = "sandboxMetricsChart") -> None:
        super().__init__(parent)
        self.setObjectName(name)
        self.setAccessibleName("CPU and memory chart")
        self.setMinimumHeight(CHART_HEIGHT - 30)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.series = MetricsSeries(())
        self.set_series(self.series)

    def sizeHint(self) -> QSize:
        return QSize(420, CHART_HEIGHT)

    def set_series(self, series: MetricsSeries) -> None:
        self.series = series
        words = series.summary()
        self.setToolTip(words)
        self.setAccessibleDescription(words)
        self.update()

    @property
    def points(self) -> tuple[MetricPoint, ...]:
        return self.series.points

    # -- painting ----------------------------------------------------------------------------
    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        font = painter.font()
        font.setPointSizeF(max(7.0, font.pointSizeF() - 1))
        painter.setFont(font)
        metrics = QFontMetrics(font)
        text = self.palette().color(QPalette.ColorRole.Text)
        muted = self.palette().color(QPalette.ColorRole.PlaceholderText)
        line = metrics.height()
        scale = self.series.mem_scale_mib
        left = metrics.horizontalAdvance("100 %") + 8
        right = metrics.horizontalAdvance(_mib(scale)) + 8
        plot = QRectF(left, line + 8, self.width() - left - right, self.height() - 2 * line - 14)
        if plot.width() < 20 or plot.height() < 20:
            painter.end()
            return
        self._legend(painter, metrics, text)
        painter.setPen(QPen(GRID_COLOUR, 1))
        for fraction in (0.0, 0.5, 1.0):
            y = plot.bottom() - fraction * plot.height()
            painter.drawLine(QPointF(plot.left(), y), QPointF(plot.right(), y))
        painter.setPen(muted)
        for fraction, label in ((0.0, "0 %"), (0.5, "50 %"), (1.0, "100 %")):
            y = plot.bottom() - fraction * plot.height()
            box = QRectF(0, y - line / 2, left - 6, line)
            painter.drawText(
                box, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, label
            )
        for fraction in (0.0, 1.0):
            y = plot.bottom() - fraction * plot.height()
            box = QRectF(plot.right() + 6, y - line / 2, right, line)
            label = _mib(fraction * scale) if fraction else "0"
            painter.drawText(box, LEFT_MIDDLE, label)
        points = self.series.points
        if not points:
            painter.drawText(plot, Qt.AlignmentFlag.AlignCenter, "No samples")
            painter.end()
            return
        first, last = points[0].at, points[-1].at
        span = max(1, last - first)
        for at, align in (
            (first, Qt.AlignmentFlag.AlignLeft),
            (last, Qt.AlignmentFlag.AlignRight),
        ):
            box = QRectF(plot.left(), plot.bottom() + 4, plot.width(), line)
            when = moment_text(datetime.fromtimestamp(at, tz=UTC))
            painter.drawText(box, align | Qt.AlignmentFlag.AlignTop, when)

        def x(point: MetricPoint) -> float:
            if len(points) == 1:
                return plot.center().x()
            return plot.left() + (point.at - first) / span * plot.width()

        cpu = [p.cpu_pct / 100 for p in points]
        memory = [p.mem_mib / scale for p in points]
        for colour, values in ((MEMORY_COLOUR, memory), (CPU_COLOUR, cpu)):
            spots = [
                QPointF(x(p), plot.bottom() - min(1.0, v) * plot.height())
                for p, v in zip(points, values, strict=True)
            ]
            painter.setPen(QPen(colour, 2))
            if len(spots) == 1:
                painter.setBrush(colour)
                painter.drawEllipse(spots[0], 2.5, 2.5)
                painter.setBrush(Qt.BrushStyle.NoBrush)
            else:
                painter.drawPolyline(QPolygonF(spots))
        painter.end()

    def _legend(self, painter: QPainter, metrics: QFontMetrics, text: QColor) -> None:
        last = self.series.latest
        cpu = f"CPU {last.cpu_pct:.1f} %" if last else "CPU"
        memory = "Memory"
        if last:
            memory = f"Memory {_mib(last.mem_mib)}"
            if last.mem_total_mib:
                memory += f" of {_mib(last.mem_total_mib)}"
        x = 2.0
        for colour, label in ((CPU_COLOUR, cpu), (MEMORY_COLOUR, memory)):
            painter.fillRect(QRectF(x, 4 + metrics.height() / 2 - 4, 10, 8), colour)
            painter.setPen(text)
            painter.drawText(QPointF(x + 14, 2 + metrics.ascent()), label)
            x += 14 + metrics.horizontalAdvance(label) + 16
