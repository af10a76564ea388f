"""How the panel words a sandbox's figures (the countdown, its chat, its metadata)."""

from __future__ import annotations

from datetime import datetime

from desktop.core.sandboxes.records import Sandbox
from desktop.core.sandboxes.shown import CELL_CHARS as CELL_CHARS
from desktop.core.sandboxes.shown import cell
from desktop.core.sandboxes.shown import metadata_text as metadata_text

NOT_MADE_HERE = "not created by this app"


def cell_text(text: str) -> str:
    """A list cell's text (metadata and templates come from outside, any size): cut to
    `CELL_CHARS`, controls and direction marks written out."""
    return cell(text)


def countdown_text(seconds: float | None) -> str:
    """`34:59` left (`1:02:03` past an hour), `paused`, or `ending` once the TTL ran out."""
    if seconds is None:
        return "paused"
    if seconds <= 0:
        return "ending"
    whole = int(seconds)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def started_text(moment: datetime | None, now: datetime) -> str:
    if moment is None:
        return "?"
    local = moment.astimezone()
    same_day = local.date() == now.astimezone().date()
    return local.strftime("%H:%M" if same_day else "%b %d %H:%M")


def chat_text(box: Sandbox, current: str | None, titles: dict[str, str]) -> str:
    """The conversation that created it, as the panel names it."""
    cid = box.conversation_id
    if cid is None:
        return NOT_MADE_HERE
    if cid == current:
        return "this chat"
    return titles.get(cid, "another chat")


def running_from_chat(running: int) -> str:
    """The conversation header's line: "2 sandboxes running from this chat"."""
    if running == 0:
        return "No sandboxes running from this chat"
    noun = "sandbox" if running == 1 else "sandboxes"
    return f"{running} {noun} running from this chat"
