"""E2B's records as the window shows them, in the sandbox panel's details and on a tool card
alike: tables of plain strings, a metrics series with its words, log lines.

Everything here came from outside (E2B, or the model that passed it on): each string is cut
(`CELL_CHARS`, `LINE_CHARS`) and made inert (`desktop.core.inert`), and the counts are bounded
(`MAX_POINTS`, `MAX_LINES`, `MAX_ROWS`), so that no answer can stall a widget or disguise itself
as something else. A face only paints what this gives it.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from desktop.core.agent.sandbox_tag import CONVERSATION_KEY
from desktop.core.inert import one_line
from desktop.core.sandboxes.records import LifecycleEvent, LogLine, MetricSample, Sandbox

CELL_CHARS = 300  # a table cell's most (a template, a metadata value, an id)
LINE_CHARS = 1_000  # a log line's most
MAX_LINES = 100  # the last log lines shown
MAX_ROWS = 500  # rows of one table (E2B lists at most 100 sandboxes a page)
MAX_POINTS = 360  # metric samples drawn: 30 minutes of E2B's 5-second samples
MIB = 1024 * 1024
ELLIPSIS = "…"
NOT_KNOWN = "—"


def cut(text: str, most: int) -> str:
    """`text` as one line of at most `most` characters, inert (`core.inert.one_line`)."""
    return one_line(text, most)


def cell(text: object) -> str:
    return cut(str(text), CELL_CHARS)


def moment_text(moment: datetime | None, now: datetime | None = None) -> str:
    """`14:02:05` today (local time), `Mar 03 14:02` another day, `—` when unknown."""
    if moment is None:
        return NOT_KNOWN
    local = moment.astimezone()
    today = (now or datetime.now(UTC)).astimezone().date()
    return local.strftime("%H:%M:%S" if local.date() == today else "%b %d %H:%M")


@dataclass(frozen=True)
class Table:
    """Rows of plain, inert strings under their headers; `left_out` rows were not kept."""

    headers: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    left_out: int = 0


SANDBOX_HEADERS = ("ID", "Template", "State", "Started", "Ends", "vCPU", "RAM", "Metadata")


def metadata_text(box: Sandbox) -> str:
    """Its metadata as `key=value, ...` (the app's own conversation tag left out)."""
    return ", ".join(f"{k}={v}" for k, v in box.metadata.items() if k != CONVERSATION_KEY)


def _sandbox_cells(box: Sandbox, now: datetime | None) -> tuple[str, ...]:
    return tuple(
        map(
            cell,
            (
                box.sandbox_id,
                box.label,
                box.state,
                moment_text(box.started_at, now),
                moment_text(box.end_at, now) if box.running else NOT_KNOWN,
                box.cpu_count or NOT_KNOWN,
                f"{box.memory_mb} MiB" if box.memory_mb else NOT_KNOWN,
                metadata_text(box),
            ),
        )
    )


def sandbox_table(boxes: Sequence[Sandbox], now: datetime | None = None) -> Table:
    """Sandboxes as E2B's CLI lists them, one row each."""
    rows = tuple(_sandbox_cells(box, now) for box in boxes[:MAX_ROWS])
    return Table(SANDBOX_HEADERS, rows, max(0, len(boxes) - MAX_ROWS))


def sandbox_fields(box: Sandbox, now: datetime | None = None) -> Table:
    """One sandbox as a two-column table: each field the answer gave, and its value (a
    create's answer names its id and template only: no rows of dashes)."""
    values = _sandbox_cells(box, now)
    rows = tuple(
        (name, value)
        for name, value in zip(SANDBOX_HEADERS, values, strict=True)
        if value not in (NOT_KNOWN, "")
    )
    if box.made_here:
        rows += (("Created by", "this app"),)
    return Table(("Field", "Value"), rows)


def event_table(events: Iterable[LifecycleEvent], now: datetime | None = None) -> Table:
    """Lifecycle events oldest first: when, and what happened (`created`, `paused`, ...)."""
    ordered = sorted(events, key=lambda event: event.timestamp)
    kept = ordered[-MAX_ROWS:]
    rows = tuple(
        (cell(moment_text(event.timestamp, now)), cell(event.label or event.type or "?"))
        for event in kept
    )
    return Table(("Time", "Event"), rows, len(ordered) - len(kept))


def log_lines(lines: Sequence[LogLine], now: datetime | None = None) -> tuple[str, ...]:
    """The last `MAX_LINES` lines as `14:02:05  info  message`, each cut and inert."""
    return tuple(
        cut(f"{moment_text(line.timestamp, now)}  {line.level}  {line.message}", LINE_CHARS)
        for line in lines[-MAX_LINES:]
    )


@dataclass(frozen=True)
class MetricPoint:
    """One sample as drawn: when (Unix seconds), CPU used (%), memory used and total (MiB)."""

    at: int
    cpu_pct: float
    mem_mib: float
    mem_total_mib: float


def _finite(value: float) -> float:
    return value if math.isfinite(value) else 0.0


@dataclass(frozen=True)
class MetricsSeries:
    """A sandbox's CPU and memory over time (oldest first, at most `MAX_POINTS`)."""

    points: tuple[MetricPoint, ...]
    cpu_count: int = 0

    @classmethod
    def of(cls, samples: Iterable[MetricSample]) -> MetricsSeries:
        ordered = sorted(samples, key=lambda sample: sample.timestamp_unix)[-MAX_POINTS:]
        points = tuple(
            MetricPoint(
                sample.timestamp_unix,
                min(100.0, max(0.0, _finite(sample.cpu_used_pct))),
                max(0.0, sample.mem_used / MIB),
                max(0.0, sample.mem_total / MIB),
            )
            for sample in ordered
        )
        return cls(points, ordered[-1].cpu_count if ordered else 0)

    @property
    def latest(self) -> MetricPoint | None:
        return self.points[-1] if self.points else None

    @property
    def mem_scale_mib(self) -> float:
        """The memory axis' top: the sandbox's memory, or the most used if E2B gave none."""
        most = max((max(p.mem_total_mib, p.mem_mib) for p in self.points), default=0.0)
        return most or 1.0

    def span_text(self) -> str:
        if len(self.points) < 2:
            return "1 sample"
        seconds = self.points[-1].at - self.points[0].at
        span = f"{seconds} s" if seconds < 120 else f"{seconds // 60} min"
        return f"{len(self.points)} samples over {span}"

    def summary(self, now: datetime | None = None) -> str:
        """The latest values in words (the chart's accessible description and tooltip)."""
        last = self.latest
        if last is None:
            return "No CPU or memory samples yet."
        at = moment_text(datetime.fromtimestamp(last.at, tz=UTC), now)
        memory = f"{last.mem_mib:,.0f} MiB"
        if last.mem_total_mib:
            memory += f" of {last.mem_total_mib:,.0f} MiB"
        return f"CPU {last.cpu_pct:.1f} % and memory {memory} used at {at} ({self.span_text()})."
