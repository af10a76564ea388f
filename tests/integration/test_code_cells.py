"""Code the agent runs, end to end through the real SDKs and the fakes' real workbench: the cell
events carry the code, what it printed, its chart and the files it left in the mount (listed
without the model), and the guide's flows reply from what the code printed."""

from __future__ import annotations

import json
import shutil

import pytest

from desktop.core.agent.cell_outputs import ImageOutput
from desktop.core.agent.code_runs import WHERE_CODE_RUNS_INSTRUCTION
from desktop.core.agent.events import (
    ToolCallFinished,
    ToolCallStarted,
    TurnEvent,
    TurnFinished,
)
from desktop.core.router.types import WHERE_CODE_RUNS
from tests.fakes.harness import FakeServices
from tests.fakes.openai_conversation import parse_conversation
from tests.fakes.openai_script import Reply
from tests.integration.chat_helpers import approve_all, collect, run, session_for

WORKBENCH = "COMPOSIO_REMOTE_WORKBENCH"
BASH = "COMPOSIO_REMOTE_BASH_TOOL"
CHART_CODE = """\
import matplotlib.pyplot as plt
print("months: 3")
import sys; print("careful", file=sys.stderr)
plt.bar(["Jan", "Feb", "Mar"], [100, 120, 95])
open("/mnt/files/summary.csv", "w").write("month,revenue\\nJan,100\\n")
"""
needs_node = pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")


def _turn(services: FakeServices, prompt: str) -> list[TurnEvent]:
    async def scenario() -> list[TurnEvent]:
        session = session_for(services)
        try:
            return await collect(session, prompt, approve_all)
        finally:
            await session.aclose()

    return run(scenario())


def _cells(events: list[TurnEvent]) -> list[tuple[ToolCallStarted, ToolCallFinished]]:
    started = {e.call_id: e for e in events if isinstance(e, ToolCallStarted) and e.code_run}
    ended = [e for e in events if isinstance(e, ToolCallFinished) and e.code_run]
    return [(started[e.call_id], e) for e in ended]


def _reply(events: list[TurnEvent]) -> str:
    final = events[-1]
    assert isinstance(final, TurnFinished), final
    return final.text


def test_a_workbench_cell_carries_its_output_chart_and_files(fake_services: FakeServices) -> None:
    fake_services.openai.script.push(
        Reply.tool_call(WORKBENCH, {"code_to_execute": CHART_CODE}), Reply.text("Charted.")
    )
    events = _turn(fake_services, "chart my sales")
    ((started, finished),) = _cells(events)
    assert started.code_run is not None and started.code_run.code == CHART_CODE
    run_ = finished.code_run
    assert run_ is not None
    assert (run_.language, run_.where) == ("python", WHERE_CODE_RUNS)
    assert (run_.stdout, run_.stderr) == ("months: 3\n", "careful\n")
    (chart,) = [o for o in run_.outputs if isinstance(o, ImageOutput)]
    assert chart.format == "png" and chart.data()[:8] == b"\x89PNG\r\n\x1a\n"
    assert [(f.name, f.sandbox_path) for f in run_.output_files] == [
        ("summary.csv", "/mnt/files/summary.csv")
    ]
    # The mount was listed around the run by the app itself: the model saw two requests only.
    requests = fake_services.composio.requests
    listings = [r for r in requests if r.path.endswith("/mounts/files/items")]
    assert len(listings) == 2
    assert len(fake_services.openai.requests) == 2


@needs_node
def test_validating_an_email_with_javascript_runs_node_in_a_bash_cell(
    fake_services: FakeServices,
) -> None:
    events = _turn(fake_services, "validate this email with JavaScript: a@b")
    ((started, finished),) = _cells(events)
    assert started.tool_name == BASH
    assert started.code_run is not None and started.code_run.code.startswith("node -e ")
    assert finished.code_run is not None and finished.code_run.succeeded
    printed = json.loads(finished.code_run.stdout)
    assert printed == {"email": "a@b", "valid": False, "reason": "its domain has no dot"}
    (session_id,) = fake_services.composio.sessions
    sandbox = fake_services.composio.sandboxes.get(session_id)
    assert sandbox.commands == [started.code_run.code]  # it really ran in the fake's shell
    reply = _reply(events)
    assert "`a@b` is not a valid email address, because its domain has no dot" in reply
    assert finished.code_run.stdout.strip() in reply  # the reply quotes what node printed


def test_listing_packages_after_starting_a_sandbox_says_where_the_list_comes_from(
    fake_services: FakeServices,
) -> None:
    before = {box["sandboxID"] for box in fake_services.e2b.sandboxes()}
    events = _turn(fake_services, "start a sandbox and list installed packages")
    calls = [e for e in events if isinstance(e, ToolCallStarted)]
    assert [c.actions[0].slug for c in calls] == ["E2B_CREATE_SANDBOX", BASH]
    # The emulator has a new sandbox.
    (created,) = {box["sandboxID"] for box in fake_services.e2b.sandboxes()} - before
    ((started, finished),) = _cells(events)
    assert started.code_run is not None and started.code_run.code == "pip list"
    assert started.code_run.where == WHERE_CODE_RUNS
    assert finished.code_run is not None and "Package" in finished.code_run.stdout
    reply = _reply(events)
    assert "come from the Composio workbench for this chat" in reply
    assert f"not from the new E2B sandbox `{created}`" in reply
    # The agent is told where code runs, beside the user's instructions.
    first = fake_services.openai.requests[0].json
    (system,) = [t.text for t in parse_conversation(first) if t.role == "system"]
    assert WHERE_CODE_RUNS_INSTRUCTION in system
