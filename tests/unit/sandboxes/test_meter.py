"""Sandbox cost: E2B's per-second rates times the running time seen, paused time free."""

from __future__ import annotations

from decimal import Decimal

import pytest
from pydantic import ValidationError

from desktop.core.config.sandbox_rates import SandboxRates
from desktop.core.config.settings import E2B_RAM_PRICE, E2B_VCPU_PRICE
from desktop.core.sandboxes.meter import RunningTime
from desktop.core.sandboxes.records import MetricSample, Sandbox
from tests.unit.sandboxes.boxes import T0, box

RATES = SandboxRates(vcpu=Decimal("0.000014"), ram_gib=Decimal("0.0000045"))


def test_the_published_rates_make_the_default_sandbox_cost_about_eleven_cents_an_hour() -> None:
    rates = SandboxRates(E2B_VCPU_PRICE, E2B_RAM_PRICE)
    # 2 vCPU x 0.000014 + 0.5 GiB x 0.0000045 = 0.00003025 per second.
    assert rates.per_second(2, 512) == Decimal("0.00003025")
    assert rates.per_hour(2, 512) == Decimal("0.108900")
    assert rates.cost(2, 512, 600) == Decimal("0.01815")


def test_a_sandbox_first_seen_running_counts_from_its_start() -> None:
    meter = RunningTime()
    meter.observe([box(started=T0 - 100)], T0)
    assert meter.cost("isbx1", T0, RATES) == RATES.cost(2, 512, 100)
    assert meter.cost("isbx1", T0 + 50, RATES) == RATES.cost(2, 512, 150)


def test_paused_time_costs_nothing() -> None:
    meter = RunningTime()
    meter.observe([box(started=T0 - 100)], T0)
    meter.paused("isbx1", T0 + 20)  # the app paused it: counted to the second
    meter.observe([box(state="paused", started=T0 - 100, ends=T0 + 20)], T0 + 30)
    assert meter.cost("isbx1", T0 + 1000, RATES) == RATES.cost(2, 512, 120)
    meter.resumed("isbx1", T0 + 1000)
    assert meter.cost("isbx1", T0 + 1060, RATES) == RATES.cost(2, 512, 180)


def test_a_change_made_elsewhere_counts_from_the_refresh_that_sees_it() -> None:
    meter = RunningTime()
    meter.observe([box(state="paused", ends=T0 - 60)], T0)
    assert meter.cost("isbx1", T0 + 10, RATES) == 0  # first seen paused: nothing yet
    meter.observe([box(ends=T0 + 330)], T0 + 30)  # resumed by someone else in between
    meter.observe([box(state="paused", ends=T0 + 500)], T0 + 90)  # and paused again
    assert meter.cost("isbx1", T0 + 600, RATES) == RATES.cost(2, 512, 60)


def test_a_pause_whose_end_time_e2b_gives_stops_there() -> None:
    meter = RunningTime()
    meter.observe([box(started=T0)], T0)
    meter.observe([box(state="paused", ends=T0 + 40)], T0 + 60)
    assert meter.cost("isbx1", T0 + 60, RATES) == RATES.cost(2, 512, 40)


def test_a_sandbox_gone_from_the_list_stops_at_its_end_or_when_it_was_missed() -> None:
    meter = RunningTime()
    meter.observe([box("a", ends=T0 + 10), box("b", ends=T0 + 900)], T0)
    meter.observe([], T0 + 30)  # a ran out at +10; b was killed somewhere in between
    assert meter.cost("a", T0 + 500, RATES) == RATES.cost(2, 512, 10)
    assert meter.cost("b", T0 + 500, RATES) == RATES.cost(2, 512, 30)
    assert meter.clocks["a"].gone and meter.clocks["b"].gone


def test_bigger_sandboxes_cost_more_and_conversations_add_up_their_own() -> None:
    meter = RunningTime()
    meter.observe(
        [
            box("a", cpu=4, memory=2048, conversation="c1"),
            box("b", conversation="c1"),
            box("c", conversation="c2"),
            box("d"),  # not the app's
        ],
        T0,
    )
    meter.killed("b", T0 + 60)
    cost = meter.conversation_cost("c1", T0 + 120, RATES)
    assert cost == RATES.cost(4, 2048, 120) + RATES.cost(2, 512, 60)
    assert RATES.per_second(4, 2048) == Decimal("0.000065")
    assert meter.conversation_cost("c3", T0 + 120, RATES) == 0


def test_a_start_out_of_any_sandbox_s_life_counts_from_when_it_is_first_seen() -> None:
    """Go's zero time as `startedAt` charged a conversation about $1.9 million."""
    listed = box().model_dump(by_alias=True, mode="json")
    for odd in ("0001-01-01T00:00:00Z", "2999-01-01T00:00:00Z"):
        odd_box = Sandbox.model_validate({**listed, "startedAt": odd, "endAt": odd})
        assert odd_box.started_at is None and odd_box.end_at is None
        meter = RunningTime()
        meter.observe([odd_box], T0)
        assert meter.cost("isbx1", T0 + 60, RATES) == RATES.cost(2, 512, 60)


def test_sizes_no_sandbox_has_are_refused_not_computed_with() -> None:
    listed = box().model_dump(by_alias=True, mode="json")
    for field, value in (("memoryMB", 10**40), ("cpuCount", 10**9), ("memoryMB", -1)):
        with pytest.raises(ValidationError):
            Sandbox.model_validate({**listed, field: value})
    with pytest.raises(ValidationError):
        MetricSample.model_validate({"timestampUnix": 1, "memUsed": 10**400})
