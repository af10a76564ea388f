"""The sandbox service through the real MCP client and the fakes: listing page after page,
each action, details, failures in sentences, all without a single model request."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any, TypeVar

import pytest

from desktop.core.agent.events import ToolCallStarted
from desktop.core.agent.sandbox_tag import CONVERSATION_KEY
from desktop.core.agent.worker import AgentLoop
from desktop.core.config.sandbox_rates import SandboxRates
from desktop.core.config.settings import E2B_RAM_PRICE, E2B_VCPU_PRICE
from desktop.core.errors import ErrorKind
from desktop.core.sandboxes.calls import SandboxError
from desktop.core.sandboxes.leaving import LeaveChoice
from desktop.core.sandboxes.service import SandboxService
from desktop.core.sandboxes.view import SandboxRow, SandboxView
from tests.fakes.e2b_emulator import SEED_PAUSED_ID, SEED_RUNNING_ID
from tests.fakes.harness import FakeServices
from tests.fakes.pytest_plugin import FakeServicesFactory
from tests.integration.chat_helpers import approve_all, collect, run, session_for
from tests.integration.conversation_helpers import chat_for, open_store

T = TypeVar("T")
RATES = SandboxRates(E2B_VCPU_PRICE, E2B_RAM_PRICE)
MULTI = "COMPOSIO_MULTI_EXECUTE_TOOL"


@asynccontextmanager
async def _service(services: FakeServices, **kwargs: Any) -> AsyncIterator[SandboxService]:
    session = session_for(services)
    try:
        yield SandboxService(lambda: session, RATES, **kwargs)
    finally:
        await session.aclose()


def _with_service(
    services: FakeServices, body: Callable[[SandboxService], Awaitable[T]], **kwargs: Any
) -> T:
    async def scenario() -> T:
        async with _service(services, **kwargs) as service:
            return await body(service)

    return run(scenario())


def _state(services: FakeServices, sandbox_id: str) -> Any:
    """The emulator's record of the sandbox (None: it is gone)."""
    return next((b for b in services.e2b.sandboxes() if b["sandboxID"] == sandbox_id), None)


def _row(view: SandboxView, sandbox_id: str) -> SandboxRow:
    row = view.row(sandbox_id)
    assert row is not None, f"{sandbox_id} is not listed"
    return row


def _inner_slugs(services: FakeServices) -> list[str]:
    return [t["tool_slug"] for c in services.composio.tool_calls for t in c.arguments["tools"]]


def test_every_sandbox_is_listed_page_after_page_without_the_model(
    fake_services_factory: FakeServicesFactory,
) -> None:
    seeds = [
        {"sandboxID": f"i{n:019d}", "age": 60 + n, "ttl": 600, "metadata": {"n": str(n)}}
        for n in range(230)
    ]
    seeds[7]["metadata"] = {CONVERSATION_KEY: "conv-1"}
    services = fake_services_factory(seed=seeds)

    view = _with_service(services, lambda service: service.refresh())

    assert view.error is None and view.unreadable == 0
    assert len(view.rows) == 230 and len({r.sandbox_id for r in view.rows}) == 230
    assert view.rows[0].sandbox_id == "i0000000000000000000"  # the newest first
    row = _row(view, "i0000000000000000007")
    assert row.sandbox.conversation_id == "conv-1" and row.sandbox.made_here
    assert row.sandbox.label == "base" and row.sandbox.cpu_count == 2
    assert row.sandbox.memory_mb == 512 and row.per_hour == Decimal("0.108900")
    assert row.seconds_left is not None and 0 < row.seconds_left <= 600
    assert isinstance(row.sandbox.started_at, datetime)
    assert view.for_conversation("conv-1").running == 1
    # Three pages of at most 100, each one multi-execute call of E2B_LIST_ALL_SANDBOXES.
    assert _inner_slugs(services) == ["E2B_LIST_ALL_SANDBOXES"] * 3
    assert {c.name for c in services.composio.tool_calls} == {MULTI}
    assert services.openai.requests == []  # no token spent


