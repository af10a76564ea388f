"""The sandbox list as the faces show it: each sandbox with its running cost, totals per
conversation, and what is wrong with the list, all frozen, computed for one moment."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal

from desktop.core.config.sandbox_rates import SandboxRates
from desktop.core.sandboxes.calls import SandboxError
from desktop.core.sandboxes.meter import RunningTime
from desktop.core.sandboxes.records import Sandbox


@dataclass(frozen=True)
class SandboxRow:
    """One sandbox: E2B's record and what the app counts for it."""

    sandbox: Sandbox
    cost: Decimal  # its running time seen so far, at the rates in settings
    per_hour: Decimal  # what it costs an hour now (0 when paused)
    seconds_left: float | None  # until its TTL ends; None when paused (a live countdown)

    @property
    def sandbox_id(self) -> str:
        return self.sandbox.sandbox_id


@dataclass(frozen=True)
class ConversationSandboxes:
    """The sandboxes one conversation created: how many run, are paused, and their cost."""

    conversation_id: str
    running: int = 0
    paused: int = 0
    cost: Decimal = Decimal(0)  # so far, those killed included (as long as the meter kept them)
    per_hour: Decimal = Decimal(0)


@dataclass(frozen=True)
class SandboxView:
    """The list at `at`: rows newest first, the time it was read, and its last failure.

    `error` is the last refresh's failure (the rows are then those read before, if any);
    `error.kind` is NOT_CONNECTED when E2B must be connected first (offer the Connect Link).
    """

    rows: tuple[SandboxRow, ...] = ()
    at: datetime = field(default_factory=lambda: datetime.now(UTC))
    read_at: datetime | None = None  # None: never read yet
    error: SandboxError | None = None
    unreadable: int = 0  # listed entries that could not be read
    conversations: tuple[ConversationSandboxes, ...] = ()

    @property
    def running(self) -> tuple[SandboxRow, ...]:
        return tuple(row for row in self.rows if row.sandbox.running)

    @property
    def per_hour(self) -> Decimal:
        """What everything running costs an hour now."""
        return sum((row.per_hour for row in self.rows), Decimal(0))

    def row(self, sandbox_id: str) -> SandboxRow | None:
        return next((row for row in self.rows if row.sandbox_id == sandbox_id), None)

    def for_conversation(self, conversation_id: str) -> ConversationSandboxes:
        """What that conversation's sandboxes are and cost ("2 sandboxes running from this
        chat"); all zeros for one that created none."""
        found = (c for c in self.conversations if c.conversation_id == conversation_id)
        return next(found, ConversationSandboxes(conversation_id))


def build_view(
    sandboxes: tuple[Sandbox, ...],
    meter: RunningTime,
    rates: SandboxRates,
    now: float,
    *,
    read_at: float | None,
    error: SandboxError | None = None,
    unreadable: int = 0,
) -> SandboxView:
    moment = datetime.fromtimestamp(now, tz=UTC)
    rows = []
    for box in sorted(sandboxes, key=_newest_first):
        per_hour = rates.per_hour(box.cpu_count, box.memory_mb) if box.running else Decimal(0)
        rows.append(
            SandboxRow(
                box, meter.cost(box.sandbox_id, now, rates), per_hour, box.seconds_left(moment)
            )
        )
    by_conversation: dict[str, ConversationSandboxes] = {}
    for clock in meter.clocks.values():
        if clock.conversation_id is None:
            continue
        tally = by_conversation.get(clock.conversation_id) or ConversationSandboxes(
            clock.conversation_id
        )
        by_conversation[clock.conversation_id] = ConversationSandboxes(
            clock.conversation_id,
            tally.running,
            tally.paused,
            tally.cost + rates.cost(clock.cpu_count, clock.memory_mb, clock.seconds(now)),
            tally.per_hour,
        )
    for row in rows:
        cid = row.sandbox.conversation_id
        if cid is None:
            continue
        tally = by_conversation.get(cid) or ConversationSandboxes(cid)
        by_conversation[cid] = ConversationSandboxes(
            cid,
            tally.running + row.sandbox.running,
            tally.paused + row.sandbox.paused,
            tally.cost,
            tally.per_hour + row.per_hour,
        )
    return SandboxView(
        tuple(rows),
        moment,
        None if read_at is None else datetime.fromtimestamp(read_at, tz=UTC),
        error,
        unreadable,
        tuple(by_conversation.values()),
    )


def _newest_first(box: Sandbox) -> tuple[float, str]:
    started = box.started_at.timestamp() if box.started_at else 0.0
    return (-started, box.sandbox_id)
