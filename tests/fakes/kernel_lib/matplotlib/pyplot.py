"""A stand-in for `matplotlib.pyplot`: bar, plot, scatter, titles, `savefig` and `show`.

Figures are drawn into real PNGs (`fake_png`). As in Jupyter's inline backend, `show()` displays
the open figures and closes them, and the kernel displays whatever is still open when a cell
ends (`flush_figures`).
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterable, Sequence
from typing import Any

import fake_png
import workbench_display

_open: list[Figure] = []


def _values(data: object) -> list[Any]:
    if hasattr(data, "tolist"):
        return list(data.tolist())
    if isinstance(data, Iterable) and not isinstance(data, str | bytes):
        return list(data)
    return [data]


class Axes:
    """One plot area: what was drawn on it, drawn into pixels when the figure is saved."""

    def __init__(self) -> None:
        self.series: list[tuple[str, list[Any], list[float], Any, str]] = []
        self.title = ""
        self.xlabel = ""
        self.ylabel = ""

    def _add(self, kind: str, x: object, y: object, color: object, label: object) -> list[Any]:
        ys = [float(v) for v in _values(y)]
        xs = _values(x) if x is not None else list(range(len(ys)))
        self.series.append((kind, xs, ys, color, str(label or "")))
        return [object()]

    def bar(
        self, x: object, height: object, color: object = None, label: object = None, **_: Any
    ) -> list[Any]:
        return self._add("bar", x, height, color, label)

    def plot(
        self,
        x: object,
        y: object = None,
        *_: Any,
        color: object = None,
        label: object = None,
        **__: Any,
    ) -> list[Any]:
        return self._add(
            "line", x if y is not None else None, y if y is not None else x, color, label
        )

    def scatter(
        self, x: object, y: object, color: object = None, label: object = None, **_: Any
    ) -> list[Any]:
        return self._add("scatter", x, y, color, label)

    def set_title(self, text: object, **_: Any) -> None:
        self.title = str(text)

    def set_xlabel(self, text: object, **_: Any) -> None:
        self.xlabel = str(text)

    def set_ylabel(self, text: object, **_: Any) -> None:
        self.ylabel = str(text)

    def legend(self, *_: Any, **__: Any) -> None:
        """Legends are not drawn."""

    def grid(self, *_: Any, **__: Any) -> None:
        """Grids are not drawn."""

    def draw(self, canvas: fake_png.Canvas) -> None:
        width, height = canvas.width, canvas.height
        left, right, top, bottom = width * 0.1, width * 0.95, height * 0.08, height * 0.88
        values = [v for _, _, ys, _, _ in self.series for v in ys] or [0.0]
        low, high = min(0.0, min(values)), max(values)
        span = (high - low) * 1.05 or 1.0

        def y_at(value: float) -> float:
            return bottom - (value - low) / span * (bottom - top)

        for index, (kind, _xs, ys, color, _) in enumerate(self.series):
            rgb = fake_png.color_of(color, index)
            slots = max(len(ys), 1)
            slot = (right - left) / slots
            points = [(left + slot * (i + 0.5), y_at(v)) for i, v in enumerate(ys)]
            if kind == "bar":
                for x, y in points:
                    canvas.rect(x - slot * 0.4, y, x + slot * 0.4, y_at(0.0), rgb)
            elif kind == "line":
                for (x0, y0), (x1, y1) in itertools.pairwise(points):
                    canvas.line(x0, y0, x1, y1, rgb, width=max(2, width // 300))
            else:
                for x, y in points:
                    canvas.rect(x - 3, y - 3, x + 3, y + 3, rgb)
        canvas.line(left, bottom, right, bottom, fake_png.BLACK)
        canvas.line(left, top, left, bottom, fake_png.BLACK)

    def chart(self) -> dict[str, Any]:
        """The chart as data, as E2B's code interpreter describes one."""
        kind = self.series[0][0] if self.series else "unknown"
        elements = [
            {"label": str(x), "value": y, "group": label}
            for _, xs, ys, _, label in self.series
            for x, y in zip(xs, ys, strict=False)
        ]
        return {
            "type": kind,
            "title": self.title,
            "x_label": self.xlabel,
            "y_label": self.ylabel,
            "elements": elements,
        }


class Figure:
    """A figure of one Axes, `figsize` inches at `dpi` dots per inch."""

    def __init__(self, figsize: Sequence[float] = (6.4, 4.8), dpi: float = 100) -> None:
        self.size = (round(figsize[0] * dpi), round(figsize[1] * dpi))
        self.axes = Axes()
        self.suptitle_text = ""

    def __repr__(self) -> str:
        return f"<Figure size {self.size[0]}x{self.size[1]} with 1 Axes>"

    def _repr_png_(self) -> bytes:
        canvas = fake_png.Canvas(*self.size)
        self.axes.draw(canvas)
        return canvas.png()

    def _chart_(self) -> dict[str, Any]:
        return self.axes.chart()

    def savefig(self, fname: object, *_: Any, **__: Any) -> None:
        with open(os.fspath(fname), "wb") as handle:  # type: ignore[arg-type]
            handle.write(self._repr_png_())

    def suptitle(self, text: object, **_: Any) -> None:
        self.suptitle_text = str(text)

    def tight_layout(self, *_: Any, **__: Any) -> None:
        """Layout is fixed."""


def figure(figsize: Sequence[float] = (6.4, 4.8), dpi: float = 100, **_: Any) -> Figure:
    fig = Figure(figsize, dpi)
    _open.append(fig)
    return fig


def subplots(
    *_: Any, figsize: Sequence[float] = (6.4, 4.8), dpi: float = 100, **__: Any
) -> tuple[Figure, Axes]:
    fig = figure(figsize, dpi)
    return fig, fig.axes


def gcf() -> Figure:
    return _open[-1] if _open else figure()


def gca() -> Axes:
    return gcf().axes


def bar(*args: Any, **kwargs: Any) -> list[Any]:
    return gca().bar(*args, **kwargs)


def plot(*args: Any, **kwargs: Any) -> list[Any]:
    return gca().plot(*args, **kwargs)


def scatter(*args: Any, **kwargs: Any) -> list[Any]:
    return gca().scatter(*args, **kwargs)


def title(text: object, **kwargs: Any) -> None:
    gca().set_title(text, **kwargs)


def xlabel(text: object, **kwargs: Any) -> None:
    gca().set_xlabel(text, **kwargs)


def ylabel(text: object, **kwargs: Any) -> None:
    gca().set_ylabel(text, **kwargs)


def savefig(fname: object, *args: Any, **kwargs: Any) -> None:
    gcf().savefig(fname, *args, **kwargs)


def legend(*_: Any, **__: Any) -> None:
    """Legends are not drawn."""


def grid(*_: Any, **__: Any) -> None:
    """Grids are not drawn."""


def xticks(*_: Any, **__: Any) -> None:
    """Ticks are not drawn."""


def yticks(*_: Any, **__: Any) -> None:
    """Ticks are not drawn."""


def tight_layout(*_: Any, **__: Any) -> None:
    """Layout is fixed."""


def close(fig: object = None) -> None:
    if fig is None and _open:
        _open.pop()
    elif fig == "all":
        _open.clear()
    elif fig in _open:
        _open.remove(fig)  # type: ignore[arg-type]


def show(*_: Any, **__: Any) -> None:
    """Display every open figure, then close them (the inline backend's `show`)."""
    flush_figures()


def flush_figures() -> None:
    figures = list(_open)
    _open.clear()
    for fig in figures:
        workbench_display.display(fig)
