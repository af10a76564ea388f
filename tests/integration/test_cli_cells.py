"""Code cells and the files mount in the terminal: a run printed as code and output (stderr
marked, images named, everything inert), the guide's flows, `/files` and `/save`."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.fakes.harness import FakeServices
from tests.fakes.openai_script import Reply
from tests.integration.test_cli import _run_cli
from tests.integration.test_code_cells import CHART_CODE, WORKBENCH

HOSTILE_CODE = (
    "print('\\x1b]52;c;ZXZpbA==\\x07 ok \\u202etxt.exe')\n"
    "import sys; print('\\x1b[2J oops\\x07', file=sys.stderr)"
)


def _chart_turn(services: FakeServices) -> None:
    services.openai.script.push(
        Reply.tool_call(WORKBENCH, {"code_to_execute": CHART_CODE}), Reply.text("Charted.")
    )


def test_a_code_run_prints_its_code_output_stderr_image_and_file(
    fake_services: FakeServices, tmp_path: Path
) -> None:
    _chart_turn(fake_services)
    result = _run_cli(fake_services.env(), "chart my sales\ny\nexit\n", tmp_path)
    out = result.stdout
    assert "  -> Python in the Composio workbench for this chat" in out
    # Asked first: the question prints the code, the cell's start does not print it again.
    assert out.count("import matplotlib.pyplot as plt") == 1
    assert "  <- Finished (" in out
    assert "     stdout:\n     | months: 3\n" in out
    assert "     stderr:\n     ! careful\n" in out
    assert "     [image: 640x480 PNG]\n" in out
    assert "     file: summary.csv (22 bytes), /save summary.csv to keep a copy\n" in out
    assert "Charted." in out


def test_what_code_prints_reaches_the_terminal_inert(
    fake_services: FakeServices, tmp_path: Path
) -> None:
    fake_services.openai.script.push(
        Reply.tool_call(WORKBENCH, {"code_to_execute": HOSTILE_CODE}), Reply.text("Done.")
    )
    result = _run_cli(fake_services.env(), "print things\ny\nexit\n", tmp_path, terminal=True)
    assert "\x1b]52" not in result.stdout and "\x07" not in result.stdout
    assert "\x1b[2J" not in result.stdout and "\u202e" not in result.stdout
    # Escape sequences are taken out; any other control or direction mark is written out.
    assert "     |  ok \\u202etxt.exe\n" in result.stdout
    assert "     !  oops\\u0007" in result.stdout
    assert "\x1b[33m" in result.stdout  # stderr in the app's own colour, on a terminal


@pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")
def test_the_javascript_check_in_the_terminal(fake_services: FakeServices, tmp_path: Path) -> None:
    result = _run_cli(
        fake_services.env(), "validate this email with JavaScript: a@b\ny\nexit\n", tmp_path
    )
    assert "  -> Shell in the Composio workbench for this chat" in result.stdout
    assert '     | {"email":"a@b","valid":false,"reason":"its domain has no dot"}' in result.stdout
    assert "`a@b` is not a valid email address" in result.stdout


def test_files_lists_the_mount_and_save_downloads(
    fake_services: FakeServices, tmp_path: Path
) -> None:
    _chart_turn(fake_services)
    (tmp_path / "taken.csv").write_text("mine")
    commands = [
        "chart my sales",
        "y",
        "/files",
        "/save summary.csv",
        "/save summary.csv copies/",
        "/save summary.csv taken.csv",
        "/save nothing.csv",
        "/save",
        "exit",
    ]
    (tmp_path / "copies").mkdir()
    result = _run_cli(fake_services.env(), "\n".join(commands) + "\n", tmp_path)
    assert "Files in the Composio workbench for this chat (/mnt/files):" in result.stdout
    assert "  summary.csv (22 bytes, " in result.stdout
    assert f"Saved summary.csv (22 bytes) to {tmp_path / 'summary.csv'}." in result.stdout
    assert (tmp_path / "summary.csv").read_bytes() == b"month,revenue\nJan,100\n"
    assert (tmp_path / "copies" / "summary.csv").read_bytes() == b"month,revenue\nJan,100\n"
    assert (tmp_path / "taken.csv").read_text() == "mine"  # never overwritten
    assert "taken.csv exists already: name another DEST" in result.stderr
    assert (
        "'nothing.csv' is not in the workbench's files: it may have been renamed or deleted. "
        "/files lists what there is."
    ) in result.stderr
    assert "Usage: /save NAME [DEST]" in result.stderr
    # The commands never reached the model: it saw the one turn's two requests.
    assert len(fake_services.openai.requests) == 2


def test_a_download_that_fails_says_why_and_writes_nothing(
    fake_services: FakeServices, tmp_path: Path
) -> None:
    _chart_turn(fake_services)
    fake_services.composio.files.behaviour.presigned_status = 403
    result = _run_cli(fake_services.env(), "chart my sales\ny\n/save summary.csv\nexit\n", tmp_path)
    assert "Error: " in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "summary.csv").exists()
    assert list(tmp_path.iterdir()) == []  # no partial file either
