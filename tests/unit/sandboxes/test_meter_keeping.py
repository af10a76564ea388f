"""The meter's records: its clocks as JSON that reads back exactly, written only when they
change, forgotten when nothing counts them any more, a damaged one left out; the meter resumes
from them, a sandbox this run has seen keeping what it saw."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Collection, Mapping
from decimal import Decimal

import pytest

from desktop.core.config.sandbox_rates import SandboxRates
from desktop.core.sandboxes.meter import RunClock, RunningTime
from desktop.core.sandboxes.meter_keeping import (
    MeterKeeper,
    clock_from_json,
    clock_to_json,
)
from tests.unit.sandboxes.boxes import T0, box

RATES = SandboxRates(vcpu=Decimal("0.000014"), ram_gib=Decimal("0.0000045"))


class Records:
    """The records as the database keeps them (sandbox id: text); every write is recorded."""

    def __init__(self, **rows: str) -> None:
        self.rows = dict(rows)
        self.writes: list[tuple[dict[str, str], list[str]]] = []
        self.fail = False

    async def sandbox_clocks(self) -> list[str]:
        return list(self.rows.values())

    async def keep_sandbox_clocks(
        self, kept: Mapping[str, str], dropped: Collection[str] = ()
    ) -> None:
        if self.fail:
            raise OSError("disk full")
        self.writes.append((dict(kept), list(dropped)))
        self.rows.update(kept)
        for sandbox_id in dropped:
            self.rows.pop(sandbox_id, None)


def test_a_clock_reads_back_exactly() -> None:
    clock = RunClock("a", 4, 2048, "c1", banked=12.5, running_since=T0, end_at=T0 + 300)
    assert clock_from_json(clock_to_json(clock)) == clock
    gone = RunClock("b", 2, 512, None, banked=3.0, gone=True)
    assert clock_from_json(clock_to_json(gone)) == gone


@pytest.mark.parametrize(
    "text",
    [
        "",
        "not json",
        "[]",
        '{"sandbox_id": "a"}',  # no sizes
        '{"sandbox_id": "a", "cpu_count": 2, "memory_mb": 512, "conversation_id": null,'
        ' "banked": -5}',
        '{"sandbox_id": "a", "cpu_count": 2, "memory_mb": 512, "conversation_id": null,'
        ' "banked": 1e300}',  # its cost could not even be computed
        '{"sandbox_id": "a", "cpu_count": 2, "memory_mb": 512, "conversation_id": null,'
        ' "running_since": NaN}',
        '{"sandbox_id": "a", "cpu_count": -1, "memory_mb": 512, "conversation_id": null}',
    ],
)
def test_a_damaged_record_is_left_out_and_said_in_the_log(
    text: str, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING):
        assert clock_from_json(text) is None
    (record,) = caplog.records
    assert record.getMessage().startswith("a kept sandbox clock was left out (")
    assert "1e300" not in record.getMessage()  # what was found, not the content


def test_only_the_clocks_that_changed_are_written() -> None:
    records = Records()
    keeper = MeterKeeper(records)
    meter = RunningTime()

    async def scenario() -> None:
        await keeper.load()
        meter.observe([box("a", started=T0 - 100), box("b", conversation="c1")], T0)
        await keeper.keep(meter.clocks)
        meter.observe([box("a", started=T0 - 100), box("b", conversation="c1")], T0 + 30)
        await keeper.keep(meter.clocks)  # both still running as seen: nothing new
        meter.paused("a", T0 + 40)
        await keeper.keep(meter.clocks)

    asyncio.run(scenario())
    assert [sorted(kept) for kept, _ in records.writes] == [["a", "b"], ["a"]]
    restored = clock_from_json(records.rows["a"])
    assert restored is not None and restored.seconds(T0 + 9999) == 140


def test_a_gone_sandbox_is_kept_only_while_a_conversation_counts_it() -> None:
    records = Records()
    keeper = MeterKeeper(records)
    meter = RunningTime()

    async def scenario() -> None:
        await keeper.load()
        meter.observe([box("mine", conversation="c1"), box("theirs")], T0)
        await keeper.keep(meter.clocks)
        meter.observe([], T0 + 60)  # both killed somewhere
        await keeper.keep(meter.clocks)

    asyncio.run(scenario())
    assert records.writes[-1][1] == ["theirs"]
    assert set(records.rows) == {"mine"}
    mine = clock_from_json(records.rows["mine"])
    assert mine is not None and mine.gone and mine.seconds(T0 + 9999) == 60


def test_a_failed_write_is_logged_and_made_again_with_the_next_change(
    caplog: pytest.LogCaptureFixture,
) -> None:
    records = Records()
    keeper = MeterKeeper(records)
    meter = RunningTime()

    async def scenario() -> None:
        await keeper.load()
        meter.observe([box("a"), box("b")], T0)
        records.fail = True
        with caplog.at_level(logging.WARNING):
            await keeper.keep(meter.clocks)  # never raises: the meter counts on
        records.fail = False
        meter.paused("b", T0 + 10)
        await keeper.keep(meter.clocks)

    asyncio.run(scenario())
    assert "the sandbox meter's records were not kept" in caplog.text
    assert set(records.rows) == {"a", "b"}


def test_the_meter_resumes_from_the_records_and_forgets_what_no_one_counts() -> None:
    paused = RunClock("a", 2, 512, "c1", banked=150.0)
    gone = RunClock("b", 2, 512, None, banked=10.0, gone=True)  # a drop that failed once
    records = Records(a=clock_to_json(paused), b=clock_to_json(gone), c="damaged")
    keeper = MeterKeeper(records)
    meter = RunningTime()

    asyncio.run(_load_into(keeper, meter))
    assert meter.clocks["a"] == paused
    assert "c" not in meter.clocks and "b" not in records.rows
    assert records.rows["c"] == "damaged"  # not lost: replaced once its sandbox is seen
    # Listed still paused days later: not charged for the pause.
    meter.observe([box("a", state="paused", ends=T0 - 3600, conversation="c1")], T0 + 86400)
    assert meter.conversation_cost("c1", T0 + 90000, RATES) == RATES.cost(2, 512, 150)


def test_a_sandbox_this_run_has_seen_keeps_what_it_saw() -> None:
    kept = RunClock("a", 2, 512, None, banked=150.0)
    meter = RunningTime()
    meter.observe([box("a", started=T0 - 10)], T0)
    meter.restore([kept, RunClock("z", 2, 512, None, banked=5.0)])
    assert meter.clocks["a"].running_since == T0 - 10 and meter.clocks["a"].banked == 0
    assert meter.clocks["z"].banked == 5.0


async def _load_into(keeper: MeterKeeper, meter: RunningTime) -> None:
    meter.restore(await keeper.load())
