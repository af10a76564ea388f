"""Leaving sandboxes behind: what quitting asks about the sandboxes this app created that are
still running (they cost by the second after the app is gone), and what each answer does.

The question names how many run and what they cost an hour; the answers are Keep running,
Pause all (memory and files kept, nothing billed) and Kill all (gone for good). The user can
make an answer the rule (`Settings.sandboxes_at_quit`): then quitting does it without asking.
"Created by this app" means carrying the app's tag (`agent.sandbox_tag`), whichever of its
conversations, in this run or an earlier one, created it.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from desktop.core.config.settings import QuitChoice
from desktop.core.money import hourly_text
from desktop.core.sandboxes.calls import SandboxError
from desktop.core.sandboxes.records import Sandbox
from desktop.core.sandboxes.view import SandboxView
from desktop.core.sandboxes.words import count_text


class LeaveChoice(StrEnum):
    KEEP = "keep"
    PAUSE = "pause"
    KILL = "kill"


CHOICE_LABELS = {
    LeaveChoice.KEEP: "Keep running",
    LeaveChoice.PAUSE: "Pause all",
    LeaveChoice.KILL: "Kill all",
}


@dataclass(frozen=True)
class LeaveQuestion:
    """The sandboxes the app created that still run, and what they cost an hour together."""

    sandboxes: tuple[Sandbox, ...]
    per_hour: Decimal
    stale: str = ""  # why the list it comes from could not be read again, if it could not

    @property
    def count(self) -> int:
        return len(self.sandboxes)

    @property
    def text(self) -> str:
        verb = "is" if self.count == 1 else "are"
        asked = (
            f"{count_text(self.count)} this app created {verb} still running "
            f"({hourly_text(self.per_hour)} while {'it runs' if self.count == 1 else 'they run'})."
        )
        if self.stale:
            return f"{asked} This is from the last list read: {self.stale}."
        return asked


def leave_question(view: SandboxView) -> LeaveQuestion | None:
    """What to ask at quit, or None when none of the app's sandboxes runs."""
    rows = [row for row in view.running if row.sandbox.made_here]
    if not rows:
        return None
    per_hour = sum((row.per_hour for row in rows), Decimal(0))
    return LeaveQuestion(tuple(row.sandbox for row in rows), per_hour)


def remembered_choice(setting: QuitChoice) -> LeaveChoice | None:
    """The answer the user made the rule, or None when quitting asks."""
    return None if setting == "ask" else LeaveChoice(setting)


@dataclass(frozen=True)
class LeaveOutcome:
    """What an answer did: the sandboxes paused or killed, and those that failed, why."""

    choice: LeaveChoice
    done: tuple[str, ...] = ()
    failed: tuple[SandboxError, ...] = ()

    @property
    def text(self) -> str:
        if self.choice is LeaveChoice.KEEP:
            return f"Left {count_text(len(self.done))} running."
        verb = "Paused" if self.choice is LeaveChoice.PAUSE else "Killed"
        return done_text(verb, self.done, self.failed)


@dataclass(frozen=True)
class ResumeOutcome:
    """What resuming several did: the sandboxes resumed, and those that failed, why."""

    done: tuple[str, ...] = ()
    failed: tuple[SandboxError, ...] = ()

    @property
    def text(self) -> str:
        return done_text("Resumed", self.done, self.failed)


def done_text(verb: str, done: tuple[str, ...], failed: tuple[SandboxError, ...]) -> str:
    """ "Paused 2 sandboxes." and each failure's own sentence after it."""
    return " ".join([f"{verb} {count_text(len(done))}.", *(error.message for error in failed)])
