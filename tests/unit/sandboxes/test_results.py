"""What a tool card's result is (a sandbox list, one sandbox, metrics, logs, events), read from
the very text a card gets: the emulator's answers through the router's MCP connection (direct
E2B tools and inside COMPOSIO_MULTI_EXECUTE_TOOL), pretty-printed as the agent's results are."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from typing import Any

import pytest

from desktop.core.agent.events import ToolAction
from desktop.core.agent.tool_calls import RESULT_TEXT_LIMIT, result_text
from desktop.core.sandboxes.results import ChartPart, LinesPart, TablePart, rich_parts
from desktop.core.sandboxes.shown import CELL_CHARS, LINE_CHARS, SANDBOX_HEADERS, MetricsSeries
from tests.fakes.e2b_emulator import SEED_PAUSED_ID, SEED_RUNNING_ID, E2BEmulator
from tests.fakes.harness import FakeServices
from tests.integration.chat_helpers import run, session_for

MULTI = "COMPOSIO_MULTI_EXECUTE_TOOL"
BOX = {"sandbox_id": SEED_RUNNING_ID}
TOOLS = [
    ("E2B_LIST_ALL_SANDBOXES", {}),
    ("E2B_GET_SANDBOX_METRICS", BOX),
    ("E2B_GET_SANDBOX_LOGS", BOX),
    ("E2B_GET_SANDBOX", BOX),
    ("E2B_GET_SANDBOX_LIFECYCLE_EVENTS", {"sandbox_id": SEED_PAUSED_ID}),
]


def _card_text(services: FakeServices, name: str, arguments: dict[str, Any]) -> str:
    """The result text a card of this call shows (what the router answered, as the agent
    pretty-prints it)."""

    async def call() -> Any:
        session = session_for(services)
        try:
            return await session.call_tool(name, arguments, 30.0)
        finally:
            await session.aclose()

    return result_text(run(call()))


def _multi(services: FakeServices, tools: list[tuple[str, dict[str, Any]]]) -> str:
    arguments = {
        "tools": [{"tool_slug": slug, "arguments": args} for slug, args in tools],
        "sync_response_to_workbench": False,
    }
    return _card_text(services, MULTI, arguments)


def _actions(tools: list[tuple[str, dict[str, Any]]]) -> tuple[ToolAction, ...]:
    return tuple(ToolAction(slug, args) for slug, args in tools)


def test_a_multi_execute_result_is_read_part_by_part(fake_services: FakeServices) -> None:
    text = _multi(fake_services, TOOLS)
    listed, chart, lines, one, events = rich_parts(MULTI, _actions(TOOLS), text)

    assert isinstance(listed, TablePart) and listed.what == "sandboxes"
    assert listed.title == "2 sandboxes" and listed.table.headers == SANDBOX_HEADERS
    emulator = fake_services.e2b.sandboxes()
    assert [row[:3] for row in listed.table.rows] == [
        (box["sandboxID"], box["alias"], box["state"])
        for box in sorted(emulator, key=lambda b: b["startedAt"], reverse=True)
    ]
    assert "purpose=demo" in listed.table.rows[0]

    assert (
        isinstance(chart, ChartPart)
        and chart.title == f"CPU and memory of sandbox {BOX['sandbox_id']}"
    )
    last = chart.series.points[-1].at
    samples = fake_services.e2b.sandbox_metrics(SEED_RUNNING_ID, last)
    assert [(p.at, p.cpu_pct, p.mem_mib * 1024 * 1024) for p in chart.series.points] == [
        (s["timestampUnix"], s["cpuUsedPct"], s["memUsed"]) for s in samples
    ]

    assert isinstance(lines, LinesPart) and lines.lines[0].endswith("info  Sandbox created")
    assert lines.title == f"The last log line of sandbox {SEED_RUNNING_ID}"

    assert isinstance(one, TablePart) and one.what == "sandbox"
    fields = dict(one.table.rows)
    assert fields["ID"] == SEED_RUNNING_ID and fields["RAM"] == "512 MiB"
    assert "envd" not in json.dumps(one.table.rows)  # its access token is not shown

    assert isinstance(events, TablePart) and events.what == "events"
    assert [row[1] for row in events.table.rows] == ["created", "paused"]  # oldest first


def test_a_direct_tool_result_and_a_created_sandbox(fake_services: FakeServices) -> None:
    # A session of direct tools (not the app's) answers E2B's tool itself: `{data, ...}`.
    answer = fake_services.e2b.execute("E2B_LIST_ALL_SANDBOXES", {}).as_response()
    only = _actions([("E2B_LIST_ALL_SANDBOXES", {})])
    (listed,) = rich_parts("E2B_LIST_ALL_SANDBOXES", only, result_text(json.dumps(answer)))
    assert isinstance(listed, TablePart) and len(listed.table.rows) == 2

    create = [("E2B_CREATE_SANDBOX", {"templateID": "base"})]
    (made,) = rich_parts(MULTI, _actions(create), _multi(fake_services, create))
    assert isinstance(made, TablePart) and made.what == "sandbox"
    new = {b["sandboxID"] for b in fake_services.e2b.sandboxes()} - {
        SEED_RUNNING_ID,
        SEED_PAUSED_ID,
    }
    assert dict(made.table.rows)["ID"] == new.pop()


def test_failures_and_other_results_have_no_parts(fake_services: FakeServices) -> None:
    gone = [("E2B_GET_SANDBOX_METRICS", {"sandbox_id": "inosuchsandbox000000"})]
    assert rich_parts(MULTI, _actions(gone), _multi(fake_services, gone)) == ()
    health = [("E2B_CHECK_API_HEALTH", {})]
    assert rich_parts(MULTI, _actions(health), _multi(fake_services, health)) == ()
    assert rich_parts("COMPOSIO_SEARCH_TOOLS", (), '{"data": {"results": []}}') == ()
    assert rich_parts(MULTI, (), "not json {") == ()
    assert rich_parts(MULTI, (), "") == ()


def test_hostile_values_stay_inert_and_bounded(
    fake_services_factory: Any,
) -> None:
    hostile = "\x1b]52;c;ZXZpbA==\x07\u202e<a href='http://evil.example'>x</a>" + "w" * 5_000
    services = fake_services_factory(
        seed=[{"sandboxID": "ihostile000000000001", "metadata": {"note": hostile}}]
    )
    services.e2b.add_log("ihostile000000000001", hostile)
    box = {"sandbox_id": "ihostile000000000001"}
    tools = [("E2B_LIST_ALL_SANDBOXES", {}), ("E2B_GET_SANDBOX_LOGS", box)]
    listed, lines = rich_parts(MULTI, _actions(tools), _multi(services, tools))
    assert isinstance(listed, TablePart) and isinstance(lines, LinesPart)
    (row,) = listed.table.rows
    for text in (row[-1], lines.lines[-1]):
        assert "\x1b" not in text and "\u202e" not in text and "\x07" not in text
        assert "<a href='http://evil.example'>" in text  # shown as text, never as a link
    assert len(row[-1]) <= CELL_CHARS + 40 and len(lines.lines[-1]) <= LINE_CHARS + 40
    # A result past the card's limit was cut: no longer JSON, it is shown raw only.
    services.e2b.add_log("ihostile000000000001", "m" * (2 * RESULT_TEXT_LIMIT))
    logs = [("E2B_GET_SANDBOX_LOGS", box)]
    assert rich_parts(MULTI, _actions(logs), _multi(services, logs)) == ()


def test_a_series_is_bounded_and_says_its_latest_values() -> None:
    emulator = E2BEmulator(seed=[{"sandboxID": "ia", "age": 3600}])
    samples = emulator.sandbox_metrics("ia", 1_800_000_000)
    samples += [{"timestampUnix": 1, "cpuUsedPct": float("nan"), "memUsed": -5, "memTotal": 0}]
    from desktop.core.sandboxes.records import MetricSample, read_each

    read, _ = read_each(MetricSample, samples)
    series = MetricsSeries.of(read)
    assert series.points[0].at == 1 and series.points[0].cpu_pct == 0.0
    assert series.points[0].mem_mib == 0.0
    now = datetime.fromtimestamp(1_800_000_000, tz=UTC)
    words = series.summary(now)
    assert words.startswith(f"CPU {samples[-2]['cpuUsedPct']:.1f} % and memory ")
    assert "of 512 MiB used at" in words and f"({len(samples)} samples over " in words


def test_one_sandbox_shows_only_the_fields_its_answer_gave() -> None:
    """A create's answer names the new sandbox's id and template: its card lists those, not a
    column of dashes for what it did not say."""
    from desktop.core.sandboxes.records import Sandbox
    from desktop.core.sandboxes.shown import sandbox_fields

    created = Sandbox.model_validate({"sandboxID": "inew1", "templateID": "base"})
    table = sandbox_fields(created)
    assert [name for name, _ in table.rows] == ["ID", "Template", "State"]
    assert all(value != "—" for _, value in table.rows)


def test_a_metric_sample_from_outside_time_is_unreadable() -> None:
    """A timestamp past year 9999 made the card's chart raise half-way through its finish."""
    from desktop.core.sandboxes.records import MetricSample, read_each

    good = {"timestampUnix": 1_800_000_000, "cpuUsedPct": 12.5, "memUsed": 1, "memTotal": 2}
    bad = [
        {**good, "timestampUnix": 10**17},
        {**good, "timestampUnix": -1},
    ]
    read, unreadable = read_each(MetricSample, [good, *bad])
    assert len(read) == 1 and unreadable == len(bad)


def test_a_list_of_sixty_thousand_odd_entries_is_read_no_further_than_its_table(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Each entry read is a validation on the UI thread: a 200,000-character result of `{}`
    entries took 0.7 s and logged 60,000 lines."""
    from desktop.core.sandboxes.shown import MAX_ROWS

    result = json.dumps({"sandboxes": [{}] * 60_000})
    action = ToolAction("E2B_LIST_ALL_SANDBOXES", {})
    with caplog.at_level(logging.WARNING):
        (part,) = rich_parts("E2B_LIST_ALL_SANDBOXES", (action,), result)
    assert part.title == (
        f"0 sandboxes ({MAX_ROWS} more could not be read), {60_000 - MAX_ROWS:,} more not read"
    )
    assert len(caplog.records) == 1  # one line for all of them
