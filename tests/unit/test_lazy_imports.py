"""Lazy imports leave the garbage collector alone unless the process's start-up says otherwise."""

from __future__ import annotations

import gc
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from desktop import gc_policy
from desktop.core import lazy_imports


@pytest.fixture
def fresh_module(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A module that no test has imported yet, and the default guard back afterwards."""
    name = f"lazy_probe_{tmp_path.name.replace('-', '_')}"
    (tmp_path / f"{name}.py").write_text("import gc\nENABLED_WHILE_IMPORTING = gc.isenabled()\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setattr(lazy_imports, "_guard", lazy_imports._guard)
    yield name
    sys.modules.pop(name, None)


def _import(name: str) -> bool:
    lazy_imports.start_import((name,)).result(timeout=30)
    return bool(sys.modules[name].ENABLED_WHILE_IMPORTING)


def test_by_default_the_core_does_not_touch_the_collector(fresh_module: str) -> None:
    # In a fresh interpreter: this one may have had a face's policy installed already.
    script = (
        "import gc, sys\n"
        "from desktop.core import lazy_imports\n"
        f"lazy_imports.start_import(({fresh_module!r},)).result(timeout=30)\n"
        f"module = sys.modules[{fresh_module!r}]\n"
        "print(module.ENABLED_WHILE_IMPORTING, gc.isenabled(), gc.get_freeze_count())\n"
    )
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, env=env, check=True
    )
    assert result.stdout.split() == ["True", "True", "0"]


def test_the_faces_policy_pauses_then_freezes(fresh_module: str) -> None:
    frozen = gc.get_freeze_count()
    gc_policy.pause_collection_while_importing()
    assert _import(fresh_module) is False  # collection was paused during the import
    assert gc.isenabled()  # and is back on
    assert gc.get_freeze_count() > frozen  # what the import made is frozen


def test_the_policy_keeps_a_collector_that_was_off_off() -> None:
    gc.disable()
    try:
        with gc_policy.collector_paused_then_frozen():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_then_runs_on_the_import_thread_once_the_group_is_imported(fresh_module: str) -> None:
    seen: list[tuple[bool, str]] = []

    def then() -> None:
        seen.append((fresh_module in sys.modules, threading.current_thread().name))

    lazy_imports.start_import((fresh_module,), then=then).result(timeout=30)
    lazy_imports.start_import((fresh_module,), then=then).result(timeout=30)  # started already
    assert seen == [(True, "imports")]
