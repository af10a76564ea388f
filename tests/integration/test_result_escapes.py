"""A workbench result's text/plain with terminal escapes (a cleared screen, a clipboard write,
a title) is shown as inert as what the code printed, in the window's cell and the terminal:
one rule for both kinds of text (`core.inert.without_escapes`)."""

from __future__ import annotations

import json
from pathlib import Path

from pytestqt.qtbot import QtBot

from desktop.ui.chat.code_cell import CodeCellWidget
from tests.fakes.harness import FakeServices
from tests.fakes.openai_script import Reply
from tests.integration.test_cli import _run_cli
from tests.integration.test_code_cells import WORKBENCH
from tests.ui.app_support import AppHarness, send

# The same text printed and returned as the cell's value (its repr is the text itself).
CODE = r"""TEXT = "\x1b[2Jcleared \x1b]52;c;ZXZpbA==\x07copied \x1b]0;pwned\x07titled \u202eend"
class Hostile:
    def __repr__(self):
        return TEXT
print(TEXT)
Hostile()
"""
SHOWN = "cleared copied titled \\u202eend"
"""What is left of it on both faces: the escapes taken out, the direction mark written out."""


def _push_run(services: FakeServices) -> None:
    services.openai.script.push(
        Reply.tool_call(WORKBENCH, {"code_to_execute": CODE}), Reply.text("Shown.")
    )


def _result_came_hostile(services: FakeServices) -> None:
    """The fake's kernel answered the raw escapes, in stdout and in the result (as the model
    got them), so what the faces show is the app's doing."""
    (output,) = [
        json.loads(item["output"])
        for request in services.openai.requests
        for item in request.json.get("input", [])
        if item.get("type") == "function_call_output"
    ]
    raw = "\x1b[2Jcleared \x1b]52;c;ZXZpbA==\x07copied \x1b]0;pwned\x07titled \u202eend"
    assert output["data"]["stdout"] == raw + "\n"
    assert output["data"]["results"] == [{"text": raw}]


def test_a_hostile_text_result_is_shown_in_the_cell_as_its_stdout_is(
    qtbot: QtBot, app_harness: AppHarness, fake_services: FakeServices
) -> None:
    _push_run(fake_services)
    app = app_harness.start()
    send(qtbot, app, "show a value", approve=True)
    _result_came_hostile(fake_services)
    (cell,) = [e for e in app.window.chat_view.entries() if isinstance(e, CodeCellWidget)]
    output, result = cell.texts
    assert (output.heading.text(), result.heading.text()) == ("Output", "Result")
    assert output.shown_text.rstrip("\n") == SHOWN
    assert result.shown_text == SHOWN
    assert "ZXZpbA" not in cell.output_text and "\x1b" not in cell.output_text


def test_a_hostile_text_result_is_printed_in_the_terminal_as_its_stdout_is(
    fake_services: FakeServices, tmp_path: Path
) -> None:
    _push_run(fake_services)
    result = _run_cli(fake_services.env(), "show a value\ny\nexit\n", tmp_path)
    _result_came_hostile(fake_services)
    out = result.stdout[result.stdout.index("  <- Finished") :]  # the cell's end (not its code)
    assert f"     stdout:\n     | {SHOWN}\n" in out
    assert f"     result:\n     | {SHOWN}\n" in out
    assert "\x1b" not in out and "\\u001b" not in out and "ZXZpbA" not in out
