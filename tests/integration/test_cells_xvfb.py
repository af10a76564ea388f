"""Code cells in a real window on an X server (Xvfb): a chart with stdout and stderr, and the
guide's list-packages flow, shot as the screen shows them (tests/artifacts/cells/)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtGui import QImage

from tests.fakes.harness import FakeServices
from tests.fakes.openai_script import Reply
from tests.integration.app_process import app_env
from tests.integration.test_code_cells import CHART_CODE, WORKBENCH
from tests.integration.test_xvfb_window import ARTIFACTS, _require_display

pytestmark = pytest.mark.xvfb


def test_cells_on_a_real_screen(fake_services: FakeServices, tmp_path: Path) -> None:
    display = _require_display()
    fake_services.openai.script.push(
        Reply.tool_call(WORKBENCH, {"code_to_execute": CHART_CODE}),
        Reply.text("The chart shows **Feb** ahead; `summary.csv` is in the workbench."),
    )
    shots = tmp_path / "shots"
    env = app_env(
        fake_services,
        tmp_path / "home",
        DISPLAY=display,
        QT_QPA_PLATFORM="xcb",
        XDG_RUNTIME_DIR=str(tmp_path),
    )
    prompts = ["chart my sales", "start a sandbox and list installed packages"]
    result = subprocess.run(
        [sys.executable, "-m", "tests.integration.cells_window_driver", str(shots), *prompts],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "platform: xcb" in result.stdout
    assert "cell 1: Python in the Composio workbench for this chat" in result.stdout
    assert "images: 1, files: ['summary.csv']" in result.stdout
    assert "cell 2: Shell in the Composio workbench for this chat" in result.stdout
    for name in ("cell-1-top.png", "cell-1-end.png", "cell-2-top.png", "cell-2-end.png"):
        image = QImage(str(shots / name))
        assert not image.isNull() and image.width() > 400, name
        small = image.scaled(160, 120)
        colours = {small.pixel(x, y) for x in range(small.width()) for y in range(small.height())}
        assert len(colours) > 20, f"{name} looks blank"
    target = ARTIFACTS / "cells"
    target.mkdir(parents=True, exist_ok=True)
    for shot in shots.iterdir():
        shutil.copy(shot, target / shot.name)
