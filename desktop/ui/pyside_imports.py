"""Keep PySide6 from reading, and keeping, the source of every module imported after it.

To support `from __feature__ import snake_case`, shiboken checks each newly imported module for
the word "PySide6" with `inspect.getsource()` (PYSIDE-2029). `inspect` leaves every file it reads
in `linecache`, so each module imported after Qt keeps its whole source in memory: 11 MB by the
time the window is ready, much more once the agent's libraries load, and a slower import each.
`install()` swaps in the same test done on the file's bytes, which keeps nothing.
"""

from __future__ import annotations

import linecache
import logging
from collections.abc import Callable
from types import ModuleType

import PySide6  # noqa: F401 - shiboken's support modules exist once PySide6 is loaded

log = logging.getLogger(__name__)

_MARK = "_e2b_agent_bytes_check"


def _bytes_check(original: Callable[[ModuleType], bool]) -> Callable[[ModuleType], bool]:
    def uses_pyside(module: ModuleType) -> bool:
        path = getattr(module, "__file__", None)
        if not isinstance(path, str) or not path.endswith(".py"):
            # Extension, frozen and source-less modules: shiboken's getsource() fails on them
            # and answers False.
            return False
        try:
            with open(path, "rb") as source:
                return b"PySide6" in source.read()
        except OSError:
            return original(module)  # e.g. a zip import: the loader knows where the source is

    setattr(uses_pyside, _MARK, True)
    return uses_pyside


def install() -> bool:
    """Replace shiboken's check (once) and drop what it cached so far; False if not possible."""
    try:
        import shibokensupport.feature as feature  # type: ignore[import-not-found]
    except ImportError:  # another PySide6 layout: nothing to fix
        return False
    current = getattr(feature, "_mod_uses_pyside", None)
    if current is None:
        log.info("shiboken has no _mod_uses_pyside any more; nothing to replace")
        return False
    if not getattr(current, _MARK, False):
        feature._mod_uses_pyside = _bytes_check(current)  # noqa: SLF001 - PYSIDE-2029
        log.debug("shiboken's PySide6 check now reads module files as bytes")
    linecache.clearcache()  # the sources read before now; tracebacks read them again on demand
    return True
