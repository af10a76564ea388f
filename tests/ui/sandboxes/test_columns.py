"""How the sandbox list's shared columns split the room left by the short figures."""

from __future__ import annotations

from desktop.ui.sandboxes.columns import NARROWEST, share

LEAST = {0: 90, 1: 60, 2: 80}


def test_room_for_all_gives_each_its_text_and_the_last_the_rest() -> None:
    assert share(500, {0: 150, 1: 100, 2: 100}, LEAST) == {0: 150, 1: 100, 2: 250}


def test_less_room_keeps_the_least_widths_and_shares_the_rest_by_need() -> None:
    widths = share(300, {0: 150, 1: 60, 2: 140}, LEAST)
    assert sum(widths.values()) == 300
    assert widths[1] == 60 and widths[0] > 90 and widths[2] > 80


def test_below_the_least_the_id_keeps_its_least_and_the_others_shrink() -> None:
    widths = share(200, {0: 150, 1: 100, 2: 100}, LEAST)
    assert widths[0] == 90 and sum(widths.values()) <= 200 and widths[1] < 60
    assert share(10, {}, LEAST) == {0: 90, 1: NARROWEST, 2: NARROWEST}
