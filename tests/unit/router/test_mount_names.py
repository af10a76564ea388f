"""Names of files in the mount: hostile names made plain, collisions numbered, saves kept where
they were asked to go."""

from __future__ import annotations

from pathlib import Path

import pytest

from desktop.core.router.mount_names import (
    MAX_NAME_CHARS,
    safe_file_name,
    save_target,
    size_text,
    unique_file_names,
)


@pytest.mark.parametrize(
    ("name", "safe"),
    [
        ("sales.csv", "sales.csv"),
        ("../../etc/passwd", "passwd"),
        ("/etc/shadow", "shadow"),
        ("C:\\Users\\me\\Q3 report.xlsx", "Q3_report.xlsx"),
        ("..\\..\\boot.ini", "boot.ini"),
        ("..", "file"),
        ("", "file"),
        ("   ", "file"),
        ("a\x00b\nc\x1b[31m.txt", "a_b_c_31m.txt"),
        ("invoice\u202efdp.exe", "invoice_fdp.exe"),  # a right-to-left override
        ("rm -rf $(whoami);.sh", "rm_-rf_whoami.sh"),
        ("données été.csv", "données_été.csv"),
        (".bashrc", "bashrc"),
        ("archive.tar.gz", "archive.tar.gz"),
    ],
)
def test_hostile_names_become_plain_ones(name: str, safe: str) -> None:
    assert safe_file_name(name) == safe


def test_very_long_names_keep_their_extension() -> None:
    name = safe_file_name("x" * 5000 + ".csv")
    assert len(name) == MAX_NAME_CHARS and name.endswith("xxx.csv")
    odd = safe_file_name("y." + "z" * 200)  # no real extension: cut as a whole
    assert len(odd) == MAX_NAME_CHARS


def test_collisions_are_numbered_within_a_message_and_against_the_mount() -> None:
    names = unique_file_names(
        ["sales.csv", "SALES.csv", "sub/sales.csv", "notes", "notes"], taken=["sales.csv"]
    )
    assert names == ["sales-2.csv", "SALES-3.csv", "sales-4.csv", "notes", "notes-2"]
    assert len(set(n.casefold() for n in names)) == len(names)


def test_a_save_goes_exactly_where_it_was_asked(tmp_path: Path) -> None:
    (tmp_path / "dir").mkdir()
    assert save_target("out/../../x.png", None, tmp_path) == tmp_path / "x.png"
    assert save_target("out/chart.png", tmp_path / "dir", tmp_path) == tmp_path / "dir/chart.png"
    chosen = tmp_path / "mine.png"
    assert save_target("out/chart.png", chosen, tmp_path) == chosen


@pytest.mark.parametrize(
    ("size", "text"),
    [(0, "0 bytes"), (1, "1 byte"), (1023, "1023 bytes"), (1536, "1.5 KB"), (50 << 20, "50.0 MB")],
)
def test_sizes_read_as_people_read_them(size: int, text: str) -> None:
    assert size_text(size) == text