def test_each_action_changes_the_emulator_and_costs_no_tokens(
    fake_services: FakeServices,
) -> None:
    async def body(service: SandboxService) -> None:
        await service.refresh()
        view = await service.pause(SEED_RUNNING_ID)
        assert _state(fake_services, SEED_RUNNING_ID)["state"] == "paused"
        assert _row(view, SEED_RUNNING_ID).sandbox.paused
        assert _row(view, SEED_RUNNING_ID).per_hour == 0

        await service.resume(SEED_PAUSED_ID, 600)
        assert _state(fake_services, SEED_PAUSED_ID)["state"] == "running"

        left = _row(service.view(), SEED_PAUSED_ID).seconds_left
        assert left is not None
        view = await service.extend(SEED_PAUSED_ID, 15 * 60)
        extended = _row(view, SEED_PAUSED_ID).seconds_left
        assert extended is not None and extended >= left + 15 * 60 - 5

        details = await service.details(SEED_PAUSED_ID)
        assert not isinstance(details.metrics, SandboxError) and details.metrics
        assert details.metrics[-1].mem_total == 1024 * 1024 * 1024
        assert not isinstance(details.logs, SandboxError)
        messages = [line.message for line in details.logs]
        assert messages[-2:] == ["Sandbox resumed", "Sandbox updated"]
        assert not isinstance(details.events, SandboxError)
        assert {event.label for event in details.events} >= {"created", "paused", "resumed"}

        await service.kill(SEED_PAUSED_ID)
        assert _state(fake_services, SEED_PAUSED_ID) is None

    _with_service(fake_services, body)
    slugs = _inner_slugs(fake_services)
    for slug in ("E2B_PAUSE_SANDBOX", "E2B_CONNECT_SANDBOX", "E2B_SET_SANDBOX_TIMEOUT"):
        assert slug in slugs
    assert "E2B_DELETE_SANDBOXES" in slugs and "E2B_GET_SANDBOX_METRICS" in slugs
    assert fake_services.openai.requests == []


def test_pausing_a_paused_sandbox_or_one_gone_is_said_in_a_sentence(
    fake_services: FakeServices,
) -> None:
    async def body(service: SandboxService) -> list[SandboxError]:
        errors = []
        for action in (service.pause(SEED_PAUSED_ID), service.kill("inosuchsandbox000000")):
            with pytest.raises(SandboxError) as caught:
                await action
            errors.append(caught.value)
        with pytest.raises(SandboxError) as paused:
            await service.extend(SEED_PAUSED_ID, 60)  # the listing says it is paused
        errors.append(paused.value)
        return errors

    async def body_listed(service: SandboxService) -> list[SandboxError]:
        await service.refresh()
        return await body(service)

    refused, gone, paused = _with_service(fake_services, body_listed)
    assert refused.kind is ErrorKind.SERVER_ERROR
    assert refused.message.startswith(f"E2B could not pause sandbox {SEED_PAUSED_ID}: 409")
    assert gone.kind is ErrorKind.NOT_FOUND
    assert gone.message == (
        "Sandbox inosuchsandbox000000 no longer exists: it was killed or its time ran out."
    )
    assert paused.kind is ErrorKind.BAD_INPUT and "resume it first" in paused.message
    assert _state(fake_services, SEED_PAUSED_ID) is not None
    assert fake_services.openai.requests == []


def test_e2b_not_connected_is_said_and_its_connect_link_offered(
    fake_services_factory: FakeServicesFactory,
) -> None:
    services = fake_services_factory(e2b_connected=False)

    async def body(service: SandboxService) -> Any:
        view = await service.refresh()
        hosts = session_for(services).endpoints.composio_hosts
        return view, await service.connect_links(hosts)

    view, offers = _with_service(services, body)
    assert view.error is not None and view.error.kind is ErrorKind.NOT_CONNECTED
    assert view.error.message.startswith("E2B is not connected to your Composio account")
    assert view.rows == ()
    assert len(offers) == 1 and not offers[0].foreign and offers[0].toolkit == "e2b"
    assert services.openai.requests == []


