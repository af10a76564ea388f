"""Tool cards whose result is a sandbox list, one sandbox, metrics or logs, in the whole window:
the agent's call goes through the fakes (the model scripted, the router and E2B emulated); the
card shows a table, a chart or log lines first, equal to the emulator's; Show raw reveals the
JSON; the card rebuilt from the store shows the same; hostile values stay inert."""

from __future__ import annotations

from typing import Any

import pytest
from pytestqt.qtbot import QtBot

from desktop.core.sandboxes.shown import CELL_CHARS
from desktop.desktop_app import DesktopApp
from desktop.ui.chat.tool_card import ToolCardWidget
from desktop.ui.sandbox_views.chart import MetricsChartWidget
from desktop.ui.sandbox_views.log_lines import LogLinesView
from desktop.ui.sandbox_views.record_table import RecordTableWidget
from tests.fakes.e2b_emulator import SEED_PAUSED_ID, SEED_RUNNING_ID
from tests.fakes.harness import FakeServices
from tests.fakes.openai_script import Reply, ToolCall
from tests.ui.app_support import WAIT_MS, AppHarness, send

MULTI = "COMPOSIO_MULTI_EXECUTE_TOOL"
BOX = {"sandbox_id": SEED_RUNNING_ID}
TOOLS = [
    ("E2B_LIST_ALL_SANDBOXES", {}),
    ("E2B_GET_SANDBOX_METRICS", BOX),
    ("E2B_GET_SANDBOX_LOGS", BOX),
    ("E2B_GET_SANDBOX", BOX),
]


def _script(services: FakeServices, tools: list[tuple[str, dict[str, Any]]]) -> None:
    arguments = {
        "tools": [{"tool_slug": slug, "arguments": args} for slug, args in tools],
        "sync_response_to_workbench": False,
    }
    services.openai.script.push(
        Reply.tool_calls([ToolCall(MULTI, arguments, call_id="call-rich")]),
        Reply.text("Here they are."),
    )


def _card(app: DesktopApp) -> ToolCardWidget:
    cards = app.window.chat_view.findChildren(ToolCardWidget)
    assert len(cards) == 1
    return cards[0]


def _views(card: ToolCardWidget) -> list[Any]:
    assert card.rich_result is not None
    return card.rich_result.views


def _check_card(card: ToolCardWidget, services: FakeServices) -> None:
    listed, chart, lines, one = _views(card)
    assert isinstance(listed, RecordTableWidget) and listed.objectName() == "toolResultTable"
    boxes = sorted(services.e2b.sandboxes(), key=lambda b: b["startedAt"], reverse=True)
    assert [row[:3] for row in listed.rows()] == [
        [b["sandboxID"], b["alias"], b["state"]] for b in boxes
    ]
    assert isinstance(chart, MetricsChartWidget)
    samples = services.e2b.sandbox_metrics(SEED_RUNNING_ID, chart.points[-1].at)
    assert [(p.at, p.cpu_pct) for p in chart.points] == [
        (s["timestampUnix"], s["cpuUsedPct"]) for s in samples
    ]
    assert chart.toolTip().startswith("CPU ") and "of 512 MiB used at" in chart.toolTip()
    assert isinstance(lines, LogLinesView) and "Sandbox created" in lines.toPlainText()
    assert isinstance(one, RecordTableWidget) and ["ID", SEED_RUNNING_ID] in one.rows()
    # The raw JSON is behind Show raw (the card's own result view).
    assert card.show_raw_button.objectName() == "showRawButton"
    assert card.show_raw_button.isVisibleTo(card) and not card.toggle_button.isVisibleTo(card)
    assert not card.is_expanded
    card.show_raw_button.click()
    assert card.is_expanded and card.show_raw_button.text() == "Hide raw"
    raw = card.result_text_shown  # the start of the pretty-printed JSON, as before
    assert raw.startswith('{\n  "data": {\n    "results": [')
    assert '"tool_slug": "E2B_LIST_ALL_SANDBOXES"' in raw
    card.show_raw_button.click()
    assert not card.is_expanded and card.show_raw_button.text() == "Show raw"


