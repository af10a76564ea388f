"""The model's cost per day, summed from the stored turns; a price nobody knew is counted as
unknown, not as free."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from desktop.core.agent.events import Usage
from desktop.core.store.spending import day_bounds
from desktop.core.store.sqlite import ConversationStore
from tests.unit.store.test_store_messages import MODEL, FakeClock, answered, dump


@pytest.fixture
def clock() -> FakeClock:
    # 10:00 local time on some day, so the day's bounds are the local midnights around it.
    morning = datetime.now().astimezone().replace(hour=10, minute=0, second=0, microsecond=0)
    return FakeClock(morning.timestamp())


@pytest.fixture
def store(tmp_path: Path, clock: FakeClock) -> Iterator[ConversationStore]:
    with ConversationStore(tmp_path / "c.sqlite3", clock=clock) as store:
        yield store


def _turn(store: ConversationStore, cid: str, usage: Usage) -> None:
    turn = store.begin_turn(cid, "q")
    store.complete_turn(turn, dump(answered("q", "a")), "a", (), usage)


def test_a_days_cost_sums_that_days_turns_of_every_conversation(
    store: ConversationStore, clock: FakeClock
) -> None:
    first, second = store.create_conversation(MODEL), store.create_conversation(MODEL)
    _turn(store, first, Usage(100, 10, 1, 0, Decimal("0.01")))
    _turn(store, second, Usage(200, 20, 1, 0, Decimal("0.02")))
    _turn(store, second, Usage(50, 5, 1, 0, None))  # a model without a known price
    today = day_bounds(datetime.fromtimestamp(clock.now).astimezone())
    clock.advance(24 * 3600)
    _turn(store, first, Usage(1, 1, 1, 0, Decimal("5")))  # tomorrow's

    spent = store.spending_between(*today)
    assert spent.turns == 3 and spent.unpriced_turns == 1
    assert spent.usage.cost == Decimal("0.03")
    assert (spent.usage.input_tokens, spent.usage.output_tokens) == (350, 35)
    tomorrow = day_bounds(datetime.fromtimestamp(clock.now).astimezone())
    assert store.spending_between(*tomorrow).usage.cost == Decimal("5")


def test_a_day_without_a_priced_turn_has_no_cost_at_all(
    store: ConversationStore, clock: FakeClock
) -> None:
    cid = store.create_conversation(MODEL)
    _turn(store, cid, Usage(5, 5, 1, 0, None))
    spent = store.spending_between(*day_bounds(datetime.fromtimestamp(clock.now).astimezone()))
    assert spent.usage.cost is None and spent.unpriced_turns == 1


def test_the_day_is_the_local_calendar_day() -> None:
    moment = datetime(2026, 3, 29, 12, 0).astimezone()
    start, end = day_bounds(moment)
    assert datetime.fromtimestamp(start).astimezone().hour == 0
    assert timedelta(hours=23) <= timedelta(seconds=end - start) <= timedelta(hours=25)
    assert start <= moment.timestamp() < end
