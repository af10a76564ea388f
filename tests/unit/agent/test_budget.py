"""A conversation's budget: model and sandboxes together, reached at or past its limit."""

from __future__ import annotations

from decimal import Decimal

import pytest

from desktop.core.agent.budget import BudgetReachedError, TurnBudget
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
