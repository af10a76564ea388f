"""The terminal's table fits its width: the free-text column is cut, then columns left out."""

from __future__ import annotations

from desktop.cli_table import LEAST_CUT, fit_table

ROWS = [
    ("ID", "STATE", "COST", "METADATA"),
    ("i" * 20, "running", "$0.05", "purpose=demo owner=data-team"),
    ("j" * 20, "paused", "$0.00", "x"),
]


def test_not_a_terminal_shows_every_column_whole() -> None:
    fitted = fit_table(ROWS, None, leave_out_first=(3, 2), cuttable=3)
    assert fitted.left_out == ()
    assert fitted.lines[1] == f"{'i' * 20}  running  $0.05  purpose=demo owner=data-team"
    assert fitted.lines[0] == "ID                    STATE    COST   METADATA"


def test_a_wide_enough_terminal_changes_nothing() -> None:
    assert fit_table(ROWS, 200, leave_out_first=(3,), cuttable=3) == fit_table(ROWS, None)


def test_the_free_text_column_is_cut_to_the_room_left() -> None:
    fitted = fit_table(ROWS, 55, leave_out_first=(3, 2), cuttable=3)
    assert fitted.left_out == ()
    assert all(len(line) <= 55 for line in fitted.lines)
    assert fitted.lines[1] == f"{'i' * 20}  running  $0.05  purpose=demo own…"
    assert fitted.lines[2] == f"{'j' * 20}  paused   $0.00  x"


def test_columns_are_left_out_in_order_when_cutting_is_not_enough() -> None:
    narrow = 20 + 2 + 7 + 2 + 5 + 2 + LEAST_CUT - 1  # one short of a cut METADATA
    fitted = fit_table(ROWS, narrow, leave_out_first=(3, 2), cuttable=3)
    assert fitted.left_out == ("METADATA",)
    assert fitted.lines[1] == f"{'i' * 20}  running  $0.05"
    tiny = fit_table(ROWS, 30, leave_out_first=(3, 2), cuttable=3)
    assert tiny.left_out == ("COST", "METADATA")
    assert tiny.lines[1] == f"{'i' * 20}  running"


def test_nothing_left_to_leave_out_lets_the_lines_wrap() -> None:
    fitted = fit_table(ROWS, 10, leave_out_first=(3,), cuttable=3)
    assert fitted.left_out == ("METADATA",)
    assert fitted.lines[1] == f"{'i' * 20}  running  $0.05"
