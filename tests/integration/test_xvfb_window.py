"""A real window on an X server (Xvfb): a turn typed into it, and screenshots a person can view."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtGui import QImage

from tests.fakes.harness import FakeServices

pytestmark = pytest.mark.xvfb

REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO / "tests" / "artifacts"


def _require_display() -> str:
    display = os.environ.get("DISPLAY", "")
    if not display:
        if os.environ.get("E2B_AGENT_TEST_REAL_SERVICES") == "1":
            pytest.fail("make test runs under xvfb-run, but DISPLAY is not set")
        pytest.skip("needs an X server; `make test` runs the suite under xvfb-run")
    return display


def test_real_window_under_xvfb(fake_services: FakeServices, tmp_path: Path) -> None:
    display = _require_display()
    shot = tmp_path / "window.png"
    env = {k: v for k, v in os.environ.items() if k != "QT_QPA_PLATFORM"}
    env.update(fake_services.env())
    env.update(
        DISPLAY=display,
        QT_QPA_PLATFORM="xcb",
        E2B_AGENT_HOME=str(tmp_path / "home"),
        PYTHONPATH=str(REPO),
        XDG_RUNTIME_DIR=str(tmp_path),
    )
    result = subprocess.run(
        [sys.executable, "-m", "tests.integration.window_driver", str(shot), "list my sandboxes"],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "platform: xcb" in result.stdout
    assert "tool card: E2B_LIST_ALL_SANDBOXES\n" in result.stdout  # titled by the inner action
    image = QImage(str(shot))
    assert not image.isNull() and image.width() > 400 and image.height() > 300
    small = image.scaled(160, 120)
    colours = {small.pixel(x, y) for x in range(small.width()) for y in range(small.height())}
    assert len(colours) > 20, "the window on screen looks blank"
    ARTIFACTS.mkdir(exist_ok=True)
    shutil.copy(shot, ARTIFACTS / "xvfb-window.png")
