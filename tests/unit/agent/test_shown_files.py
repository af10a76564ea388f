"""The one shown form of a file in the mount, and the real file a shown name stands for."""

from __future__ import annotations

import pytest

from desktop.core.agent.shown_files import ShownFile, find_shown, shown_file
from desktop.core.errors import ErrorKind, UserFacingError
from desktop.core.redaction import MARK, Redactor
from desktop.core.router.files_mount import MountItem
from desktop.core.router.transfer_errors import FileTransferError

KNOWN = "known-secret-value-123"


def _files(*paths: str) -> list[ShownFile]:
    redactor = Redactor([KNOWN])
    items = [MountItem(mount_relative_path=path, size=1) for path in paths]
    return [ShownFile(item, shown_file(item, redactor)) for item in items]


def _found(files: list[ShownFile], name: str, *, by_name: bool = False) -> str:
    return find_shown(files, name, by_name=by_name).item.mount_relative_path


def test_the_shown_form_has_no_key_and_is_cut_after_redacting() -> None:
    (file,) = _files(f"out/{KNOWN}-sk-abcdef123456.csv")
    assert file.shown.mount_relative_path == f"out/{MARK}-{MARK}.csv"
    assert file.shown.name == f"{MARK}-{MARK}.csv"
    assert file.shown.sandbox_path == f"/mnt/files/out/{MARK}-{MARK}.csv"
    # A key across the cut is taken out whole before the cut, never left in part.
    (long,) = _files("d" * 990 + "/" + KNOWN)
    assert long.shown.mount_relative_path == "d" * 990 + "/" + MARK[:9]


def test_a_shown_name_finds_its_real_file_exact_path_first() -> None:
    files = _files("a sk-abcdef123456.csv", f"a {MARK}.csv", "b\x1bc.txt", "sub/b\x1bc.txt")
    assert _found(files, f"a {MARK}.csv") == f"a {MARK}.csv"  # the real path, as it is
    assert _found(files, "b\x1bc.txt") == "b\x1bc.txt"
    assert _found(files, "sub/b\\u001bc.txt") == "sub/b\x1bc.txt"  # as the terminal writes it
    assert _found(files, "b\\u001bc.txt") == "b\x1bc.txt"
    with pytest.raises(FileTransferError) as gone:
        _found(files, "c.txt")
    assert gone.value.problem == "not_found"
    assert gone.value.message == (
        "'c.txt' is not in the workbench's files: it may have been renamed or deleted."
    )


def test_several_files_shown_alike_are_refused_with_a_sentence() -> None:
    files = _files("a sk-abcdef123456.csv", "a sk-xyzdef123456.csv")
    with pytest.raises(UserFacingError) as several:
        _found(files, f"a {MARK}.csv")
    assert several.value.kind is ErrorKind.BAD_INPUT
    assert several.value.message.startswith(
        f"Several of the workbench's files are shown as 'a {MARK}.csv', so which one is meant"
    )


def test_by_name_a_file_name_finds_it_unless_several_have_it() -> None:
    files = _files("x/report.csv", "y/report.csv", "z/only.csv")
    assert _found(files, "only.csv", by_name=True) == "z/only.csv"
    with pytest.raises(FileTransferError):
        _found(files, "only.csv")  # a cell's path is never taken for a file name
    with pytest.raises(UserFacingError) as several:
        _found(files, "report.csv", by_name=True)
    assert several.value.message == (
        "Several files are called 'report.csv' (x/report.csv, y/report.csv): name one by its path."
    )
