"""Writing a file so that a crash or a full disk never leaves half of it: the one atomic writer."""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path
from types import TracebackType
from typing import Self


class AtomicWriter:
    """A file written in pieces to a temporary file next to `path`, then, by `commit`, flushed
    to the disk and renamed over `path`: readers see the old file or the new one, never a part,
    also after a power cut. `discard` (or leaving a `with` block by an exception) removes the
    temporary file and leaves `path` untouched. The calls block: async callers run each of them
    in a thread (`asyncio.to_thread`)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, self._temporary = tempfile.mkstemp(
            prefix=f".{path.name}.", suffix=".tmp", dir=path.parent
        )
        self._handle = os.fdopen(fd, "wb")
        self.written = 0

    def write(self, data: bytes) -> None:
        self._handle.write(data)
        self.written += len(data)

    def commit(self) -> None:
        """Flush, rename over `path`, make the rename durable; on a failure, `discard`."""
        try:
            self._handle.flush()
            os.fsync(self._handle.fileno())
            self._handle.close()
            os.replace(self._temporary, self.path)
        except BaseException:
            self.discard()
            raise
        _sync_directory(self.path.parent)

    def discard(self) -> None:
        """Remove the temporary file (again: harmless)."""
        with contextlib.suppress(OSError):
            self._handle.close()
        with contextlib.suppress(OSError):
            os.unlink(self._temporary)

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if exc is None:
            self.commit()
        else:
            self.discard()


def write_text_atomically(path: Path, text: str) -> None:
    """Write `text` (UTF-8, newlines as given) to `path` atomically (`AtomicWriter`). On any
    failure the temporary file is removed and `path` untouched."""
    # Encoded before the temporary file exists: a bad text leaves nothing.
    write_bytes_atomically(path, text.encode("utf-8"))


def write_bytes_atomically(path: Path, data: bytes) -> None:
    """Write `data` to `path` atomically (`AtomicWriter`), as `write_text_atomically`."""
    with AtomicWriter(path) as writer:
        writer.write(data)


def _sync_directory(directory: Path) -> None:
    """Make the rename itself durable (POSIX; Windows has no directory handles to flush)."""
    if os.name != "posix":
        return
    with contextlib.suppress(OSError):
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
