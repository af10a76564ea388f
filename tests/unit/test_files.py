"""The one atomic writer: the data reaches the disk before the rename, failures leave no trace."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from desktop.core import files
from desktop.core.files import write_text_atomically


def test_writes_exactly_the_text(tmp_path: Path) -> None:
    path = tmp_path / "new" / "export.md"
    write_text_atomically(path, "a\nb\r\nü\n")
    assert path.read_bytes() == "a\nb\r\nü\n".encode()
    write_text_atomically(path, "again")
    assert path.read_text(encoding="utf-8") == "again"
    assert [p.name for p in path.parent.iterdir()] == ["export.md"]


def test_the_data_is_flushed_to_disk_before_the_rename(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "settings.json"
    steps: list[str] = []
    real_fsync, real_replace = os.fsync, os.replace

    def fsync(fd: int) -> None:
        mode = os.fstat(fd).st_mode
        steps.append("fsync directory" if stat.S_ISDIR(mode) else f"fsync {os.fstat(fd).st_size}")
        real_fsync(fd)

    def replace(src: str, dst: Path) -> None:
        steps.append("replace")
        real_replace(src, dst)

    monkeypatch.setattr(files.os, "fsync", fsync)
    monkeypatch.setattr(files.os, "replace", replace)
    write_text_atomically(path, "{}")

    # The whole file (2 bytes) is on the disk before it replaces the old one; on POSIX the
    # directory is flushed afterwards, so that the rename itself survives a power cut.
    expected = ["fsync 2", "replace"] + (["fsync directory"] if os.name == "posix" else [])
    assert steps == expected
    assert path.read_text(encoding="utf-8") == "{}"


@pytest.mark.parametrize("failing", ["write", "fsync", "replace"])
def test_a_failure_leaves_the_old_file_and_no_temporary_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, failing: str
) -> None:
    path = tmp_path / "export.json"
    path.write_text("old", encoding="utf-8")

    def boom(*_args: object) -> None:
        raise OSError(28, "No space left on device")

    if failing == "replace":
        monkeypatch.setattr(files.os, "replace", boom)
    elif failing == "fsync":
        monkeypatch.setattr(files.os, "fsync", boom)
    text = "\udc80 cannot be encoded" if failing == "write" else "new"

    with pytest.raises(UnicodeEncodeError if failing == "write" else OSError):
        write_text_atomically(path, text)
    assert path.read_text(encoding="utf-8") == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["export.json"]
