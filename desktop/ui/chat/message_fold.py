"""How a long message or reply is folded: the start it shows and its "Show all" button."""

from __future__ import annotations

import re

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QPushButton, QWidget

# A message longer than this shows its start; "Show all" opens all of it (QLabel lays out all
# it holds on every resize, and a long unbroken one in quadratic time).
PREVIEW_CHARS = 3_000
PREVIEW_LINES = 60
FULL_VIEW_HEIGHT = 520  # the plain-text view of a whole long message or reply
_LONG_RUN = re.compile(r"\S{80,}")


def fold_preview(text: str) -> tuple[str, bool]:
    """The start of a long message (and True), or all of it (and False)."""
    lines = text.split("\n", PREVIEW_LINES)
    preview = "\n".join(lines[:PREVIEW_LINES])[:PREVIEW_CHARS]
    if len(preview) == len(text):
        return text, False
    # An excerpt only (all of it is a click away): a long run gets break opportunities, else
    # the label shows it as one line, cut at the bubble's edge.
    preview = _LONG_RUN.sub(lambda run: "\u200b".join(_slices(run.group(0), 40)), preview)
    return preview.rstrip() + " …", True


def make_show_all_button(length: int, parent: QWidget) -> QPushButton:
    """The button that opens all of a folded text of `length` characters."""
    button = QPushButton(f"Show all ({length:,} characters)", parent)
    button.setObjectName("showAllButton")
    button.setAccessibleName("Show the whole message")
    button.setCursor(Qt.CursorShape.PointingHandCursor)
    return button


def _slices(text: str, size: int) -> list[str]:
    return [text[start : start + size] for start in range(0, len(text), size)]
