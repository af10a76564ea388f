"""What sandboxes cost: the running time the app has seen, priced at the settings' rates.

E2B bills each second a sandbox runs for the vCPUs and RAM it was given, not what it uses;
paused and killed sandboxes cost nothing (`shared/reference/e2b-tools.md`). The rates are the
user's settings (`config.sandbox_rates.SandboxRates`; E2B's published ones by default).

Running time is what the app observes, an approximation: E2B lists a sandbox's state and when
it started, not when it was paused or resumed. So
- a sandbox first seen running is counted from its `startedAt` (time it spent paused before the
  app first saw it would be counted too);
- a sandbox first seen paused is counted from when it is next seen running;
- a pause, resume or kill the app itself makes (the panel, the terminal, the quit question) is
  counted at the moment it is made; one made elsewhere (the agent, E2B's dashboard, another
  program, the TTL running out) at the refresh that sees it, so each such change may be off by
  up to one refresh interval (30 s while the panel is visible); a sandbox gone from the list
  stops at its end time when that came first;
- what was counted lasts across restarts where the face keeps it (the window, in its database:
  `meter_keeping`): each sandbox resumes as last seen. One seen paused is not charged for the
  time the app was closed, unless it is listed running again, then from that listing on (a
  resume made while the app was closed is one made elsewhere); one seen running is counted as
  running all that time, up to its pause (E2B lists when a paused sandbox stopped) or its end
  time if it is gone; a killed one's cost still counts for its conversation. The terminal keeps
  nothing: after its restart a running sandbox is counted from its `startedAt` again.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from decimal import Decimal
from types import MappingProxyType
from typing import Annotated

from annotated_types import Ge, Le
from pydantic import AllowInfNan

from desktop.core.config.sandbox_rates import SandboxRates
from desktop.core.sandboxes.records import Sandbox

# What a kept clock may hold (`meter_keeping` reads them back): moments (epoch seconds) and
# lengths of time that are finite, not negative and not absurd (before year 2286, under 31
# years: a figure out of these bounds would break the arithmetic of its cost), sizes not negative.
Moment = Annotated[float, Ge(0), Le(1e10), AllowInfNan(False)]
Seconds = Annotated[float, Ge(0), Le(1e9), AllowInfNan(False)]


@dataclass(frozen=True)
class RunClock:
    """One sandbox's running time as observed: `banked` seconds from earlier runs, plus the
    time since `running_since` (epoch seconds) while it runs."""

    sandbox_id: str
    cpu_count: Annotated[int, Ge(0)]
    memory_mb: Annotated[int, Ge(0)]
    conversation_id: str | None
    banked: Seconds = 0.0
    running_since: Moment | None = None
    end_at: Moment | None = None  # when its TTL runs out, as last listed
    gone: bool = False  # killed, or no longer listed

    @property
    def worth_keeping(self) -> bool:
        """Whether it matters after a restart: a gone sandbox's time counts only for the
        conversation that created it."""
        return not self.gone or self.conversation_id is not None

    def seconds(self, now: float) -> float:
        since = self.running_since
        return self.banked + (max(0.0, now - since) if since is not None else 0.0)

    def stopped(self, at: float) -> RunClock:
        """Paused (or ended) at `at`: the run so far is banked."""
        if self.running_since is None:
            return self
        return replace(self, banked=self.seconds(max(at, self.running_since)), running_since=None)

    def started(self, at: float) -> RunClock:
        return self if self.running_since is not None else replace(self, running_since=at)


class RunningTime:
    """The observed running time of every sandbox seen since the app started (and, restored,
    of those seen before).

    Written by one thread (the face's, through `SandboxService`), read from any: each change
    replaces the whole mapping, so a reader (the budget check on the agent's thread) always
    sees one consistent state.
    """

    def __init__(self) -> None:
        self._clocks: Mapping[str, RunClock] = MappingProxyType({})

    @property
    def clocks(self) -> Mapping[str, RunClock]:
        return self._clocks

    def restore(self, clocks: Iterable[RunClock]) -> None:
        """Clocks kept from an earlier run of the app: each resumes as it was, and the next
        listing carries it on (see the module). A sandbox this run has seen already keeps
        what this run saw."""
        merged = dict(self._clocks)
        for clock in clocks:
            merged.setdefault(clock.sandbox_id, clock)
        self._clocks = MappingProxyType(merged)

    def observe(self, sandboxes: Iterable[Sandbox], now: float) -> None:
        """A listing read at `now`: every sandbox the team has, running or paused."""
        clocks = dict(self._clocks)
        listed: set[str] = set()
        for box in sandboxes:
            listed.add(box.sandbox_id)
            end_at = box.end_at.timestamp() if box.end_at else None
            clock = clocks.get(box.sandbox_id)
            if clock is None:
                clock = RunClock(
                    box.sandbox_id, box.cpu_count, box.memory_mb, box.conversation_id, end_at=end_at
                )
                if box.running:
                    started = box.started_at.timestamp() if box.started_at else now
                    clock = clock.started(min(started, now))
            else:
                clock = replace(
                    clock,
                    cpu_count=box.cpu_count,
                    memory_mb=box.memory_mb,
                    end_at=end_at,
                    gone=False,
                )
                # Seen paused: stopped by now, or at its end time if E2B says that came first.
                end = min(now, end_at) if end_at is not None else now
                clock = clock.started(now) if box.running else clock.stopped(end)
            clocks[box.sandbox_id] = clock
        for sandbox_id, clock in clocks.items():
            if sandbox_id not in listed and not clock.gone:
                # Gone from the list: killed, or its time ran out (then it stopped at its end).
                end = min(now, clock.end_at) if clock.end_at is not None else now
                clocks[sandbox_id] = replace(clock.stopped(end), gone=True)
        self._clocks = MappingProxyType(clocks)

    def paused(self, sandbox_id: str, at: float) -> None:
        clock = self._clocks.get(sandbox_id)
        if clock is not None:
            self._set(clock.stopped(at))

    def resumed(self, sandbox_id: str, at: float) -> None:
        clock = self._clocks.get(sandbox_id)
        if clock is not None:
            self._set(replace(clock.started(at), gone=False))

    def killed(self, sandbox_id: str, at: float) -> None:
        clock = self._clocks.get(sandbox_id)
        if clock is not None:
            self._set(replace(clock.stopped(at), gone=True))

    def _set(self, clock: RunClock) -> None:
        self._clocks = MappingProxyType({**self._clocks, clock.sandbox_id: clock})

    def cost(self, sandbox_id: str, now: float, rates: SandboxRates) -> Decimal:
        clock = self._clocks.get(sandbox_id)
        if clock is None:
            return Decimal(0)
        return rates.cost(clock.cpu_count, clock.memory_mb, clock.seconds(now))

    def conversation_cost(self, conversation_id: str, now: float, rates: SandboxRates) -> Decimal:
        """What the sandboxes the conversation created have cost so far, gone ones included."""
        return sum(
            (
                rates.cost(clock.cpu_count, clock.memory_mb, clock.seconds(now))
                for clock in self._clocks.values()
                if clock.conversation_id == conversation_id
            ),
            Decimal(0),
        )
