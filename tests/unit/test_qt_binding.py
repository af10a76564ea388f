"""The Qt binding in use must not corrupt the interpreter (PySide6 6.12.0 on Python 3.11 did)."""

from __future__ import annotations

import sys


def test_void_qt_calls_leave_none_alone() -> None:
    from PySide6.QtCore import QObject

    probe = QObject()
    before = sys.getrefcount(None)
    for _ in range(200):
        probe.setObjectName("probe")  # returns void
    leaked = before - sys.getrefcount(None)
    # None is immortal from 3.12 on (its count is fixed); on 3.11 any drift would abort the app.
    assert leaked <= 0, f"each void Qt call drops a reference to None ({leaked} lost)"
