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


def test_a_file_written_in_pieces_appears_whole_or_not_at_all(tmp_path: Path) -> None:
    path = tmp_path / "chart.png"
    path.write_bytes(b"old")
    writer = files.AtomicWriter(path)
    for piece in (b"\x89PNG", b"\r\n", b"rest"):
        writer.write(piece)
        assert path.read_bytes() == b"old"  # readers see the old file meanwhile
    writer.commit()
    assert path.read_bytes() == b"\x89PNG\r\nrest" and writer.written == 10
    assert [p.name for p in tmp_path.iterdir()] == ["chart.png"]

    with pytest.raises(RuntimeError), files.AtomicWriter(path) as failing:
        failing.write(b"half")
        raise RuntimeError("the download dropped")
    assert path.read_bytes() == b"\x89PNG\r\nrest"
    assert [p.name for p in tmp_path.iterdir()] == ["chart.png"]