def test_a_call_that_never_answers_ends_with_a_sentence_saying_it_may_have_run(
    fake_services: FakeServices,
) -> None:
    fake_services.composio.behaviour.hanging_tools.add("E2B_PAUSE_SANDBOX")

    async def body(service: SandboxService) -> SandboxError:
        with pytest.raises(SandboxError) as caught:
            await service.pause(SEED_RUNNING_ID)
        return caught.value

    error = _with_service(fake_services, body, seconds=1.0)
    assert error.kind is ErrorKind.TIMEOUT
    assert error.message == (
        f"E2B did not answer within 1 s: sandbox {SEED_RUNNING_ID} may have been paused. "
        "Refresh the list to check."
    )
    assert fake_services.openai.requests == []


def test_a_failed_refresh_keeps_the_list_says_why_and_backs_off(
    fake_services: FakeServices,
) -> None:
    async def body(service: SandboxService) -> Any:
        service.schedule.show()
        first = await service.refresh()
        fake_services.composio.behaviour.tool_errors["*"] = "Internal error"
        second = await service.refresh()
        return first, second, service.schedule

    first, second, schedule = _with_service(fake_services, body)
    assert len(first.rows) == 2 and first.error is None
    assert second.error is not None and "Internal error" in second.error.message
    assert [r.sandbox_id for r in second.rows] == [r.sandbox_id for r in first.rows]
    assert schedule.error == second.error.message and schedule.interval() == 60.0
    assert fake_services.openai.requests == []


def test_the_calls_run_on_the_agent_loop_on_the_open_conversations_connection(
    fake_services: FakeServices, tmp_path: Path
) -> None:
    """As the window wires it: the service on the face's loop, its calls on the agent's, on
    the Tool Router connection of the conversation backend (`PersistentChat`)."""
    threads: list[threading.Thread] = []

    async def scenario() -> SandboxView:
        loop = AgentLoop(name="agent-loop-test")
        store = await loop.run(open_store(tmp_path / "c.sqlite3"))
        chat = chat_for(fake_services, store)

        class Recording:
            async def call_tool(self, name: str, arguments: dict[str, Any], seconds: float) -> Any:
                threads.append(threading.current_thread())
                return await chat.call_tool(name, arguments, seconds)

        try:
            service = SandboxService(Recording, RATES, runner=loop)
            return await service.refresh()
        finally:
            await loop.run(chat.aclose())
            await loop.run(store.aclose())
            await loop.aclose()

    view = asyncio.run(scenario())
    assert len(view.rows) == 2
    assert threads and all(t.name == "agent-loop-test" for t in threads)
    assert fake_services.openai.requests == []


def test_an_agent_call_that_creates_a_sandbox_shows_under_its_conversation_and_at_quit(
    fake_services: FakeServices,
) -> None:
    async def scenario() -> Any:
        session = session_for(fake_services)
        try:
            service = SandboxService(lambda: session, RATES)
            await service.refresh()
            assert service.leave_question() is None  # the seeds are not the app's
            events = await collect(session, "create a sandbox", approve_all)
            started = next(e for e in events if isinstance(e, ToolCallStarted))
            assert service.note_tool_call(started.tool_name, started.arguments)
            assert service.schedule.due()
            view = await service.refresh()
            mine = view.for_conversation(session.conversation_id)
            question = service.leave_question()
            assert question is not None
            outcome = await service.leave(LeaveChoice.PAUSE, question)
            return mine, question, outcome, service.conversation_cost(session.conversation_id)
        finally:
            await session.aclose()

    mine, question, outcome, cost = run(scenario())
    assert (mine.running, mine.paused) == (1, 0) and mine.per_hour == Decimal("0.108900")
    assert question.count == 1
    assert question.text == (
        "1 sandbox this app created is still running ($0.11/hour while it runs)."
    )
    (box_id,) = outcome.done
    assert _state(fake_services, box_id)["state"] == "paused"
    assert outcome.text == "Paused 1 sandbox."
    assert cost > 0


