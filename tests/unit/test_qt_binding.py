"""The Qt binding in use must not corrupt the interpreter (PySide6 6.12.0 on Python 3.11 did).

6.12.0 drops a reference to None on every void method call. On Python 3.11 None's reference
count then runs down until the interpreter aborts ("none_dealloc"). From 3.12 on None is
immortal (PEP 683): its count never changes, so the same binding does no harm there and the
drift can neither happen nor be seen. Hence two kinds of guard:

- on every supported Python (3.11-3.13): the binding in use is not a release known to be bad,
  and the declared dependency range keeps those releases out;
- on Python 3.11 only, where the harm exists: void Qt calls leave None's count alone (a probe
  that is itself shown to catch a call that leaks None).
"""

from __future__ import annotations

import ctypes
import sys
import tomllib
from collections.abc import Callable
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

REPO = Path(__file__).resolve().parents[2]
BINDING = "PySide6-Essentials"
KNOWN_BAD = {"6.12.0": "drops a reference to None on every void method call"}
CALLS = 200

mortal_none = pytest.mark.skipif(
    sys.version_info >= (3, 12),
    reason="None is immortal from Python 3.12 (PEP 683): a lost reference cannot happen or be seen",
)


def _declared_binding() -> Requirement:
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    for line in project["dependencies"]:
        requirement = Requirement(line)
        if canonicalize_name(requirement.name) == canonicalize_name(BINDING):
            return requirement
    raise AssertionError(f"pyproject.toml does not declare {BINDING}")


def test_the_binding_in_use_is_not_a_known_bad_release() -> None:
    import PySide6
    import shiboken6

    in_use = {PySide6.__version__, shiboken6.__version__}
    assert not in_use & KNOWN_BAD.keys(), f"Qt binding {in_use}: {KNOWN_BAD}"
    declared = _declared_binding()
    assert declared.specifier.contains(PySide6.__version__), (
        f"PySide6 {PySide6.__version__} is outside the declared {declared}"
    )
    for version, problem in KNOWN_BAD.items():
        assert not declared.specifier.contains(version), f"{declared} lets in {version}: {problem}"


def _none_references_lost(call: Callable[[], object]) -> int:
    before = sys.getrefcount(None)
    for _ in range(CALLS):
        call()
    return before - sys.getrefcount(None)


@mortal_none
def test_the_probe_sees_a_call_that_drops_a_reference_to_none() -> None:
    decref = ctypes.pythonapi.Py_DecRef
    decref.argtypes = [ctypes.py_object]
    decref.restype = None
    incref = ctypes.pythonapi.Py_IncRef
    incref.argtypes = [ctypes.py_object]
    incref.restype = None
    try:
        lost = _none_references_lost(lambda: decref(None))
    finally:
        for _ in range(CALLS):
            incref(None)
    assert lost >= CALLS


@mortal_none
def test_void_qt_calls_leave_none_alone() -> None:
    from PySide6.QtCore import QObject

    probe = QObject()
    leaked = _none_references_lost(lambda: probe.setObjectName("probe"))  # returns void
    assert leaked <= 0, f"each void Qt call drops a reference to None ({leaked} lost)"
