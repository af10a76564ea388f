"""One window per data folder: a lock file in it, taken before the window is built (issue 10)."""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtCore import QLockFile

log = logging.getLogger(__name__)

LOCK_FILE_NAME = "e2b-agent.lock"


def already_running_message(data_dir: Path) -> str:
    """What a second launch on the same data folder says, in both the terminal and a box."""
    return (
        f"E2B Agent is already running (data folder {data_dir}). "
        "Use the window that is open, or quit it first."
    )


def claim_data_folder(data_dir: Path) -> QLockFile | None:
    """The data folder's lock, held until the returned object is unlocked or destroyed; None
    when another process holds it. A folder where no lock can be written gives an unlocked
    one (logged): the app still starts.

    A lock left by a process that died (a crash, SIGKILL, power loss) is taken over: QLockFile
    sees that its process no longer runs. Call it once a QCoreApplication exists, because the
    lock file records the application's path and a later check compares it with the holder's.
    """
    lock = QLockFile(str(data_dir / LOCK_FILE_NAME))
    # 0: never stale by age alone. The default (30 s) would let a second window take over the
    # lock of a first one that has simply been running for a while.
    lock.setStaleLockTime(0)
    if lock.tryLock(0) or lock.error() != QLockFile.LockError.LockFailedError:
        if lock.error() != QLockFile.LockError.NoError:
            # No permission, or an unknown error: the folder cannot hold a lock, which says
            # nothing about another window; the database reports its own problem if any.
            log.warning("no lock in %s (QLockFile error %s)", data_dir, lock.error())
        return lock
    return None
