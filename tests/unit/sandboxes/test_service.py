"""The service's own rules on a fake clock, with a small typed router in place of the MCP
connection: one listing at a time, extend from the time left, costs at the moment of an
action, failures kept as sentences."""

from __future__ import annotations

import asyncio
import json
from decimal import Decimal
from typing import Any

from desktop.core.config.sandbox_rates import SandboxRates
from desktop.core.errors import ErrorKind
from desktop.core.sandboxes.leaving import LeaveChoice
from desktop.core.sandboxes.service import SandboxService
from tests.unit.sandboxes.boxes import T0, iso

RATES = SandboxRates(vcpu=Decimal("0.000014"), ram_gib=Decimal("0.0000045"))


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> float:
        return self.now


class Router:
    """An E2B team of sandboxes behind a multi-execute router; records each inner call."""

    def __init__(self, clock: Clock, *ids: str) -> None:
        self.clock = clock
        self.ends = dict.fromkeys(ids, T0 + 300)
        self.paused: set[str] = set()
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.fail: set[str] = set()
        self.gate: asyncio.Event | None = None

    async def call_tool(self, name: str, arguments: dict[str, Any], seconds: float) -> Any:
        if self.gate is not None:
            await self.gate.wait()
        results = []
        for index, tool in enumerate(arguments["tools"]):
            slug, args = tool["tool_slug"], tool["arguments"]
            self.calls.append((slug, args))
            box = args.get("sandbox_id")
            if box in self.fail:
                results.append({"index": index, "response": None, "error": "500 boom"})
                continue
            if slug == "E2B_PAUSE_SANDBOX":
                self.paused.add(box)
            if slug == "E2B_SET_SANDBOX_TIMEOUT":
                self.ends[box] = self.clock.now + args["timeout"]
            data: Any = {}
            if slug == "E2B_LIST_ALL_SANDBOXES":
                data = {"sandboxes": [self._listed(i) for i in self.ends], "next_token": None}
            results.append({"index": index, "response": {"successful": True, "data": data}})
        return json.dumps({"successful": True, "data": {"results": results}})

    def _listed(self, sandbox_id: str) -> dict[str, Any]:
        return {
            "sandboxID": sandbox_id,
            "startedAt": iso(T0),
            "endAt": iso(self.ends[sandbox_id]),
            "state": "paused" if sandbox_id in self.paused else "running",
            "cpuCount": 2,
            "memoryMB": 512,
        }


def _service(clock: Clock, router: Router) -> SandboxService:
    return SandboxService(lambda: router, RATES, clock=clock)


def test_refreshes_asked_for_together_share_one_listing() -> None:
    clock = Clock()
    router = Router(clock, "a")
    service = _service(clock, router)

    async def scenario() -> None:
        router.gate = asyncio.Event()
        both = asyncio.gather(service.refresh(), service.refresh())
        await asyncio.sleep(0)
        router.gate.set()
        first, second = await both
        assert first.rows == second.rows

    asyncio.run(scenario())
    assert [slug for slug, _ in router.calls] == ["E2B_LIST_ALL_SANDBOXES"]
    assert service.list_calls == 1


def test_extend_pushes_the_end_from_the_time_left_and_pause_stops_the_cost_then() -> None:
    clock = Clock()
    router = Router(clock, "a")
    service = _service(clock, router)

    async def scenario() -> None:
        await service.refresh()
        clock.now = T0 + 100  # 200 s left
        await service.extend("a", 15 * 60)
        clock.now = T0 + 160
        await service.pause("a")

    asyncio.run(scenario())
    assert ("E2B_SET_SANDBOX_TIMEOUT", {"sandbox_id": "a", "timeout": 200 + 900}) in router.calls
    clock.now = T0 + 5000
    row = service.view().row("a")
    assert row is not None and row.sandbox.paused
    assert row.cost == RATES.cost(2, 512, 160)  # counted to the second it was paused


def test_kill_all_goes_on_past_a_failure_and_says_which() -> None:
    clock = Clock()
    router = Router(clock, "a", "b", "c")
    router.fail.add("b")
    service = _service(clock, router)

    async def scenario() -> Any:
        await service.refresh()
        return await service.kill_all(["a", "b", "c"])

    _, outcome = asyncio.run(scenario())
    assert outcome.choice is LeaveChoice.KILL and outcome.done == ("a", "c")
    assert outcome.text == "Killed 2 sandboxes. E2B could not kill sandbox b: 500 boom."


def test_a_failure_of_the_app_itself_is_a_sentence_and_backs_off() -> None:
    clock = Clock()

    def broken() -> Any:
        raise RuntimeError("no backend yet")

    service = SandboxService(broken, RATES, clock=clock)
    service.schedule.show()
    view = asyncio.run(service.refresh())
    assert view.error is not None and view.error.kind is ErrorKind.UNEXPECTED
    assert "RuntimeError: no backend yet" in view.error.message
    assert service.schedule.interval() == 60.0


def test_a_turn_s_events_say_when_a_call_that_changes_sandboxes_succeeded() -> None:
    """Both faces pass every turn event on; the service pairs a call's end with its start: any
    end but a denial may have changed sandboxes."""
    from desktop.core.agent.events import ToolAction, ToolCallFinished, ToolCallStarted

    clock = Clock()
    service = _service(clock, Router(clock))
    create = ("E2B_CREATE_SANDBOX", {"templateID": "base"})
    listing = ("E2B_LIST_ALL_SANDBOXES", {})

    def started(call_id: str, slug_args: tuple[str, dict[str, object]]) -> ToolCallStarted:
        slug, args = slug_args
        return ToolCallStarted(call_id, slug, args, (ToolAction(slug, args),))

    assert not service.observe(started("c1", create))  # not yet: it runs
    assert service.observe(ToolCallFinished("c1", "E2B_CREATE_SANDBOX", "success", "{}"))
    assert not service.observe(started("c2", create))
    assert not service.observe(ToolCallFinished("c2", "E2B_CREATE_SANDBOX", "denied", "no"))
    assert not service.observe(started("c5", create))  # failed part-way: may have made one
    assert service.observe(ToolCallFinished("c5", "E2B_CREATE_SANDBOX", "failed", "timeout"))
    assert not service.observe(started("c3", listing))
    assert not service.observe(ToolCallFinished("c3", "E2B_LIST_ALL_SANDBOXES", "success", "{}"))
    assert not service.observe(ToolCallFinished("c4", "E2B_CREATE_SANDBOX", "success", "{}"))