def test_leaving_asks_from_the_last_list_when_e2b_is_slow_or_failing_and_says_so(
    fake_services_factory: FakeServicesFactory,
) -> None:
    made_here = {"sandboxID": "imadehere00000000001", "metadata": {CONVERSATION_KEY: "conv-1"}}
    services = fake_services_factory(seed=[made_here, {"sandboxID": SEED_RUNNING_ID}])

    async def body(service: SandboxService) -> list[Any]:
        fresh = await service.before_leaving()
        services.composio.behaviour.tool_delay = 3.0
        slow = await service.before_leaving(seconds=0.2)
        services.composio.behaviour.tool_delay = 0.0
        services.composio.behaviour.tool_errors["*"] = "Internal error"
        failing = await service.before_leaving()
        return [fresh, slow, failing]

    fresh, slow, failing = _with_service(services, body)
    asked = "1 sandbox this app created is still running ($0.11/hour while it runs)."
    assert fresh is not None and fresh.text == asked and not fresh.stale
    assert slow is not None and [b.sandbox_id for b in slow.sandboxes] == ["imadehere00000000001"]
    assert slow.text == f"{asked} This is from the last list read: E2B did not answer within 0.2 s."
    assert failing is not None and failing.text.startswith(f"{asked} This is from the last list")
    assert "Internal error" in failing.stale
    assert services.openai.requests == []


def test_a_listing_asked_before_a_pause_does_not_undo_it(fake_services: FakeServices) -> None:
    """A refresh already in flight when the person pauses carries the list as it was: the
    pause's own refresh waits for a fresh one instead of joining it."""

    async def body(service: SandboxService) -> tuple[SandboxView, SandboxView]:
        await service.refresh()
        fake_services.composio.behaviour.late_answers["E2B_LIST_ALL_SANDBOXES"] = 0.5
        asked = len(fake_services.composio.tool_calls)
        in_flight = asyncio.ensure_future(service.refresh())
        # The fake records the call on its own thread (no event to wait on): its answer is
        # worked out once the call is recorded.
        while len(fake_services.composio.tool_calls) == asked:  # noqa: ASYNC110
            await asyncio.sleep(0.01)
        after_pause = await service.pause(SEED_RUNNING_ID)
        await in_flight
        return after_pause, service.view()

    after_pause, later = _with_service(fake_services, body)
    assert _state(fake_services, SEED_RUNNING_ID)["state"] == "paused"
    for view in (after_pause, later):
        assert _row(view, SEED_RUNNING_ID).sandbox.paused
        assert SEED_RUNNING_ID not in [row.sandbox.sandbox_id for row in view.running]
    # Its meter stopped at the pause: time gone by since adds nothing.
    assert _row(later, SEED_RUNNING_ID).cost == _row(after_pause, SEED_RUNNING_ID).cost


def test_leaving_pauses_without_reading_the_list_again_and_a_joined_refresh_never_raises(
    fake_services_factory: FakeServicesFactory,
) -> None:
    made_here = {"sandboxID": "imadehere00000000001", "metadata": {CONVERSATION_KEY: "conv-1"}}
    services = fake_services_factory(seed=[made_here])

    async def body(service: SandboxService) -> tuple[int, Any]:
        question = await service.before_leaving()
        assert question is not None
        listings = _inner_slugs(services).count("E2B_LIST_ALL_SANDBOXES")
        outcome = await service.leave(LeaveChoice.PAUSE, question)
        assert _inner_slugs(services).count("E2B_LIST_ALL_SANDBOXES") == listings
        # A refresh that joins one its own caller gives up on still gets a view.
        services.composio.behaviour.late_answers["E2B_LIST_ALL_SANDBOXES"] = 1.0
        first = asyncio.ensure_future(service.refresh())
        await asyncio.sleep(0.05)
        joined = asyncio.ensure_future(service.refresh())
        await asyncio.sleep(0.05)
        first.cancel()
        view = await joined
        return len(outcome.done), view

    done, view = _with_service(services, body)
    assert done == 1 and _state(services, "imadehere00000000001")["state"] == "paused"
    assert isinstance(view, SandboxView)
