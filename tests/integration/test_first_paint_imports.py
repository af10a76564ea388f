"""What the process imports before the window's first paint (`--smoke-test` ends right after it)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


def _modules_before_first_paint(home: str) -> frozenset[str]:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "E2B_AGENT_HOME": home}
    env["PYTHONPATH"] = str(REPO)
    result = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "desktop", "--smoke-test"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,  # one stream, in order: what is imported after the paint is cut
        text=True,
        env=env,
        cwd=REPO,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-2000:]
    before, painted, _after = result.stdout.partition("first paint:")
    assert painted
    return frozenset(re.findall(r"\|\s+([\w.]+)\s*$", before, flags=re.M))


@pytest.fixture(scope="module")
def before_paint(tmp_path_factory: pytest.TempPathFactory) -> frozenset[str]:
    return _modules_before_first_paint(str(tmp_path_factory.mktemp("home")))


@pytest.mark.parametrize(
    "module",
    [
        "pydantic_ai",
        "openai",
        "mcp",
        "httpx",
        "httpx2",
        "keyring",
        "sqlite3",
        "pygments",
        "markdown_it",
        "desktop.core.agent.session",
        "desktop.core.store.facade",
    ],
)
def test_the_first_paint_waits_for_none_of_the_heavy_libraries(
    before_paint: frozenset[str], module: str
) -> None:
    assert module not in before_paint


@pytest.mark.parametrize(
    "module",
    [
        "pydantic",
        "desktop.core.config.settings",
        "desktop.ui.chat.markdown",
        # The conversation list is built right after the paint (its rows come from the store).
        "desktop.ui.sidebar.conversation_sidebar",
        "desktop.ui.sidebar.conversation_model",
        # The log file opens after the paint; what is logged before waits in memory.
        "logging.handlers",
    ],
)
def test_the_first_paint_imports_only_what_it_paints(
    before_paint: frozenset[str], module: str
) -> None:
    assert module not in before_paint


@pytest.mark.parametrize(
    "module",
    [
        # Built right after the paint (`MainWindow.complete`): the services' states need the
        # core's connection types, the switcher the providers; the tray and drops show nothing.
        "desktop.ui.window.status_services",
        "desktop.ui.window.model_switcher",
        "desktop.ui.window.attachment_tray",
        "desktop.ui.window.file_drops",
        "desktop.core.conversations.backend",
        "desktop.core.config.providers",
    ],
)
def test_the_first_paint_waits_for_what_it_does_not_show(
    before_paint: frozenset[str], module: str
) -> None:
    assert module not in before_paint


_QT_NAMESPACE_PROBE = """
import sys
import PySide6.QtCore as QtCore
import desktop.ui.window.first_paint as first_paint

painted = first_paint.show_until_painted

def watched(*args):
    at = painted(*args)
    print("Qt namespace built by the first paint:", "Qt" in vars(QtCore), flush=True)
    return at

first_paint.show_until_painted = watched
from desktop.app import main
sys.argv = ["e2b-agent", "--smoke-test"]
main()
"""


def test_the_first_paint_leaves_the_qt_namespace_unbuilt(tmp_path: Path) -> None:
    """`Qt`'s ~100 Python enums cost 12 ms; the real start-up paints without them
    (`desktop.ui.qt_values`)."""
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "E2B_AGENT_HOME": str(tmp_path)}
    env["PYTHONPATH"] = str(REPO)
    result = subprocess.run(
        [sys.executable, "-c", _QT_NAMESPACE_PROBE],
        capture_output=True,
        text=True,
        env=env,
        cwd=REPO,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert "Qt namespace built by the first paint: False" in result.stdout
    assert "first paint:" in result.stdout
