"""The sandbox figures as both faces word them (`core.sandboxes.words`)."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from desktop.core.config.sandbox_rates import SandboxRates
from desktop.core.sandboxes.meter import RunningTime
from desktop.core.sandboxes.view import build_view
from desktop.core.sandboxes.words import (
    ANOTHER_CHAT,
    NOT_MADE_HERE,
    THIS_CHAT,
    chat_text,
    count_text,
    list_summary,
    metadata_text,
    started_text,
    time_left_text,
)
from tests.unit.sandboxes.boxes import T0, box

RATES = SandboxRates(vcpu=Decimal("0.000014"), ram_gib=Decimal("0.0000045"))


def test_counts_and_the_list_summary() -> None:
    assert count_text(1) == "1 sandbox" and count_text(2) == "2 sandboxes"
    assert count_text(3, "turn") == "3 turns"
    boxes = (box("ione"), box("itwo", state="paused"))
    view = build_view(boxes, RunningTime(), RATES, T0, read_at=T0, unreadable=1)
    said = list_summary(view)
    assert said.startswith("2 sandboxes, 1 running: $") and said.endswith(
        "/hour. 1 could not be read."
    )
    one = build_view((box("ione"),), RunningTime(), RATES, T0, read_at=T0)
    assert list_summary(one).startswith("1 sandbox, 1 running")  # not "1 sandboxes"


def test_time_left_in_words_and_the_start() -> None:
    assert time_left_text(35 * 60 - 1) == "34 min"
    assert time_left_text(62 * 60) == "1 h 02 min"
    assert time_left_text(None) == "paused" and time_left_text(0) == "ending"
    now = datetime.fromtimestamp(T0, tz=UTC)
    assert started_text(None, now) == "?"
    assert started_text(now, now) == now.astimezone().strftime("%H:%M")


def test_the_chat_a_sandbox_came_from_and_its_metadata() -> None:
    titles = {"conv-2": "Nightly data run"}
    assert chat_text(box(conversation="conv-1"), "conv-1", titles) == THIS_CHAT
    assert chat_text(box(conversation="conv-2"), "conv-1", titles) == "Nightly data run"
    assert chat_text(box(conversation="conv-3"), "conv-1", titles) == ANOTHER_CHAT
    assert chat_text(box(), "conv-1", titles) == NOT_MADE_HERE
    tagged = box(conversation="conv-1", owner="ana", purpose="demo")
    assert metadata_text(tagged) == "owner=ana, purpose=demo"  # the app's tag left out
