"""What the terminal prints of an agent's tool call in one line: its arguments, compacted, and
the lead of a Connect Link it offers (Composio's own, or a warning for another host)."""

from __future__ import annotations

from collections.abc import Mapping

from desktop.core.agent.connect_links import LinkOffer
from desktop.core.conversations.transcript import toolkit_display_name

MAX_ARGS_SHOWN = 160


def compact(arguments: Mapping[str, object]) -> str:
    """The call's arguments as one line of JSON, cut to `MAX_ARGS_SHOWN` characters."""
    import json

    text = json.dumps(dict(arguments), ensure_ascii=False, separators=(", ", ": "), default=str)
    return text if len(text) <= MAX_ARGS_SHOWN else text[: MAX_ARGS_SHOWN - 1] + "…"


def link_line(offer: LinkOffer) -> str:
    """What a Connect Link asks of the person: the terminal opens no browser, they do."""
    toolkit = toolkit_display_name(offer.toolkit)
    if offer.foreign:
        return (
            f"  Warning: this link to connect {toolkit} goes to {offer.host}, which is not one "
            "of Composio's sites. Open it only if you expected that host:"
        )
    return f"  To connect {toolkit}, open this link in your browser (it goes to {offer.host}):"
