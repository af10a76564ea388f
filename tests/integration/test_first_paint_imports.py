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
