"""A damaged conversation database found at start-up is moved aside, never deleted (issue 10)."""

from __future__ import annotations

import logging
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger(__name__)

# The files SQLite keeps beside a WAL database; they belong to it and move with it.
SIDECARS = ("-wal", "-shm")
# What SQLite calls a damaged file (primary result codes; extended ones add high bits):
# SQLITE_CORRUPT "database disk image is malformed", SQLITE_NOTADB "file is not a database".
_DAMAGE_CODES = frozenset({11, 26})


@dataclass(frozen=True)
class SetAside:
    """The damaged database once at `path` now lives at `moved_to` (its -wal and -shm beside
    it, when it had them); `problem` is what SQLite found."""

    path: Path
    moved_to: Path
    problem: str


def damage_of(path: Path) -> str | None:
    """What `PRAGMA quick_check` (or opening) finds wrong with the database, or None when it is
    sound, missing, or cannot be read for a reason that is not damage (permissions, a lock).

    Read-only, so that checking writes nothing into a database file that may be damaged: no
    checkpoint of its WAL into it on close (SQLite may still create an empty -wal, or rebuild
    the -shm, its index of the WAL).
    """
    if not path.is_file():
        return None
    try:
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    except sqlite3.Error:
        return None  # cannot open at all: the store's own opening says why
    try:
        rows = conn.execute("PRAGMA quick_check").fetchall()
    except sqlite3.DatabaseError as exc:
        if (getattr(exc, "sqlite_errorcode", 0) & 0xFF) in _DAMAGE_CODES:
            return str(exc)
        return None
    finally:
        conn.close()
    found = [line for row in rows for line in str(row[0]).splitlines() if line.strip()]
    if found == ["ok"]:
        return None
    log.error("PRAGMA quick_check on %s:\n%s", path, "\n".join(found))
    # The last line is SQLite's summary ("database disk image is malformed"), when it gives one.
    return found[-1].rsplit("; ", 1)[-1]


def move_aside(path: Path, problem: str) -> SetAside:
    """Move a damaged database and its -wal and -shm to a dated name beside it, so that a fresh
    one can start. Raises OSError when any of them cannot be moved."""
    moved_to = _free_name(path, time.localtime())
    # The sidecars first, with the names SQLite looks for beside the moved file: a WAL left
    # behind would be replayed into the fresh database.
    for suffix in SIDECARS:
        sidecar = path.with_name(path.name + suffix)
        if sidecar.exists():
            sidecar.rename(moved_to.with_name(moved_to.name + suffix))
    path.rename(moved_to)
    log.error("damaged conversation database (%s) moved aside to %s", problem, moved_to)
    return SetAside(path, moved_to, problem)


def _free_name(path: Path, when: time.struct_time) -> Path:
    stamp = time.strftime("%Y%m%d-%H%M%S", when)
    for attempt in range(1000):
        extra = f"-{attempt}" if attempt else ""
        candidate = path.with_name(f"{path.stem}-damaged-{stamp}{extra}{path.suffix}")
        if not any(candidate.with_name(candidate.name + s).exists() for s in ("", *SIDECARS)):
            return candidate
    raise FileExistsError(f"No free name beside {path} to move it aside.")
