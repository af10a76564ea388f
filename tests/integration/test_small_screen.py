"""The real window on a small screen (1366 x 768, and the same at a scale factor of 2) under
its own Xvfb: it fits, its status bar and message box are on screen, the menu opens inside it
(issue 10, item 18). The screenshots land in tests/artifacts/small-screen-*/ to be looked at."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from tests.fakes.harness import FakeServices
from tests.integration.app_process import REPO, app_env, run_driver

ARTIFACTS = REPO / "tests" / "artifacts"
SCREEN = "1366x768x24"


def _inside(inner: list[int], outer: list[int]) -> bool:
    x, y, w, h = inner
    ox, oy, ow, oh = outer
    return ox <= x and oy <= y and x + w <= ox + ow and y + h <= oy + oh


@pytest.mark.parametrize("scale", ["1", "2"])
def test_the_window_fits_a_small_screen(
    fake_services: FakeServices, tmp_path: Path, scale: str
) -> None:
    xvfb_run = shutil.which("xvfb-run")
    if xvfb_run is None:
        if os.environ.get("E2B_AGENT_TEST_REAL_SERVICES") == "1":
            pytest.fail("make test needs xvfb-run")
        pytest.skip("needs xvfb-run")
    fake_services.composio.behaviour.tool_delay = 2.5  # the card runs long enough to be seen
    out = tmp_path / "shots"
    out.mkdir()
    env = app_env(
        fake_services,
        tmp_path / "home",
        QT_QPA_PLATFORM="xcb",
        QT_SCALE_FACTOR=scale,
        XDG_RUNTIME_DIR=str(tmp_path),
    )
    env.pop("DISPLAY", None)  # xvfb-run gives it its own
    report = run_driver(
        "tests.integration.small_screen_driver",
        str(out),
        "list my sandboxes",
        env=env,
        cwd=tmp_path,
        prefix=(xvfb_run, "-a", "-s", f"-screen 0 {SCREEN}"),
    )
    kept = ARTIFACTS / f"small-screen-x{scale}"
    shutil.rmtree(kept, ignore_errors=True)
    shutil.copytree(out, kept)
    available = report["available"]
    # The whole window, its status bar, its message box and Send are on the screen.
    for part in ("window", "status_bar", "input", "send"):
        assert _inside(report[part], available), (part, report)
    assert _inside(report["menu"], report["window_now"]), report
    assert report["activity_at_once"] == "Loading the agent…"
    assert report["running_card_elapsed"] not in ("0 s", "0.0 s", "ended"), report
    assert "Composio: ready" in report["status_with_message"]
    assert report["status_visible_with_message"] is True
    assert report["kept"] is True
