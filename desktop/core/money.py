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


def spent_text(priced: Decimal | None, unpriced_turns: int) -> str:
    """What turns cost: `$0.0031`, `$0.0031 + 2 turns at a price unknown`, or "price unknown"
    when none had a price (a priced sum is never shown as the whole when some were not)."""
    if unpriced_turns == 0 or priced is None:
        return money_text(priced)
    noun = "turn" if unpriced_turns == 1 else "turns"
    return f"{money_text(priced)} + {unpriced_turns} {noun} at a {PRICE_UNKNOWN}"
