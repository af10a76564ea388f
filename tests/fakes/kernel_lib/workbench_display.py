"""What a cell displayed (IPython's `display`, a chart's `show()`), collected by the fake kernel."""

from __future__ import annotations

import base64
from typing import Any

shown: list[dict[str, Any]] = []
"""The rich outputs of the cell that runs, in order; the kernel empties it before each cell."""


def rich_output(value: object) -> dict[str, Any]:
    """`value` as a Jupyter output bundle: text/plain always, a PNG and HTML when it has them."""
    bundle: dict[str, Any] = {"text": repr(value)}
    png = getattr(value, "_repr_png_", None)
    if callable(png):
        bundle["png"] = base64.b64encode(png()).decode("ascii")
    html = getattr(value, "_repr_html_", None)
    if callable(html):
        bundle["html"] = html()
    chart = getattr(value, "_chart_", None)
    if callable(chart):
        bundle["chart"] = chart()
    return bundle


def display(*values: object) -> None:
    """IPython's `display(...)`: each value becomes a rich output of the cell."""
    for value in values:
        shown.append(rich_output(value))
