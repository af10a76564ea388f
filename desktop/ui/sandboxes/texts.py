"""How the panel fits a sandbox's figures into its list: each cell cut and made inert, the
metadata in short with the whole of it in the tooltip. The wording itself is both faces'
(`desktop.core.sandboxes.words`)."""

from __future__ import annotations

from desktop.core.sandboxes.records import Sandbox
from desktop.core.sandboxes.shown import cell
from desktop.core.sandboxes.words import metadata_items

TIP_ITEMS = 20  # a metadata tooltip's most lines


def short_metadata(box: Sandbox) -> str:
    """The metadata cell: its first pair and how many more (`purpose=demo +2`)."""
    items = metadata_items(box)
    if not items:
        return ""
    key, value = items[0]
    more = f" +{len(items) - 1}" if len(items) > 1 else ""
    return f"{cell(f'{key}={value}')}{more}"


def metadata_tip(box: Sandbox) -> str:
    """The metadata cell's tooltip: each pair on its line."""
    items = metadata_items(box)
    lines = [cell(f"{key} = {value}") for key, value in items[:TIP_ITEMS]]
    if len(items) > TIP_ITEMS:
        lines.append(f"… and {len(items) - TIP_ITEMS} more")
    return "\n".join(lines)
