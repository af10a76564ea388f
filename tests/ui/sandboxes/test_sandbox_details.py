"""The sandbox panel's details of the selected sandbox, in the whole window against the fakes:
the chart holds the emulator's samples, the log lines and events are E2B's, one metrics call
per selected sandbox per refresh, a paused sandbox says why it has no metrics, hostile log
lines stay inert and bounded, and the model is never asked."""

from __future__ import annotations

from pytestqt.qtbot import QtBot

from desktop.core.sandboxes.details import PAUSED_METRICS
from desktop.core.sandboxes.shown import LINE_CHARS
from desktop.desktop_app import DesktopApp
from desktop.ui.sandboxes.details import NONE_SELECTED, SEVERAL_SELECTED, SandboxDetailsWidget
from desktop.ui.sandboxes.panel import SandboxPanel
from tests.fakes.e2b_emulator import SEED_PAUSED_ID, SEED_RUNNING_ID
from tests.fakes.harness import FakeServices
from tests.ui.app_support import WAIT_MS, AppHarness
from tests.ui.sandboxes.test_sandbox_panel import _open_panel, _select

METRICS = "E2B_GET_SANDBOX_METRICS"


def _open(qtbot: QtBot, app: DesktopApp) -> SandboxPanel:
    _open_panel(qtbot, app, 2)
    return app.sandboxes.panel


def _read(qtbot: QtBot, details: SandboxDetailsWidget, sandbox_id: str) -> None:
    def done() -> bool:
        view = details.view
        return (
            view is not None
            and view.sandbox_id == sandbox_id
            and "Reading" not in (view.metrics_note + view.logs_note + view.events_note)
        )

    qtbot.waitUntil(done, timeout=WAIT_MS)


def _metrics_calls(services: FakeServices, sandbox_id: str) -> int:
    calls = services.e2b.calls
    return sum(1 for slug, args in calls if slug == METRICS and args["sandbox_id"] == sandbox_id)


def test_the_selected_sandbox_shows_its_chart_logs_and_events_without_the_model(
    qtbot: QtBot, app_harness: AppHarness, fake_services: FakeServices
) -> None:
    app = app_harness.start()
    panel = _open(qtbot, app)
    details = panel.details
    assert details.objectName() == "sandboxDetails"
    assert details.hint_label.text() == NONE_SELECTED and details.body.isHidden()

    _select(app, SEED_RUNNING_ID)
    _read(qtbot, details, SEED_RUNNING_ID)
    chart = details.chart
    assert chart.objectName() == "sandboxMetricsChart" and chart.isVisibleTo(panel)
    # The chart's points are the emulator's samples at the moment E2B answered.
    last = chart.points[-1].at
    samples = fake_services.e2b.sandbox_metrics(SEED_RUNNING_ID, last)
    assert [(p.at, p.cpu_pct) for p in chart.points] == [
        (s["timestampUnix"], s["cpuUsedPct"]) for s in samples
    ]
    assert chart.points[-1].mem_total_mib == 512
    words = chart.accessibleDescription()
    assert words == chart.toolTip()
    assert words.startswith(f"CPU {samples[-1]['cpuUsedPct']:.1f} % and memory ")
    assert "of 512 MiB used at" in words
    # The log lines and lifecycle events are E2B's.
    assert details.logs.objectName() == "sandboxLogs"
    assert details.logs.lines and details.logs.lines[0].endswith("info  Sandbox created")
    assert details.events.objectName() == "sandboxEvents"
    assert [row[1] for row in details.events.rows()] == ["created"]
    assert SEED_RUNNING_ID in details.title_label.text() and "running" in details.title_label.text()

    _select(app, SEED_RUNNING_ID, SEED_PAUSED_ID)
    assert details.hint_label.text() == SEVERAL_SELECTED and details.body.isHidden()
    assert fake_services.openai.requests == []


