"""Whether asking a turn again (regenerate, edit and resend) needs a warning first, and its words.

Asking again deletes the turn, and with it what the agent knows of what that turn did. When its
tool calls changed or destroyed something (any action the consent policy does not count as a
read: a sandbox created, a kill, code run) and ran, or may have (cut off while running, retried
after an error), asking again could do it all a second time. The face then asks before going on,
naming what ran; a turn whose calls only read, or were denied, is asked again at once.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from desktop.core.agent.events import ToolAction, ToolCallStarted
from desktop.core.consent.approvals import STOPPED_NOTE
from desktop.core.consent.policy import Kind, classify
from desktop.core.conversations.transcript import compact_arguments
from desktop.core.store.records import ToolCardRecord, TurnRecord

MAX_LISTED = 5  # actions named one by one; the rest are counted

TITLE = "Actions already ran"
CREATES = "E2B_CREATE_SANDBOX"  # the one a second run of would be plain to see
_MAY_HAVE_RUN = {"interrupted": " (cut off: it may have run)", "retried": " (it may have run)"}


@dataclass(frozen=True)
class RewindWarning:
    """The question to ask before the turn is asked again: `text` names what ran."""

    title: str
    text: str
    detail: str
    ran: tuple[str, ...]  # each action that ran, as its line in `text`


def actions_that_ran(cards: Iterable[ToolCardRecord]) -> list[tuple[ToolAction, ToolCardRecord]]:
    """The actions of these cards that changed or destroyed something and ran (or may have):
    every call but those denied or stopped before anyone decided, and every action but those a
    person left out of a call allowed in part."""
    ran = []
    for card in cards:
        if card.outcome == "denied" or card.consent == STOPPED_NOTE:
            continue
        for index, action in enumerate(card.actions or (ToolAction(card.tool_name),)):
            if index in card.not_run:  # left out by the person: it did not run
                continue
            if classify(action.slug, action.arguments) is not Kind.READS:
                ran.append((action, card))
    return ran


def _line(action: ToolAction, card: ToolCardRecord) -> str:
    started = ToolCallStarted(card.call_id, card.tool_name, {}, (action,))
    arguments = compact_arguments(started)
    failed = " (it failed)" if card.outcome == "failed" else ""
    return f"{action.slug} {arguments}".strip() + _MAY_HAVE_RUN.get(card.outcome, failed)


def rewind_warning(turn: TurnRecord | None, *, edited: bool = False) -> RewindWarning | None:
    """The warning asking `turn` again needs (`edited`: in an edited form), or None when none."""
    if turn is None:
        return None
    ran = tuple(_line(action, card) for action, card in actions_that_ran(turn.tool_cards))
    if not ran:
        return None
    listed = [f"• {line}" for line in ran[:MAX_LISTED]]
    if len(ran) > MAX_LISTED:
        listed.append(f"• and {len(ran) - MAX_LISTED} more")
    one = len(ran) == 1
    replaced = "your edited message replaces" if edited else "you want to regenerate"
    what = "an action" if one else f"{len(ran)} actions"
    text = f"The reply {replaced} already ran {what}:\n" + "\n".join(listed)
    twice = " (a second sandbox, say)" if any(CREATES in line for line in ran) else ""
    stays, they, them = ("It stays", "it", "it") if one else ("They stay", "they", "them")
    detail = (
        f"{stays} done, but asking again deletes that reply: the agent will no longer know "
        f"{they} ran, and may run {them} again{twice}. To build on what ran, cancel and send a "
        "new message instead."
    )
    return RewindWarning(TITLE, text, detail, ran)
