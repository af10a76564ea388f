"""The list as the faces show it, and the question quitting asks."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from desktop.core.config.sandbox_rates import SandboxRates
from desktop.core.sandboxes.leaving import (
    LeaveChoice,
    LeaveOutcome,
    leave_question,
    remembered_choice,
)
from desktop.core.sandboxes.meter import RunningTime
from desktop.core.sandboxes.records import Sandbox
from desktop.core.sandboxes.view import build_view
from tests.unit.sandboxes.boxes import T0, box

RATES = SandboxRates(vcpu=Decimal("0.000014"), ram_gib=Decimal("0.0000045"))


def _view(*boxes: Sandbox, now: float = T0 + 60) -> object:
    meter = RunningTime()
    meter.observe(boxes, T0)
    return build_view(boxes, meter, RATES, now, read_at=T0)


def test_rows_carry_cost_rate_and_time_left_and_conversations_add_up() -> None:
    boxes = (
        box("a", started=T0 - 100, ends=T0 + 600, conversation="c1"),
        box("b", state="paused", started=T0 - 50, conversation="c1"),
        box("c", started=T0 - 10, cpu=4, memory=1024),
    )
    view = _view(*boxes)
    assert [row.sandbox_id for row in view.rows] == ["c", "b", "a"]  # newest first
    a, b, c = view.row("a"), view.row("b"), view.row("c")
    assert a is not None and b is not None and c is not None
    assert a.cost == RATES.cost(2, 512, 160) and a.seconds_left == 540
    assert b.cost == 0 and b.per_hour == 0 and b.seconds_left is None
    assert c.per_hour == RATES.per_hour(4, 1024)
    assert view.per_hour == a.per_hour + c.per_hour
    mine = view.for_conversation("c1")
    assert (mine.running, mine.paused, mine.cost) == (1, 1, a.cost)
    assert view.for_conversation("elsewhere").running == 0
    assert view.read_at == datetime.fromtimestamp(T0, tz=UTC)


def test_quitting_asks_only_about_the_apps_running_sandboxes() -> None:
    assert leave_question(_view(box("x"), box("y", state="paused", conversation="c1"))) is None
    question = leave_question(
        _view(box("a", conversation="c1"), box("b", conversation="c2"), box("x"))
    )
    assert question is not None and question.count == 2
    assert question.per_hour == RATES.per_hour(2, 512) * 2
    assert (
        question.text
        == "2 sandboxes this app created are still running ($0.22/hour while they run)."
    )


def test_a_remembered_choice_and_what_each_answer_did() -> None:
    assert remembered_choice("ask") is None
    assert remembered_choice("kill") is LeaveChoice.KILL
    assert LeaveOutcome(LeaveChoice.KEEP, ("a", "b")).text == "Left 2 sandboxes running."
    assert LeaveOutcome(LeaveChoice.KILL, ("a",)).text == "Killed 1 sandbox."


def test_odd_records_read_as_far_as_they_go() -> None:
    odd = Sandbox.model_validate(
        {
            "sandboxID": "z",
            "state": "PAUSED",
            "metadata": {"n": 3},
            "startedAt": "2026-01-01T00:00:00",
        }
    )
    assert odd.paused and odd.metadata == {"n": "3"} and odd.label == "unknown template"
    assert odd.started_at is not None and odd.started_at.tzinfo is not None
    assert not odd.made_here and odd.conversation_id is None
