"""What a finished tool call's result is, for its card: a sandbox list, one sandbox, metrics, log
lines or lifecycle events of E2B, read into what the card shows first (the raw JSON stays behind
"Show raw").

The card's text is read (`ToolCallFinished.result_text`, the same live and reloaded), so a card
rebuilt from the store shows what it showed live. A call runs E2B's tool directly (its answer
`{"data", "successful", "error"}`) or inside `COMPOSIO_MULTI_EXECUTE_TOOL` (one answer per tool,
`data.results[i] = {tool_slug, index, response: {successful, data, error}, error}`); each
successful answer of a known slug becomes one part. Anything else, a result that is not JSON (a
result cut at the card's limit) or a shape E2B does not give, has no parts: the card shows the
raw text as before.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from desktop.core.agent.events import ToolAction
from desktop.core.router.types import MULTI_EXECUTE_TOOL
from desktop.core.sandboxes.calls import EVENTS, LIST, LOGS, METRICS, RESUME, listed_items
from desktop.core.sandboxes.records import (
    LifecycleEvent,
    LogLine,
    MetricSample,
    Sandbox,
    read_each,
)
from desktop.core.sandboxes.shown import (
    MAX_ROWS,
    MetricsSeries,
    Table,
    cell,
    event_table,
    log_lines,
    sandbox_fields,
    sandbox_table,
)

# Of a series, a log or events, the last this many entries are read (what is shown is fewer:
# `MAX_POINTS`, `MAX_LINES`, `MAX_ROWS` of them once in order).
READ_AT_MOST = 2_000
GET = "E2B_GET_SANDBOX"
CREATE = "E2B_CREATE_SANDBOX"
ONE_SANDBOX = frozenset({GET, CREATE, RESUME})
MAX_PARTS = 8  # a router call runs up to 50 tools: the card shows the first few richly
_SANDBOX_KEYS = ("sandbox_id", "sandboxID", "sandboxId", "id")


@dataclass(frozen=True)
class TablePart:
    """A sandbox list, one sandbox's fields, or lifecycle events."""

    what: Literal["sandboxes", "sandbox", "events"]
    title: str
    table: Table
    kind: Literal["table"] = "table"


@dataclass(frozen=True)
class ChartPart:
    """CPU and memory samples of one sandbox."""

    title: str
    series: MetricsSeries
    kind: Literal["chart"] = "chart"


@dataclass(frozen=True)
class LinesPart:
    """The last log lines of one sandbox."""

    title: str
    lines: tuple[str, ...]
    kind: Literal["lines"] = "lines"


RichPart = TablePart | ChartPart | LinesPart


def _loaded(text: str) -> Any:
    try:
        return json.loads(text)
    except (ValueError, RecursionError):
        return None


def _answers(
    tool_name: str, data: Any, actions: Sequence[ToolAction]
) -> list[tuple[str, Mapping[str, object], Any]]:
    """(slug, its arguments, its answer's data) of each tool that succeeded in the result."""
    if not isinstance(data, Mapping):
        return []
    if tool_name != MULTI_EXECUTE_TOOL:
        if data.get("successful") is False or data.get("error"):
            return []
        arguments = actions[0].arguments if len(actions) == 1 else {}
        return [(tool_name, arguments, data.get("data", data))]
    inner = data.get("data")
    results = inner.get("results") if isinstance(inner, Mapping) else None
    found = []
    for position, result in enumerate(results if isinstance(results, list) else ()):
        if not isinstance(result, Mapping) or result.get("error"):
            continue
        response = result.get("response")
        if not isinstance(response, Mapping) or response.get("successful") is False:
            continue
        index = result.get("index", position)
        action = actions[index] if isinstance(index, int) and 0 <= index < len(actions) else None
        slug = str(result.get("tool_slug") or (action.slug if action else ""))
        found.append((slug, action.arguments if action else {}, response.get("data")))
    return found


def _sandbox_id(arguments: Mapping[str, object]) -> str:
    for key in _SANDBOX_KEYS:
        value = arguments.get(key)
        if isinstance(value, str) and value:
            return value
    return ""


def _of(arguments: Mapping[str, object]) -> str:
    sandbox_id = _sandbox_id(arguments)
    return f" of sandbox {cell(sandbox_id)}" if sandbox_id else ""


def _part(slug: str, arguments: Mapping[str, object], data: Any, now: datetime) -> RichPart | None:
    if slug == LIST:
        # Read no more than the table shows: each entry read is a validation on the UI
        # thread, and a result can hold 60,000.
        items = listed_items(data, "sandboxes", "data", "items")
        boxes, unreadable = read_each(Sandbox, items[:MAX_ROWS])
        count = len(boxes)
        title = f"{count} sandbox" if count == 1 else f"{count} sandboxes"
        if unreadable:
            title += f" ({unreadable} more could not be read)"
        if len(items) > MAX_ROWS:
            title += f", {len(items) - MAX_ROWS:,} more not read"
        return TablePart("sandboxes", title, sandbox_table(boxes, now))
    if slug in ONE_SANDBOX:
        found, _ = read_each(Sandbox, [data])
        if not found:
            return None
        box = found[0]
        title = f"Sandbox {cell(box.sandbox_id)} ({cell(box.label)})"
        return TablePart("sandbox", title, sandbox_fields(box, now))
    if slug == METRICS:
        samples, _ = read_each(
            MetricSample, listed_items(data, "metrics", "data", "items")[-READ_AT_MOST:]
        )
        return ChartPart(f"CPU and memory{_of(arguments)}", MetricsSeries.of(samples))
    if slug == LOGS:
        lines, _ = read_each(
            LogLine, listed_items(data, "logs", "logEntries", "data")[-READ_AT_MOST:]
        )
        shown = log_lines(lines, now)
        if not shown:
            return LinesPart(f"No log lines{_of(arguments)}", shown)
        lead = "The last log line" if len(shown) == 1 else f"The last {len(shown)} log lines"
        return LinesPart(f"{lead}{_of(arguments)}", shown)
    if slug == EVENTS:
        events, _ = read_each(
            LifecycleEvent, listed_items(data, "events", "data", "items")[-READ_AT_MOST:]
        )
        return TablePart("events", f"Lifecycle{_of(arguments)}", event_table(events, now))
    return None


def rich_parts(
    tool_name: str,
    actions: Sequence[ToolAction],
    result_text: str,
    now: datetime | None = None,
) -> tuple[RichPart, ...]:
    """What the card of a finished call shows before its raw result: one part per E2B answer
    it can read (none: the card shows the raw result only)."""
    if not result_text or not (
        tool_name.startswith("E2B_")
        or (
            tool_name == MULTI_EXECUTE_TOOL
            and any(action.slug.startswith("E2B_") for action in actions)
        )
    ):
        return ()  # no E2B answer in it: its text is not parsed (on the UI thread) for nothing
    moment = now or datetime.now(UTC)
    parts: list[RichPart] = []
    for slug, arguments, data in _answers(tool_name, _loaded(result_text), actions):
        part = _part(slug, arguments, data, moment)
        if part is not None:
            parts.append(part)
        if len(parts) == MAX_PARTS:
            break
    return tuple(parts)
