"""The garbage collector while the agent's libraries import: a process-wide choice that each
face makes at its start-up (the core only offers `lazy_imports.surround_imports`)."""

from __future__ import annotations

import contextlib
import gc
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
