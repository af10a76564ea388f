"""Through the real SDKs and the fakes: a stored conversation's own budget (or the setting's,
without one) stops the agent before its next model request; raised, the next prompt runs; what
a stopped turn's requests cost is stored with it and counts."""

from __future__ import annotations

import sqlite3
from decimal import Decimal
from pathlib import Path

from desktop.core.agent.budget import NO_BUDGET, OwnBudget
from desktop.core.agent.events import (
    ApprovalRequested,
    TurnCancelled,
    TurnEvent,
    TurnFailed,
    TurnFinished,
)
from desktop.core.conversations.budgets import ConversationBudgets
from desktop.core.errors import ErrorKind
from tests.fakes.e2b_emulator import SEED_PAUSED_ID, SEED_RUNNING_ID
from tests.fakes.harness import FakeServices
from tests.integration.chat_helpers import approve_all, run
from tests.integration.conversation_helpers import chat_for, collect_turn, open_store


def _rows(db: Path) -> list[tuple[str, int, str | None]]:
    with sqlite3.connect(db) as conn:
        return conn.execute("SELECT status, requests, cost FROM turns ORDER BY id").fetchall()


def test_its_own_budget_stops_the_agent_and_raising_it_lets_the_next_prompt_run(
    fake_services: FakeServices, tmp_path: Path
) -> None:
    db = tmp_path / "c.sqlite3"

    async def scenario() -> tuple[list[list[TurnEvent]], list[int]]:
        store = await open_store(db)
        # The setting allows plenty; the conversation's own budget is what counts.
        chat = chat_for(fake_services, store, budget=Decimal(100))
        budgets = ConversationBudgets.stored(store, lambda: Decimal(100))
        asked: list[int] = []
        turns = []
        try:
            turns.append(await collect_turn(chat, "hello"))  # about $0.0003
            assert chat.conversation_id is not None
            await budgets.set(chat.conversation_id, Decimal("0.0001"))
            asked.append(len(fake_services.openai.requests))
            turns.append(await collect_turn(chat, "hello again"))
            asked.append(len(fake_services.openai.requests))
            status = await budgets.status(chat.conversation_id)
            assert status.reached and status.limit == Decimal("0.0001")
            await budgets.set(chat.conversation_id, status.offered(raising=True))
            turns.append(await collect_turn(chat, "and now?"))
            asked.append(len(fake_services.openai.requests))
        finally:
            await chat.aclose()
            await store.aclose()
        return turns, asked

    (first, stopped, after), asked = run(scenario())
    assert isinstance(first[-1], TurnFinished)
    assert asked == [1, 1, 2]  # nothing was asked while the budget was reached
    end = stopped[-1]
    assert isinstance(end, TurnFailed) and end.kind is ErrorKind.BUDGET_REACHED
    assert isinstance(after[-1], TurnFinished)
    assert [(status, requests) for status, requests, _ in _rows(db)] == [
        ("complete", 1),
        ("failed", 0),
        ("complete", 1),
    ]
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT budget FROM conversations").fetchone() == ("0.02",)


def test_off_beats_the_setting_and_none_follows_it(
    fake_services: FakeServices, tmp_path: Path
) -> None:
    async def scenario(own: OwnBudget) -> list[TurnEvent]:
        store = await open_store(tmp_path / f"{own}.sqlite3")
        chat = chat_for(fake_services, store, budget=Decimal("0.0001"))
        try:
            await collect_turn(chat, "hello")
            assert chat.conversation_id is not None
            await store.set_budget(chat.conversation_id, own)
            return await collect_turn(chat, "hello again")
        finally:
            await chat.aclose()
            await store.aclose()

    assert isinstance(run(scenario(NO_BUDGET))[-1], TurnFinished)
    assert len(fake_services.openai.requests) == 2
    stopped = run(scenario(None))[-1]
    assert isinstance(stopped, TurnFailed) and stopped.kind is ErrorKind.BUDGET_REACHED
    assert len(fake_services.openai.requests) == 3  # its first turn only


def test_a_turn_the_budget_stopped_part_way_keeps_what_its_request_cost(
    fake_services: FakeServices, tmp_path: Path
) -> None:
    db = tmp_path / "c.sqlite3"

    async def scenario() -> list[TurnEvent]:
        store = await open_store(db)
        chat = chat_for(fake_services, store, budget=Decimal("0.0001"))
        try:
            return await collect_turn(chat, "create a sandbox", approve_all)
        finally:
            await chat.aclose()
            await store.aclose()

    events = run(scenario())
    end = events[-1]
    assert isinstance(end, TurnFailed) and end.kind is ErrorKind.BUDGET_REACHED
    assert end.usage.requests == 1 and end.usage.cost is not None and end.model
    assert len(fake_services.openai.requests) == 1
    ((status, requests, cost),) = _rows(db)
    assert (status, requests) == ("failed", 1)
    assert cost is not None and Decimal(cost) == end.usage.cost > 0
    with sqlite3.connect(db) as conn:  # and the conversation's total, which budgets count
        (total,) = conn.execute("SELECT cost FROM conversations").fetchone()
    assert Decimal(total) == end.usage.cost


def test_a_turn_stopped_while_it_waits_keeps_what_its_request_cost(
    fake_services: FakeServices, tmp_path: Path
) -> None:
    """Stop, after the model was asked once (it waits for a person's yes): the request was paid
    for, so the stopped turn counts it, in the store and in the conversation's total."""
    db = tmp_path / "c.sqlite3"

    async def scenario() -> list[TurnEvent]:
        store = await open_store(db)
        chat = chat_for(fake_services, store)
        events: list[TurnEvent] = []
        try:
            turn = chat.run_turn("create a sandbox")
            async for event in turn:
                events.append(event)
                if isinstance(event, ApprovalRequested):
                    turn.cancel()  # Stop, instead of an answer
            return events
        finally:
            await chat.aclose()
            await store.aclose()

    events = run(scenario())
    end = events[-1]
    assert isinstance(end, TurnCancelled)
    assert end.usage.requests == 1 and end.usage.cost is not None and end.usage.cost > 0
    assert len(fake_services.openai.requests) == 1
    seeds = {SEED_RUNNING_ID, SEED_PAUSED_ID}
    assert not [b for b in fake_services.e2b.sandboxes() if b["sandboxID"] not in seeds]
    ((status, requests, cost),) = _rows(db)
    assert (status, requests) == ("cancelled", 1) and Decimal(cost) == end.usage.cost
    with sqlite3.connect(db) as conn:
        (total,) = conn.execute("SELECT cost FROM conversations").fetchone()
    assert Decimal(total) == end.usage.cost
