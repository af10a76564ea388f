"""The sandbox meter across a restart, as the window keeps it: the service over the real MCP
client and the E2B emulator, its records in the conversation database; one clock for the
emulator and the app, moved by hand (no waiting, no timed assertion).

Each run opens the database and a service on it, as the window does at start-up, and closes
both, as it does at quit; between two runs the app is closed and the clock moves on."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from desktop.core.agent.sandbox_tag import CONVERSATION_KEY
from desktop.core.config.sandbox_rates import SandboxRates
from desktop.core.config.settings import E2B_RAM_PRICE, E2B_VCPU_PRICE
from desktop.core.sandboxes.service import SandboxService
from desktop.core.store.facade import AsyncConversationStore
from tests.fakes.harness import FakeServices
from tests.fakes.pytest_plugin import FakeServicesFactory
from tests.integration.chat_helpers import run, session_for
from tests.unit.store.test_store_messages import FakeClock

RATES = SandboxRates(E2B_VCPU_PRICE, E2B_RAM_PRICE)
T0 = 1_800_000_000.0
DAY = 86_400.0
BOX = "iboxofconversation01"
NEW = "inewsincetherestart0"
CHAT = "conv-1"


def _seconds(seconds: float) -> Decimal:
    """What a default sandbox (2 vCPU, 512 MiB) costs running that long."""
    return RATES.cost(2, 512, seconds)


class World:
    """The fakes, the database and the one clock both live by (moved by hand)."""

    def __init__(self, factory: FakeServicesFactory, database: Path) -> None:
        self.clock = FakeClock(T0)
        # Created by a chat 100 s ago, with an hour to live.
        seed = [{"sandboxID": BOX, "age": 100, "ttl": 3600, "metadata": {CONVERSATION_KEY: CHAT}}]
        self.services = factory(seed=seed, e2b_clock=self.clock)
        self.database = database

    @asynccontextmanager
    async def app_run(self) -> AsyncIterator[SandboxService]:
        """One run of the app: the database opened, the meter resumed from it, then closed."""
        store = await AsyncConversationStore.open(self.database)
        session = session_for(self.services)
        try:
            service = SandboxService(lambda: session, RATES, clock=self.clock)
            await service.keep_in(store)
            yield service
        finally:
            await session.aclose()
            await store.aclose()

    async def seen_then_paused(self, service: SandboxService) -> None:
        """Seen running since its start, then paused through the service 150 s after it."""
        await service.refresh()
        self.clock.advance(50)
        await service.pause(BOX)

    def e2b(self, slug: str, **arguments: Any) -> None:
        """A change made elsewhere (E2B's dashboard, another program)."""
        assert self.services.e2b.execute(slug, {"sandbox_id": BOX, **arguments}).successful


@pytest.fixture
def world(fake_services_factory: FakeServicesFactory, tmp_path: Path) -> World:
    return World(fake_services_factory, tmp_path / "c.sqlite3")


def _state(services: FakeServices, sandbox_id: str) -> Any:
    """Its state in the emulator (None: gone)."""
    states = {b["sandboxID"]: b["state"] for b in services.e2b.sandboxes()}
    return states.get(sandbox_id)


def _cost(service: SandboxService, sandbox_id: str = BOX) -> Decimal:
    row = service.view().row(sandbox_id)
    assert row is not None, f"{sandbox_id} is not listed"
    return row.cost


def test_a_pause_seen_before_a_restart_is_not_charged_when_resumed_after_it(
    world: World,
) -> None:
    async def scenario() -> tuple[Decimal, Decimal, Decimal]:
        async with world.app_run() as service:
            await world.seen_then_paused(service)
        world.clock.advance(3 * DAY)  # the app closed, the sandbox paused
        async with world.app_run() as service:
            await service.refresh()
            assert _state(world.services, BOX) == "paused"
            after_restart = _cost(service)
            await service.resume(BOX)
            world.clock.advance(60)
            assert _state(world.services, BOX) == "running"
            return after_restart, _cost(service), service.conversation_cost(CHAT)

    after_restart, resumed, conversation = run(scenario())
    assert after_restart == _seconds(150)  # not forgotten: it ran 150 s
    assert resumed == conversation == _seconds(210)  # and 60 s since resumed, not 3 days


def test_a_sandbox_resumed_just_before_a_restart_is_counted_from_its_resume(
    world: World,
) -> None:
    """The figure the header, costLabel and the budget read: not the days it was paused."""

    async def scenario() -> tuple[Decimal, Decimal, Decimal]:
        async with world.app_run() as service:
            await world.seen_then_paused(service)
            world.clock.advance(3 * DAY)
            await service.resume(BOX)
            world.clock.advance(10)
        world.clock.advance(20)  # the restart
        world.services.e2b.add_sandbox(sandboxID=NEW, age=300)
        async with world.app_run() as service:
            view = await service.refresh()
            assert _state(world.services, BOX) == "running"
            conversation = view.for_conversation(CHAT).cost
            return _cost(service), conversation, _cost(service, NEW)

    box, conversation, new = run(scenario())
    assert box == conversation == _seconds(180)  # 150 s, then 30 s since resumed
    assert new == _seconds(300)  # first seen after the restart: from its start, as before


def test_a_killed_sandboxs_cost_still_counts_for_its_conversation_after_a_restart(
    world: World,
) -> None:
    async def scenario() -> Decimal:
        async with world.app_run() as service:
            await service.refresh()
            world.clock.advance(40)
            await service.kill(BOX)  # 140 s of running
        assert _state(world.services, BOX) is None
        world.clock.advance(DAY)
        async with world.app_run() as service:
            await service.refresh()
            return service.conversation_cost(CHAT)  # what its budget counts

    assert run(scenario()) == _seconds(140)


def test_a_resume_made_while_the_app_was_closed_counts_from_the_listing_that_shows_it(
    world: World,
) -> None:
    """As any change made elsewhere: E2B does not say when it was resumed."""

    async def scenario() -> Decimal:
        async with world.app_run() as service:
            await world.seen_then_paused(service)
        world.clock.advance(DAY)
        world.e2b("E2B_CONNECT_SANDBOX", timeout=3600)
        world.clock.advance(1800)  # running, unseen, for half an hour
        async with world.app_run() as service:
            await service.refresh()
            world.clock.advance(30)
            return _cost(service)

    assert run(scenario()) == _seconds(180)  # 150 s, then 30 s since the app saw it running


def test_a_sandbox_seen_running_that_paused_while_the_app_was_closed_stops_at_its_pause(
    world: World,
) -> None:
    """E2B lists when a paused sandbox stopped (`endAt`): the meter stops there."""

    async def scenario() -> Decimal:
        async with world.app_run() as service:
            await service.refresh()  # running for 100 s
        world.clock.advance(200)
        world.e2b("E2B_PAUSE_SANDBOX")
        world.clock.advance(DAY)
        async with world.app_run() as service:
            await service.refresh()
            return _cost(service)

    assert run(scenario()) == _seconds(300)
