"""A conversation's budget: model and sandboxes together, reached at or past its limit."""

from __future__ import annotations

from decimal import Decimal

import pytest

from desktop.core.agent.budget import (
    MAX_BUDGET,
    NO_BUDGET,
    BudgetReachedError,
    BudgetStatus,
    TurnBudget,
    budget_limit,
    parse_amount,
    raised_amount,
)
from desktop.core.errors import ErrorKind, Remedy


def test_the_budget_counts_earlier_turns_the_running_one_and_the_sandboxes() -> None:
    budget = TurnBudget(Decimal("1.00"), Decimal("0.40"), lambda: Decimal("0.25"))
    assert budget.spent(Decimal("0.10")) == Decimal("0.75")
    assert budget.spent(None) == Decimal("0.65")  # a price unknown adds nothing
    budget.check(Decimal("0.34"))  # 0.99: still under


def test_reaching_it_stops_with_a_sentence_and_the_remedy_to_word() -> None:
    budget = TurnBudget(Decimal("0.50"), Decimal("0.30"), lambda: Decimal("0.20"))
    with pytest.raises(BudgetReachedError) as caught:
        budget.check(None)
    error = caught.value
    assert error.kind is ErrorKind.BUDGET_REACHED
    assert error.fix is not None and error.fix.remedy is Remedy.RAISE_BUDGET
    assert error.message == (
        "This conversation has spent $0.50 of its $0.50 budget, so the agent stopped before "
        "asking the model again: raise its budget or start a new one."
    )


def test_a_conversation_without_its_own_budget_follows_the_setting() -> None:
    assert budget_limit(None, Decimal("2.50")) == Decimal("2.50")  # every old conversation
    assert budget_limit(None, None) is None
    assert budget_limit(Decimal("5"), Decimal("2.50")) == Decimal("5")
    assert budget_limit(NO_BUDGET, Decimal("2.50")) is None  # "off" beats the setting


@pytest.mark.parametrize(
    ("typed", "amount"),
    [("2.50", Decimal("2.50")), ("$3", Decimal(3)), (" 1,000 ", Decimal(1000))],
)
def test_a_typed_amount_is_read_exactly(typed: str, amount: Decimal) -> None:
    assert parse_amount(typed) == amount


@pytest.mark.parametrize("typed", ["1,50", "12,3456", "1,5,0"])
def test_a_comma_before_cents_is_refused_rather_than_read_as_thousands(typed: str) -> None:
    """ "1,50" (a European 1.50) was read as $150: a budget 100 times the one meant."""
    with pytest.raises(ValueError, match=r"cents after a point, like 1\.50"):
        parse_amount(typed)


@pytest.mark.parametrize("typed", ["", "abc", "0", "-1", "NaN", "Infinity", "1e9", "1.2.3"])
def test_a_typed_amount_that_is_not_one_is_refused_with_a_sentence(typed: str) -> None:
    with pytest.raises(ValueError, match=r"over \$0 and up to \$1,000,000.00, like 2.50"):
        parse_amount(typed)


def test_raising_offers_twice_as_much_in_cents_and_more_than_was_spent() -> None:
    assert raised_amount(Decimal("2.50"), Decimal("2.51")) == Decimal("5.02")
    assert raised_amount(Decimal("0.0001"), Decimal("0.0003")) == Decimal("0.02")
    assert raised_amount(Decimal(900_000), Decimal(0)) == MAX_BUDGET
    reached = BudgetStatus(Decimal("1.00"), model=Decimal("0.90"), sandboxes=Decimal("0.10"))
    assert reached.reached and reached.offered(raising=False) == Decimal("2.00")
    under = BudgetStatus(Decimal("1.00"), own=Decimal("1.00"), model=Decimal("0.10"))
    assert under.offered(raising=False) == Decimal("1.00")
    assert under.offered(raising=True) == Decimal("2.00")
    assert BudgetStatus(None).offered(raising=True) == Decimal("1")


def test_the_status_says_what_it_could_not_count() -> None:
    status = BudgetStatus(
        Decimal("2.50"), model=Decimal("0.40"), sandboxes=Decimal("0.02"), unpriced_turns=2
    )
    assert status.words() == (
        "$0.42 of its $2.50 budget spent (model $0.40, sandboxes $0.02), the default from the "
        "settings; 2 turns at an unknown price not counted."
    )
    assert BudgetStatus(None, own=NO_BUDGET, unpriced_turns=1).words() == (
        "No budget: $0.00 spent (model $0.00, sandboxes $0.00); 1 turn at an unknown price "
        "not counted."
    )
