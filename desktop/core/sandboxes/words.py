"""How both faces word a sandbox's figures: when it started, its time left, its metadata, the
chat that created it, and the counts ("2 sandboxes, 1 running: $0.11/hour.", "1 sandbox
running from this chat"). Each face keeps its own words for its controls (buttons, flags)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from desktop.core.agent.sandbox_tag import CONVERSATION_KEY
from desktop.core.money import hourly_text
from desktop.core.sandboxes.records import Sandbox
from desktop.core.sandboxes.view import SandboxView

NOT_MADE_HERE = "not created by this app"
THIS_CHAT = "this chat"
ANOTHER_CHAT = "another chat"  # created by one of the app's conversations no longer listed
PAUSED_LEFT = "paused"  # a paused sandbox's time left: its TTL waits
ENDING = "ending"  # its TTL ran out: E2B stops it any moment


def count_text(count: int, noun: str = "sandbox") -> str:
    """`1 sandbox`, `2 sandboxes`, `3 turns`."""
    plural = noun + ("es" if noun.endswith("x") else "s")
    return f"{count} {noun if count == 1 else plural}"


def started_text(moment: datetime | None, now: datetime) -> str:
    """`14:05` today (local time), `Mar 02 14:05` another day, `?` when E2B did not say."""
    if moment is None:
        return "?"
    local = moment.astimezone()
    same_day = local.date() == now.astimezone().date()
    return local.strftime("%H:%M" if same_day else "%b %d %H:%M")


def countdown_text(seconds: float | None) -> str:
    """A live countdown: `34:59` (`1:02:03` past an hour), `paused`, or `ending`."""
    if seconds is None:
        return PAUSED_LEFT
    if seconds <= 0:
        return ENDING
    whole = int(seconds)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def time_left_text(seconds: float | None) -> str:
    """The time left in words, for a sentence or a table read once: `34 min`, `1 h 02 min`,
    `paused`, or `ending`."""
    if seconds is None:
        return PAUSED_LEFT
    if seconds <= 0:
        return ENDING
    minutes = int(seconds // 60)
    return f"{minutes // 60} h {minutes % 60:02d} min" if minutes >= 60 else f"{minutes} min"


def metadata_items(box: Sandbox) -> list[tuple[str, str]]:
    """Its metadata as E2B keeps it, without the app's own tag (the Chat column says that)."""
    return [(k, v) for k, v in box.metadata.items() if k != CONVERSATION_KEY]


def metadata_text(box: Sandbox) -> str:
    """`purpose=demo, owner=ana`."""
    return ", ".join(f"{k}={v}" for k, v in metadata_items(box))


def chat_text(box: Sandbox, current: str | None, titles: Mapping[str, str]) -> str:
    """The conversation that created it: `this chat` (the one open), another one's title
    (`titles`: the conversations the face knows), or `not created by this app`."""
    cid = box.conversation_id
    if cid is None:
        return NOT_MADE_HERE
    if cid == current:
        return THIS_CHAT
    return titles.get(cid) or ANOTHER_CHAT


def list_summary(view: SandboxView) -> str:
    """`2 sandboxes, 1 running: $0.11/hour.` and how many listed entries could not be read."""
    said = (
        f"{count_text(len(view.rows))}, {len(view.running)} running: {hourly_text(view.per_hour)}."
    )
    return said + (f" {view.unreadable} could not be read." if view.unreadable else "")


def running_from_chat(running: int) -> str:
    """The conversation header's line: `2 sandboxes running from this chat`."""
    if running == 0:
        return "No sandboxes running from this chat"
    return f"{count_text(running)} running from this chat"


def running_cost_text(view: SandboxView) -> str:
    """`$0.11/hour running now`; before the first listing, that none is known yet (never a
    made-up $0.00)."""
    if view.read_at is None:
        return "sandboxes not listed yet"
    return f"{hourly_text(view.per_hour)} running now"