def test_one_metrics_call_per_selected_sandbox_per_refresh(
    qtbot: QtBot, app_harness: AppHarness, fake_services: FakeServices
) -> None:
    app = app_harness.start()
    panel = _open(qtbot, app)
    _select(app, SEED_RUNNING_ID)
    _read(qtbot, panel.details, SEED_RUNNING_ID)
    assert _metrics_calls(fake_services, SEED_RUNNING_ID) == 1
    # The same selection painted again (a tick, the panel shown) asks nothing more.
    app.sandboxes.render()
    qtbot.wait(100)  # a read it started would have reached the emulator by now
    assert _metrics_calls(fake_services, SEED_RUNNING_ID) == 1
    for refresh in range(2, 4):
        calls = app.sandboxes.service.list_calls
        app.sandboxes.refresh_now()
        qtbot.waitUntil(
            lambda c=calls: app.sandboxes.service.list_calls > c,
            timeout=WAIT_MS,
        )
        qtbot.waitUntil(
            lambda n=refresh: _metrics_calls(fake_services, SEED_RUNNING_ID) == n,
            timeout=WAIT_MS,
        )
    assert app.sandboxes.details.calls == 3  # counted when asked: none more is on its way
    assert fake_services.openai.requests == []


def test_a_paused_sandbox_says_metrics_are_not_collected(
    qtbot: QtBot, app_harness: AppHarness, fake_services: FakeServices
) -> None:
    app = app_harness.start()
    panel = _open(qtbot, app)
    _select(app, SEED_PAUSED_ID)
    details = panel.details
    _read(qtbot, details, SEED_PAUSED_ID)
    assert details.metrics_note.text() == PAUSED_METRICS and not details.chart.isVisibleTo(panel)
    assert _metrics_calls(fake_services, SEED_PAUSED_ID) == 0  # not asked for: E2B has none
    assert [row[1] for row in details.events.rows()] == ["created", "paused"]
    assert "paused" in details.title_label.text()


def test_a_failure_is_a_sentence_in_the_details(
    qtbot: QtBot, app_harness: AppHarness, fake_services: FakeServices
) -> None:
    app = app_harness.start()
    panel = _open(qtbot, app)
    fake_services.e2b.execute("E2B_DELETE_SANDBOXES", {"sandbox_id": SEED_RUNNING_ID})
    _select(app, SEED_RUNNING_ID)  # still listed: the panel has not read the list again
    details = panel.details
    _read(qtbot, details, SEED_RUNNING_ID)
    gone = f"Sandbox {SEED_RUNNING_ID} no longer exists: it was killed or its time ran out."
    assert details.metrics_note.text() == gone
    assert not details.chart.isVisibleTo(panel)
    # The events are still E2B's (it keeps them after the kill).
    assert [row[1] for row in details.events.rows()] == ["created", "killed"]


def test_hostile_log_lines_are_inert_and_a_megabyte_is_cut(
    qtbot: QtBot, app_harness: AppHarness, fake_services: FakeServices
) -> None:
    hostile = "\x1b]52;c;ZXZpbA==\x07\x1b[2J\u202eevil <a href='http://x.example'>click</a>"
    fake_services.e2b.add_log(SEED_RUNNING_ID, hostile)
    fake_services.e2b.add_log(SEED_RUNNING_ID, "y" * 1_000_000, "error")
    app = app_harness.start()
    panel = _open(qtbot, app)
    _select(app, SEED_RUNNING_ID)
    _read(qtbot, panel.details, SEED_RUNNING_ID)
    text = panel.details.logs.toPlainText()
    assert "\x1b" not in text and "\u202e" not in text and "\x07" not in text
    assert "\\u001b]52;c;ZXZpbA==\\u0007" in text and "<a href='http://x.example'>" in text
    lines = panel.details.logs.lines
    assert len(lines[-1]) <= LINE_CHARS and "error  yyyy" in lines[-1]
    assert len(text) < 10_000
