"""The window's process hands the GIL back to its thread soon (issue 8: the agent off the UI
thread): PySide gives the GIL up around its calls into Qt, and with Python's 5 ms switch
interval a paint of a long chat waited 50-70 ms for the agent's thread."""

from __future__ import annotations

import sys
from collections.abc import Iterator

import pytest

from desktop.gc_policy import UI_SWITCH_INTERVAL_S
from tests.ui.app_support import AppHarness


@pytest.fixture
def kept_switch_interval() -> Iterator[None]:
    """The rest of this worker's tests run with the interval they had."""
    before = sys.getswitchinterval()
    yield
    sys.setswitchinterval(before)


@pytest.mark.usefixtures("kept_switch_interval")
def test_the_window_asks_for_a_short_switch_interval(app_harness: AppHarness) -> None:
    sys.setswitchinterval(0.005)  # Python's default, as a new process has it
    app_harness.start()
    assert sys.getswitchinterval() == pytest.approx(UI_SWITCH_INTERVAL_S, rel=0.01)
    assert UI_SWITCH_INTERVAL_S <= 0.001
