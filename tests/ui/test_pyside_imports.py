"""Modules imported after PySide6 leave no source in memory; shiboken answers as before."""

from __future__ import annotations

import importlib
import linecache
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import shibokensupport.feature as feature  # type: ignore[import-not-found]

from desktop.ui import pyside_imports


@pytest.fixture
def module_dir(tmp_path: Path) -> Iterator[Path]:
    sys.path.insert(0, str(tmp_path))
    yield tmp_path
    sys.path.remove(str(tmp_path))
    for name in ("e2b_probe_plain", "e2b_probe_qt"):
        sys.modules.pop(name, None)


def test_imports_after_qt_keep_no_source_and_get_the_same_answer(module_dir: Path) -> None:
    (module_dir / "e2b_probe_plain.py").write_text("VALUE = 1\n")
    (module_dir / "e2b_probe_qt.py").write_text("from PySide6.QtCore import QObject\n")
    original = feature._mod_uses_pyside
    assert pyside_imports.install()
    assert pyside_imports.install()  # idempotent

    plain = __import__("e2b_probe_plain")  # through builtins.__import__, where shiboken hooks in
    qt = __import__("e2b_probe_qt")

    cached = set(linecache.cache)
    assert str(module_dir / "e2b_probe_plain.py") not in cached
    assert str(module_dir / "e2b_probe_qt.py") not in cached
    # What `from __feature__ import ...` relies on: 0 for a module using PySide6, -1 otherwise.
    assert feature.pyside_feature_dict["e2b_probe_plain"] == -1
    assert feature.pyside_feature_dict["e2b_probe_qt"] == 0
    uses = feature._mod_uses_pyside
    assert (uses(plain), uses(qt), uses(sys), uses(importlib)) == (False, True, False, False)
    if not getattr(original, "_e2b_agent_bytes_check", False):  # the unpatched check agrees
        assert (original(plain), original(qt)) == (False, True)


def test_the_desktop_app_installs_it(
    qasync_loop: object, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from desktop.core.config.secrets import MemorySecretStore
    from desktop.core.redaction import Redactor
    from desktop.desktop_app import DesktopApp
    from desktop.paths import AppPaths

    home = tmp_path / "home"
    paths = AppPaths(config_dir=home / "config", data_dir=home / "data", log_dir=home / "logs")
    # As before any install: shiboken's own check, which caches what it reads.
    monkeypatch.setattr(feature, "_mod_uses_pyside", lambda module: False)
    linecache.getlines(__file__)
    shell = DesktopApp(paths, Redactor(), secret_store=MemorySecretStore())
    try:
        assert getattr(feature._mod_uses_pyside, "_e2b_agent_bytes_check", False)
        assert __file__ not in linecache.cache
    finally:
        shell.window.close_for_good()
