"""Names of files in the session's files mount: what a local file is called there, where a
downloaded one is written, and how a size reads.

A local file's name becomes its `mount_relative_path` and the workbench path the model reads
(`/mnt/files/<name>`), so it is reduced to a plain, short, single-segment name: no directory
part (`../`, `/etc/`, `C:\\`), no control or direction characters, only characters that code and
shell commands can quote without surprises. Names that would collide get a number.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Collection, Sequence
from pathlib import Path, PurePosixPath, PureWindowsPath

MAX_NAME_CHARS = 120
"""The longest name a file gets in the mount (its extension kept)."""
MAX_EXTENSION_CHARS = 16
FALLBACK_NAME = "file"

# Letters and digits of any script, and a few marks a shell or a string needs no quoting for.
_UNSAFE = re.compile(r"[^\w.\-+=@,]")
_RUNS = re.compile(r"_{2,}")


def _basename(name: str) -> str:
    """The last segment, for POSIX and Windows separators alike (`a\\..\\b` too)."""
    return PurePosixPath(PureWindowsPath(name).name).name


def safe_file_name(name: str) -> str:
    """`name` as a file in the mount: one segment, printable, at most MAX_NAME_CHARS long."""
    text = unicodedata.normalize("NFC", _basename(name))
    text = "".join(
        " " if unicodedata.category(char).startswith(("C", "Z")) else char for char in text
    )
    text = _RUNS.sub("_", _UNSAFE.sub("_", " ".join(text.split()).replace(" ", "_")))
    text = text.strip("._-")
    if not text:
        return FALLBACK_NAME
    stem, dot, extension = text.rpartition(".")
    if not dot or not stem or len(extension) > MAX_EXTENSION_CHARS:
        stem, extension = text, ""
    suffix = f".{extension}" if extension else ""
    return stem[: MAX_NAME_CHARS - len(suffix)].rstrip("._-") + suffix or FALLBACK_NAME


def _numbered(name: str, number: int) -> str:
    stem, dot, extension = name.rpartition(".")
    if not dot or not stem:
        stem, extension = name, ""
    suffix = f"-{number}" + (f".{extension}" if extension else "")
    return stem[: MAX_NAME_CHARS - len(suffix)] + suffix


def unique_file_names(names: Sequence[str], taken: Collection[str] = ()) -> list[str]:
    """Each of `names` made safe (`safe_file_name`), numbered where it would collide with an
    earlier one or with `taken` (names already in the mount): `sales.csv`, `sales-2.csv`.
    Compared without regard to case, so that the files stay apart on any disk they reach."""
    used = {name.casefold() for name in taken}
    chosen: list[str] = []
    for name in names:
        candidate = base = safe_file_name(name)
        number = 1
        while candidate.casefold() in used:
            number += 1
            candidate = _numbered(base, number)
        used.add(candidate.casefold())
        chosen.append(candidate)
    return chosen


def save_target(mount_relative_path: str, destination: Path | None, cwd: Path) -> Path:
    """Where a downloaded file is written: `destination` when it names a file, inside it when
    it is a directory, in `cwd` when there is none; the file's own name (made safe, never a
    directory of the server's choosing) fills in the name."""
    name = safe_file_name(mount_relative_path)
    if destination is None:
        return cwd / name
    if destination.is_dir():
        return destination / name
    return destination


def size_text(size: int) -> str:
    """A size as people read it: "512 bytes", "1.2 KB", "48.0 MB" (powers of 1,024)."""
    if size < 1024:
        return f"{size} byte{'s' if size != 1 else ''}"
    units = ("KB", "MB", "GB", "TB")
    value, index = size / 1024, 0
    while value >= 1024 and index < len(units) - 1:
        value, index = value / 1024, index + 1
    return f"{value:.1f} {units[index]}"
