"""Tooltips that show text as text: Qt renders a tooltip that looks like HTML as HTML."""

from __future__ import annotations


def plain_tooltip(text: str) -> str:
    """`text` as a tooltip, escaped and with its line breaks kept ("" for none)."""
    import html  # not before the first paint, which shows no tooltip

    return f"<p style='white-space:pre-wrap'>{html.escape(text)}</p>" if text else ""
