"""Process-wide choices the window makes at its start-up: the garbage collector while the agent's
libraries import (the core only offers `lazy_imports.surround_imports`), and how soon its thread
gets the GIL back."""

from __future__ import annotations

import contextlib
import gc
import sys
from collections.abc import Iterator

from desktop.core import lazy_imports


@contextlib.contextmanager
def collector_paused_then_frozen() -> Iterator[None]:
    """Pause collection while a group imports, then freeze what the group made.

    The agent stack creates hundreds of thousands of objects that all live on: collecting while
    importing them is wasted work (about a third of the import time). Frozen, they are not
    walked again by later full collections, which may run on the UI thread.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        if was_enabled:
            gc.enable()


def pause_collection_while_importing() -> None:
    """From now on, every lazy import group runs with the collector paused, then frozen."""
    lazy_imports.surround_imports(collector_paused_then_frozen)


# How long another thread may keep the GIL while the window's thread waits for it (Python's
# default: 5 ms). PySide gives the GIL up around its calls into Qt, and a paint of the chat
# comes back for it at each Python override: with the default, a paint while the agent's thread
# worked on a long history waited 50-70 ms. With 0.5 ms, bench_long_chat's turn stalls were
# about a third shorter (3 alternating runs each) and the turn's wall time the same.
UI_SWITCH_INTERVAL_S = 0.0005


def favour_the_window_thread() -> None:
    """The window's choice: hand the GIL back to its thread sooner (`UI_SWITCH_INTERVAL_S`)."""
    sys.setswitchinterval(UI_SWITCH_INTERVAL_S)
