"""Money as both faces write it: dollars with the precision a small amount needs, and "price
unknown" where no price is known (never a made-up $0)."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

PRICE_UNKNOWN = "price unknown"
CENT = Decimal("0.01")


def money_text(amount: Decimal | None) -> str:
    """`$1.23`, `$0.42`, `$0.0031` (a small amount keeps four decimals), or "price unknown"."""
    if amount is None:
        return PRICE_UNKNOWN
    if amount == 0:
        return "$0.00"
    places = CENT if abs(amount) >= CENT else Decimal("0.0001")
    rounded = amount.quantize(places, rounding=ROUND_HALF_UP)
    if rounded == 0:
        return "under $0.0001"
    return f"${rounded:,}"


def hourly_text(per_hour: Decimal) -> str:
    """`$0.11/hour`."""
    return f"{money_text(per_hour)}/hour"
