"""Money in words: never a made-up zero for a price nobody knows."""

from __future__ import annotations

from decimal import Decimal

import pytest

from desktop.core.money import PRICE_UNKNOWN, hourly_text, money_text


@pytest.mark.parametrize(
    ("amount", "text"),
    [
        (None, PRICE_UNKNOWN),
        (Decimal(0), "$0.00"),
        (Decimal("0.0031"), "$0.0031"),
        (Decimal("0.00003025"), "under $0.0001"),
        (Decimal("0.1089"), "$0.11"),
        (Decimal("1234.5"), "$1,234.50"),
    ],
)
def test_amounts_read_with_the_precision_they_need(amount: Decimal | None, text: str) -> None:
    assert money_text(amount) == text


def test_an_hourly_rate() -> None:
    assert hourly_text(Decimal("0.1089")) == "$0.11/hour"


def test_a_priced_sum_is_never_shown_as_the_whole_when_some_turns_had_no_price() -> None:
    from desktop.core.money import spent_text

    assert spent_text(Decimal("0.0031"), 0) == "$0.0031"
    assert spent_text(Decimal("0.0031"), 1) == "$0.0031 + 1 turn at a price unknown"
    assert spent_text(Decimal("0.0031"), 2) == "$0.0031 + 2 turns at a price unknown"
    assert spent_text(None, 3) == "price unknown"
    assert spent_text(Decimal(0), 0) == "$0.00"
