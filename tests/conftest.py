"""Shared test set-up: no real network, no real user dirs, offscreen Qt, the loopback fakes."""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

# Before any QApplication exists: widget tests render offscreen unless a test asks for Xvfb.
if not os.environ.get("DISPLAY") or os.environ.get("E2B_AGENT_TEST_OFFSCREEN", "1") == "1":
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

pytest_plugins = ["tests.fakes.pytest_plugin"]

# Variables that would point the app at real services or real keys.
_LEAKY_ENV = (
    "OPENAI_API_KEY",
    "OPENAI_BASE_URL",
    "COMPOSIO_API_KEY",
    "COMPOSIO_BASE_URL",
    "USER_ID",
    "E2B_AGENT_HOME",
)


@pytest.fixture(autouse=True)
def _isolated_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for name in _LEAKY_ENV:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("E2B_AGENT_HOME", str(tmp_path / "home"))
    # A `.env` in the repo must not leak into tests that read the working directory.
    monkeypatch.chdir(tmp_path)
    yield


@pytest.fixture
def restore_root_logger() -> Iterator[None]:
    """For tests that set up the app's logging: the root logger as it was, afterwards."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    for handler in list(root.handlers):
        root.removeHandler(handler)
        handler.close()
    for handler in handlers:
        root.addHandler(handler)
    root.setLevel(level)
