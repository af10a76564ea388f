"""What the sandbox meter has seen, kept where the face keeps things (the window: its database),
so that after a restart each sandbox's running time resumes as it was last seen.

The records are the meter's `RunClock`s as JSON (its TypeAdapter): the store keeps them without
knowing their shape, the meter decides what they are worth. A record that does not read back
(a damaged or hand-edited row) is left out, with a line in the log: that sandbox is counted as
one first seen, and its row is replaced when the meter next sees it.
"""

from __future__ import annotations

import logging
from collections.abc import Collection, Mapping
from typing import Protocol

from pydantic import TypeAdapter, ValidationError

from desktop.core.sandboxes.meter import RunClock

log = logging.getLogger(__name__)

_CLOCK = TypeAdapter(RunClock)


class KeptClocks(Protocol):
    """Where the records live (`AsyncConversationStore`); a failure may raise anything."""

    async def sandbox_clocks(self) -> list[str]: ...
    async def keep_sandbox_clocks(
        self, kept: Mapping[str, str], dropped: Collection[str] = ()
    ) -> None: ...


def clock_to_json(clock: RunClock) -> str:
    return _CLOCK.dump_json(clock).decode()


def clock_from_json(text: str) -> RunClock | None:
    """The clock a record holds; None when it is not one (logged without its content)."""
    try:
        return _CLOCK.validate_json(text)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        log.warning("a kept sandbox clock was left out (%s)", problems or "not JSON")
        return None


class MeterKeeper:
    """Reads the records once, then writes what changed each time it is given the clocks.

    A write that fails is logged and tried again with the next change (the meter in memory
    counts on either way); the records of sandboxes that no longer matter are forgotten.
    """

    def __init__(self, records: KeptClocks) -> None:
        self._records = records
        self._kept: Mapping[str, RunClock] = {}  # as last written (or read)

    async def load(self) -> list[RunClock]:
        """The clocks kept by an earlier run (raises what the records' reading raised)."""
        read = [clock_from_json(text) for text in await self._records.sandbox_clocks()]
        clocks = [clock for clock in read if clock is not None]
        self._kept = {clock.sandbox_id: clock for clock in clocks}
        stale = [clock.sandbox_id for clock in clocks if not clock.worth_keeping]
        if stale:  # a gone sandbox no conversation counts: kept by a write that failed
            await self._write({}, stale)
        return clocks

    async def keep(self, clocks: Mapping[str, RunClock]) -> None:
        """Write the clocks that changed since the last write; never raises for the records."""
        before, self._kept = self._kept, clocks
        changed = [clock for sandbox_id, clock in clocks.items() if before.get(sandbox_id) != clock]
        kept = {c.sandbox_id: clock_to_json(c) for c in changed if c.worth_keeping}
        dropped = [
            c.sandbox_id
            for c in changed
            if not c.worth_keeping and _was_kept(before.get(c.sandbox_id))
        ]
        if kept or dropped:
            await self._write(kept, dropped)

    async def _write(self, kept: Mapping[str, str], dropped: Collection[str]) -> None:
        try:
            await self._records.keep_sandbox_clocks(kept, dropped)
        except BaseException as exc:
            # Not written (or not known to be): written again with the next change.
            self._kept = {i: c for i, c in self._kept.items() if i not in kept and i not in dropped}
            if not isinstance(exc, Exception):
                raise
            log.warning("the sandbox meter's records were not kept", exc_info=True)


def _was_kept(clock: RunClock | None) -> bool:
    return clock is not None and clock.worth_keeping
