"""The sandbox panel's details of one selected sandbox, as they are shown: its CPU and memory,
its last log lines and its lifecycle events, each read or a sentence saying why not."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from desktop.core.sandboxes.calls import Details, SandboxError
from desktop.core.sandboxes.records import Sandbox
from desktop.core.sandboxes.shown import MetricsSeries, Table, cell, event_table, log_lines

READING = "Reading…"
PAUSED_METRICS = (
    "No CPU or memory figures: E2B does not collect metrics while a sandbox is paused "
    "(resume it to see them)."
)
NO_SAMPLES = "No CPU or memory samples yet: E2B takes one every 5 seconds."
NO_LOGS = "No log lines yet."
NO_EVENTS = "No lifecycle events recorded."


@dataclass(frozen=True)
class DetailsView:
    """What the details area shows; a `*_note` is a sentence shown instead of (or beside) its
    part: why it is missing, or that it is being read."""

    sandbox_id: str
    title: str
    series: MetricsSeries | None = None
    metrics_note: str = READING
    logs: tuple[str, ...] = ()
    logs_note: str = READING
    events: Table | None = None
    events_note: str = READING


def _title(sandbox_id: str, box: Sandbox | None) -> str:
    if box is None:
        return f"Sandbox {cell(sandbox_id)}"
    return f"Sandbox {cell(sandbox_id)} ({cell(box.label)}), {cell(box.state)}"


def reading_view(sandbox_id: str, box: Sandbox | None) -> DetailsView:
    """The details while they are read (the first time for this sandbox)."""
    return DetailsView(sandbox_id, _title(sandbox_id, box))


def details_view(
    sandbox_id: str, details: Details, box: Sandbox | None, now: datetime | None = None
) -> DetailsView:
    """The details read (`SandboxService.details`) as the area shows them."""
    moment = now or datetime.now(UTC)
    series: MetricsSeries | None = None
    match details.metrics:
        case None:
            metrics_note = PAUSED_METRICS
        case SandboxError() as error:
            metrics_note = error.message
        case samples:
            series = MetricsSeries.of(samples)
            metrics_note = "" if series.points else NO_SAMPLES
            if box is not None and box.paused:
                metrics_note = PAUSED_METRICS
    logs: tuple[str, ...] = ()
    if isinstance(details.logs, SandboxError):
        logs_note = details.logs.message
    else:
        logs = log_lines(details.logs, moment)
        logs_note = "" if logs else NO_LOGS
    events: Table | None = None
    if isinstance(details.events, SandboxError):
        events_note = details.events.message
    else:
        events = event_table(details.events, moment)
        events_note = "" if events.rows else NO_EVENTS
    return DetailsView(
        sandbox_id,
        _title(sandbox_id, box),
        series,
        metrics_note,
        logs,
        logs_note,
        events,
        events_note,
    )
