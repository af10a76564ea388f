"""The turn events: the terminal ones, and the bounds the store validates usage with."""

from __future__ import annotations

from decimal import Decimal

import pytest
from pydantic import TypeAdapter, ValidationError

from desktop.core.agent.events import (
    TERMINAL_EVENTS,
    TurnCancelled,
    TurnFailed,
    TurnFinished,
    Usage,
)
from desktop.core.errors import ErrorKind


def test_the_terminal_events_are_the_classes_of_turn_end() -> None:
    assert (TurnFinished, TurnCancelled, TurnFailed) == TERMINAL_EVENTS
    assert isinstance(TurnFailed(ErrorKind.UNEXPECTED, "x"), TERMINAL_EVENTS)


@pytest.mark.parametrize(
    "data",
    [{"input_tokens": -1}, {"tool_calls": -3}, {"cost": "-0.01"}, {"requests": "lots"}],
)
def test_usage_refuses_negative_counts_and_costs(data: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        TypeAdapter(Usage).validate_python(data)


def test_usage_takes_zero_and_exact_costs() -> None:
    usage = TypeAdapter(Usage).validate_json('{"input_tokens": 0, "cost": "0.10"}')
    assert usage == Usage(cost=Decimal("0.10"))