def test_a_router_call_reading_sandboxes_shows_tables_a_chart_and_logs_then_raw(
    qtbot: QtBot, app_harness: AppHarness, fake_services: FakeServices
) -> None:
    app = app_harness.start()
    _script(fake_services, TOOLS)
    send(qtbot, app, "show me my sandboxes")
    card = _card(app)
    assert card.outcome == "success"
    _check_card(card, fake_services)

    # Rebuilt from the store, the card shows the same.
    conversation_id = app.controller.conversation_id
    assert conversation_id is not None
    app.window.new_chat_action.trigger()
    qtbot.waitUntil(lambda: app.controller.conversation_id is None, timeout=WAIT_MS)
    app.controller.open_conversation(conversation_id)
    qtbot.waitUntil(
        lambda: len(app.window.chat_view.findChildren(ToolCardWidget)) == 1, timeout=WAIT_MS
    )
    _check_card(_card(app), fake_services)


def test_hostile_values_in_a_result_stay_inert_in_the_card(
    qtbot: QtBot, app_harness: AppHarness, fake_services: FakeServices
) -> None:
    hostile = "\x1b[2J\u202e<b>bold</b> <a href='http://evil.example'>x</a> " + "q" * 20_000
    fake_services.e2b.add_log(SEED_PAUSED_ID, hostile)
    app = app_harness.start()
    _script(fake_services, [("E2B_GET_SANDBOX_LOGS", {"sandbox_id": SEED_PAUSED_ID})])
    send(qtbot, app, "logs please")
    (lines,) = _views(_card(app))
    assert isinstance(lines, LogLinesView)
    text = lines.toPlainText()
    assert "\x1b" not in text and "\u202e" not in text
    assert "\\u001b[2J\\u202e<b>bold</b> <a href='http://evil.example'>x</a>" in text
    assert len(text) < 3_000  # cut: the log line's most, not 20,000 characters


def test_a_sandbox_list_with_endless_words_keeps_the_card_narrow(
    qtbot: QtBot, app_harness: AppHarness, fake_services: FakeServices
) -> None:
    long_id = "i" + "x" * 5_000
    fake_services.e2b.add_sandbox(sandboxID=long_id, metadata={"k": "v" * 5_000})
    app = app_harness.start()
    _script(fake_services, [("E2B_LIST_ALL_SANDBOXES", {}), ("E2B_GET_SANDBOX", {"id": long_id})])
    send(qtbot, app, "list them")
    card = _card(app)
    listed, one = _views(card)
    assert isinstance(listed, RecordTableWidget) and isinstance(one, RecordTableWidget)
    assert len(listed.rows()) == 3
    cells = [text for row in listed.rows() + one.rows() for text in row]
    assert max(map(len, cells)) <= CELL_CHARS
    assert card.minimumSizeHint().width() < 700  # the chat's width decides, not the id


def test_a_table_s_tooltips_show_html_from_a_result_as_text(
    qtbot: QtBot, app_harness: AppHarness, fake_services: FakeServices
) -> None:
    """A cut cell's tooltip holds the cell whole; Qt renders a tooltip that looks like HTML, so a
    metadata value with a link or markup must arrive escaped."""
    hostile = "<a href='http://evil.example'>click</a><b>bold</b>" + "v" * 40
    fake_services.e2b.add_sandbox(sandboxID="ihostile1", metadata={"note": hostile})
    app = app_harness.start()
    _script(fake_services, [("E2B_LIST_ALL_SANDBOXES", {})])
    send(qtbot, app, "list them")
    (listed,) = _views(_card(app))
    assert isinstance(listed, RecordTableWidget)
    tips = [
        listed.topLevelItem(row).toolTip(column)
        for row in range(listed.topLevelItemCount())
        for column in range(listed.columnCount())
    ]
    shown = [tip for tip in tips if "evil.example" in tip]
    assert shown, tips
    assert all("<a " not in tip and "&lt;a href=" in tip for tip in shown)


def test_a_table_s_size_is_worked_out_once_per_table(
    qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A long chat's column asks every card's table for its size at each layout pass: the
    answer is kept until the table changes (it measured a row and the header each time)."""
    from desktop.core.sandboxes.shown import Table

    table = RecordTableWidget("toolResultTable", visible_rows=6)
    qtbot.addWidget(table)
    measured: list[int] = []
    measure_row = table.sizeHintForRow
    monkeypatch.setattr(
        table, "sizeHintForRow", lambda row: measured.append(row) or measure_row(row)
    )
    table.set_table(Table(("ID", "State"), (("i1", "running"),)))
    one_row = table.sizeHint()
    assert table.sizeHint() == one_row and table.sizeHint() == one_row
    assert measured == [0]  # a row measured once for three asks
    table.set_table(Table(("ID", "State"), tuple((f"i{n}", "running") for n in range(5))))
    assert table.sizeHint().height() > one_row.height()  # five rows: taller, asked again
    assert measured == [0, 0]
