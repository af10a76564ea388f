"""The sandbox panel's and the terminal's application service: the team's sandboxes listed and
steered without the model, their running cost, the refresh policy, the quit question.

One `SandboxService` per face. Its state (the last listing, the running time seen, the
schedule) lives on the thread of the loop that awaits it (the window's, the terminal's); each
call to E2B runs on the agent's loop when a `runner` is given (`AgentLoop`, whose thread owns
the MCP connection), else on the caller's own. How a face uses it:

- `view()` at any moment: the rows (cost so far, $/hour, seconds left), the totals per
  conversation, the last failure as a sentence (`error.kind` NOT_CONNECTED: offer Connect);
- `schedule`: tell it `show()` / `hide()`, arm a timer with `schedule.delay()` and call
  `refresh()` when it fires; pass every turn event to `observe` (True: an agent call that
  may have changed sandboxes finished: refresh now);
- `pause`, `resume`, `extend`, `kill`, `pause_all`, `kill_all`: the user's own actions (the
  face's confirmation is their consent: no approval card), each followed by a refresh; a
  failure raises `SandboxError` (one sentence), the list stays as it was;
- `details(id)`: metrics, last log lines and lifecycle events, in one router call (a paused
  sandbox's metrics are not asked for); `sandbox(id)`: one as last listed;
- `leave_question()` / `leave(choice)`: what quitting asks, and what each answer does;
- `conversation_cost(id)`: what a conversation's sandboxes have cost (its budget counts it);
  safe to call from any thread;
- `keep_in(records)`: once the face's database is open (the window's), before the first
  refresh: the running time resumes from what an earlier run saw, and what is seen from then
  on is kept there (`meter_keeping`).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Coroutine, Mapping, Sequence
from dataclasses import replace
from decimal import Decimal
from typing import Any, Protocol, TypeVar

from desktop.core.agent.connect_links import ComposioHosts, LinkOffer
from desktop.core.agent.events import (
    ToolCallFinished,
    ToolCallStarted,
    TurnCancelled,
    TurnEvent,
    TurnFailed,
    TurnFinished,
)
from desktop.core.config.sandbox_rates import SandboxRates
from desktop.core.errors import ErrorKind, UserFacingError, unexpected
from desktop.core.router.types import MANAGE_CONNECTIONS_TOOL
from desktop.core.sandboxes.calls import (
    DIRECT_CALL_SECONDS,
    Details,
    Listing,
    SandboxCalls,
    SandboxError,
    ToolCaller,
)
from desktop.core.sandboxes.leaving import (
    LeaveChoice,
    LeaveOutcome,
    LeaveQuestion,
    ResumeOutcome,
    leave_question,
)
from desktop.core.sandboxes.meter import RunningTime
from desktop.core.sandboxes.meter_keeping import KeptClocks, MeterKeeper
from desktop.core.sandboxes.records import Sandbox
from desktop.core.sandboxes.refresh import RefreshSchedule
from desktop.core.sandboxes.view import SandboxView, build_view

_T = TypeVar("_T")
log = logging.getLogger(__name__)

RESUME_SECONDS = 300  # a resumed sandbox runs this long unless extended (E2B's default)
QUIT_READ_SECONDS = 5.0  # leaving waits this long for a fresh list at most


class Runner(Protocol):
    """Where calls to E2B run (`desktop.core.agent.worker.AgentLoop`)."""

    async def run(self, coroutine: Coroutine[Any, Any, _T]) -> _T: ...


ToolsProvider = Callable[[], ToolCaller]
"""The chat backend whose Tool Router connection the calls use, asked for on the agent's loop
at each call (the backend can change with new settings or another conversation)."""


class SandboxService:
    """See the module."""

    def __init__(
        self,
        tools: ToolsProvider,
        rates: SandboxRates,
        *,
        runner: Runner | None = None,
        clock: Callable[[], float] = time.time,
        seconds: float = DIRECT_CALL_SECONDS,
    ) -> None:
        self._tools = tools
        self.rates = rates  # replaced when the settings change
        self._runner = runner
        self._clock = clock
        self._seconds = seconds
        self.schedule = RefreshSchedule(clock)
        self._meter = RunningTime()
        self._keeper: MeterKeeper | None = None  # where the meter's records are kept, if anywhere
        self._listing: Listing | None = None
        self._read_at: float | None = None
        self._error: SandboxError | None = None
        self._refreshing: asyncio.Future[SandboxView] | None = None
        # Counts the app's own changes (pause, resume, kill, extend): a listing asked for before
        # the last of them may predate it, and is not let undo it.
        self._changes = 0
        self.list_calls = 0  # listings asked of E2B (pages), for the benchmark and tests
        self._started: dict[str, ToolCallStarted] = {}  # agent calls running, by call id

    # -- what the faces read ------------------------------------------------------------------
    def view(self, now: float | None = None) -> SandboxView:
        listing = self._listing
        return build_view(
            listing.sandboxes if listing else (),
            self._meter,
            self.rates,
            self._clock() if now is None else now,
            read_at=self._read_at,
            error=self._error,
            unreadable=listing.unreadable if listing else 0,
        )

    def sandbox(self, sandbox_id: str) -> Sandbox | None:
        """The sandbox as the last listing saw it (None: not listed)."""
        listing = self._listing
        boxes = listing.sandboxes if listing else ()
        return next((box for box in boxes if box.sandbox_id == sandbox_id), None)

    def conversation_cost(self, conversation_id: str) -> Decimal:
        """What the conversation's sandboxes have cost so far (any thread may ask)."""
        return self._meter.conversation_cost(conversation_id, self._clock(), self.rates)

    async def keep_in(self, records: KeptClocks) -> None:
        """Resume the running time from what `records` kept of an earlier run, and keep there
        what is seen from now on; records that cannot be read are logged and nothing is kept
        (writing over them would lose them)."""
        keeper = MeterKeeper(records)
        try:
            self._meter.restore(await keeper.load())
        except Exception:
            log.warning("the sandbox meter's records could not be read", exc_info=True)
            return
        self._keeper = keeper
        await keeper.keep(self._meter.clocks)

    def observe(self, event: TurnEvent) -> bool:
        """A turn's event, as both faces pass them on; True when an agent call that may have
        changed sandboxes has just succeeded (refresh now). Its arguments come from its start."""
        if isinstance(event, ToolCallStarted):
            self._started[event.call_id] = event
        elif isinstance(event, ToolCallFinished):
            started = self._started.pop(event.call_id, None)
            # A failed or cut-off call may have done part of its work (a router call with
            # several actions): only one that never ran changes nothing.
            if started is not None and event.outcome != "denied":
                return self.note_tool_call(started.tool_name, started.arguments)
        elif isinstance(event, TurnFinished | TurnFailed | TurnCancelled):
            self._started.clear()  # calls the turn never finished
        return False

    def note_tool_call(self, tool_name: str, arguments: Mapping[str, object]) -> bool:
        """An agent tool call finished; True when it may have changed sandboxes and the face
        should refresh now."""
        return self.schedule.after_tool_call(tool_name, arguments)

    def leave_question(self) -> LeaveQuestion | None:
        """What quitting asks, from the last listing (refresh first for a fresh answer)."""
        return leave_question(self.view())

    async def before_leaving(self, seconds: float = QUIT_READ_SECONDS) -> LeaveQuestion | None:
        """What leaving asks, both faces alike: from a fresh list when E2B answers within
        `seconds`, else (slow, or failing: the view says why) from the last one read, so a
        sandbox known to run is never left without a word. None: none of the app's runs."""
        try:
            view = await asyncio.wait_for(self.refresh(), seconds)
            stale = view.error.message.removesuffix(".") if view.error is not None else ""
        except TimeoutError:
            log.info("leaving: E2B did not answer within %.0f s; the last list decides", seconds)
            stale = f"E2B did not answer within {seconds:g} s"
        question = self.leave_question()
        return replace(question, stale=stale) if question is not None and stale else question

    # -- calls ---------------------------------------------------------------------------------
    async def _io(self, work: Callable[[SandboxCalls], Coroutine[Any, Any, _T]]) -> _T:
        async def on_agent_loop() -> _T:
            return await work(SandboxCalls(self._tools(), self._seconds))

        if self._runner is None:
            return await on_agent_loop()
        return await self._runner.run(on_agent_loop())

    async def refresh(self) -> SandboxView:
        """Read the list again (one listing, page after page); a refresh asked for while one
        runs waits for that one. Never raises for E2B's failures: the view carries them."""
        if (running := self._refreshing) is not None:
            try:
                return await asyncio.shield(running)
            except asyncio.CancelledError:
                if running.cancelled() and not _cancelling():
                    return self.view()  # the one joined was stopped (its caller gave up)
                raise
        future: asyncio.Future[SandboxView] = asyncio.get_running_loop().create_future()
        self._refreshing = future
        self.schedule.started()
        changes = self._changes
        try:
            listing = await self._io(lambda calls: calls.list_all())
        except Exception as exc:  # a sentence for the panel; a bug's traceback goes to the log
            error = _sandbox_error(exc)
            self._error = error
            self.schedule.failed(error.message)
        except BaseException:
            self.schedule.failed("The list was not read: the app stopped the refresh.")
            future.cancel()
            raise
        else:
            now = self._clock()
            self.list_calls += listing.pages
            if changes == self._changes:  # else asked before a change: the next one is fresh
                self._meter.observe(listing.sandboxes, now)
                self._listing, self._read_at, self._error = listing, now, None
            self.schedule.succeeded()
        finally:
            self._refreshing = None
        view = self.view()
        if not future.done():
            future.set_result(view)
        if self._keeper is not None:  # what this refresh and the actions before it changed
            await self._keeper.keep(self._meter.clocks)
        return view

    async def _refresh_after_change(self) -> SandboxView:
        """A listing asked for after the change the app just made: one in flight was asked
        before it (it may show the sandbox as it was), so it is waited out, not joined."""
        self._changes += 1
        while (running := self._refreshing) is not None:
            await asyncio.wait([running])
        return await self.refresh()

    async def pause(self, sandbox_id: str) -> SandboxView:
        """Pause it (memory and files kept, nothing billed), then refresh."""
        await self._io(lambda calls: calls.pause(sandbox_id))
        self._meter.paused(sandbox_id, self._clock())
        return await self._refresh_after_change()

    async def resume(self, sandbox_id: str, seconds: int = RESUME_SECONDS) -> SandboxView:
        """Resume a paused sandbox for `seconds` from now, then refresh."""
        await self._io(lambda calls: calls.resume(sandbox_id, seconds))
        self._meter.resumed(sandbox_id, self._clock())
        return await self._refresh_after_change()

    async def extend(self, sandbox_id: str, seconds: int) -> SandboxView:
        """Push its TTL `seconds` further than it was (E2B sets it anew from now)."""
        row = self.view().row(sandbox_id)
        if row is not None and row.sandbox.paused:
            raise SandboxError(
                ErrorKind.BAD_INPUT,
                f"Sandbox {sandbox_id} is paused: resume it first (a paused sandbox has no "
                "time limit running).",
            )
        left = row.seconds_left if row is not None and row.seconds_left is not None else 0.0
        timeout = int(left + seconds)
        await self._io(lambda calls: calls.set_timeout(sandbox_id, timeout))
        return await self._refresh_after_change()

    async def kill(self, sandbox_id: str) -> SandboxView:
        """Kill it for good (its files and memory are lost), then refresh."""
        await self._io(lambda calls: calls.kill(sandbox_id))
        self._meter.killed(sandbox_id, self._clock())
        return await self._refresh_after_change()

    async def pause_all(self, sandbox_ids: Sequence[str]) -> tuple[SandboxView, LeaveOutcome]:
        return await self._each(LeaveChoice.PAUSE, sandbox_ids)

    async def kill_all(self, sandbox_ids: Sequence[str]) -> tuple[SandboxView, LeaveOutcome]:
        return await self._each(LeaveChoice.KILL, sandbox_ids)

    async def resume_all(
        self, sandbox_ids: Sequence[str], seconds: int = RESUME_SECONDS
    ) -> tuple[SandboxView, ResumeOutcome]:
        """Resume each of them (one after another: a failure stops none of the rest)."""
        done, failed = await self._one_by_one(
            sandbox_ids,
            lambda sandbox_id: lambda calls: calls.resume(sandbox_id, seconds),
            self._meter.resumed,
        )
        return await self._refresh_after_change(), ResumeOutcome(done, failed)

    async def _each(
        self, choice: LeaveChoice, sandbox_ids: Sequence[str]
    ) -> tuple[SandboxView, LeaveOutcome]:
        """Pause or kill each of them (one after another: a failure stops none of the rest)."""
        mark = self._meter.paused if choice is LeaveChoice.PAUSE else self._meter.killed
        done, failed = await self._one_by_one(
            sandbox_ids, lambda sandbox_id: _one_action(choice, sandbox_id), mark
        )
        return await self._refresh_after_change(), LeaveOutcome(choice, done, failed)

    async def _one_by_one(
        self,
        sandbox_ids: Sequence[str],
        work_of: Callable[[str], Callable[[SandboxCalls], Coroutine[Any, Any, None]]],
        mark: Callable[[str, float], None],
    ) -> tuple[tuple[str, ...], tuple[SandboxError, ...]]:
        done: list[str] = []
        failed: list[SandboxError] = []
        for sandbox_id in dict.fromkeys(sandbox_ids):
            try:
                await self._io(work_of(sandbox_id))
            except SandboxError as exc:
                failed.append(exc)
                continue
            mark(sandbox_id, self._clock())
            self._changes += 1  # a listing in flight now is not let undo it
            done.append(sandbox_id)
        return tuple(done), tuple(failed)

    async def leave(self, choice: LeaveChoice, question: LeaveQuestion) -> LeaveOutcome:
        """Carry out the answer to the quit question."""
        ids = [box.sandbox_id for box in question.sandboxes]
        if choice is LeaveChoice.KEEP:
            return LeaveOutcome(choice, tuple(ids))
        # The app is going: no list read again (nobody would see it), what the meter saw kept.
        mark = self._meter.paused if choice is LeaveChoice.PAUSE else self._meter.killed
        done, failed = await self._one_by_one(
            ids, lambda sandbox_id: _one_action(choice, sandbox_id), mark
        )
        if self._keeper is not None:
            await self._keeper.keep(self._meter.clocks)
        return LeaveOutcome(choice, done, failed)

    async def details(self, sandbox_id: str) -> Details:
        """Its metrics, last log lines and lifecycle events, in one router call; each part
        may say why it is missing (this never raises for E2B's failures). A sandbox the last
        listing saw paused has no metrics asked for: E2B collects none while it is paused."""
        box = self.sandbox(sandbox_id)
        metrics = box is None or not box.paused
        try:
            return await self._io(lambda calls: calls.details(sandbox_id, metrics=metrics))
        except Exception as exc:  # the whole call failed: each part says why
            error = _sandbox_error(exc)
            return Details(error if metrics else None, error, error)

    async def connect_links(self, hosts: ComposioHosts) -> tuple[LinkOffer, ...]:
        """E2B's Connect Link for the user to open, asked of the router without the model."""

        async def ask(calls: SandboxCalls) -> Any:
            return await calls.manage_connections()

        try:
            answer = await self._io(ask)
        except Exception as exc:  # one sentence for the face, as every call here
            raise _sandbox_error(exc) from exc
        return hosts.offers(hosts.links_in(MANAGE_CONNECTIONS_TOOL, answer))


def _cancelling() -> bool:
    """Whether the running task itself is being cancelled."""
    task = asyncio.current_task()
    return task is not None and task.cancelling() > 0


def _one_action(
    choice: LeaveChoice, sandbox_id: str
) -> Callable[[SandboxCalls], Coroutine[Any, Any, None]]:
    def work(calls: SandboxCalls) -> Coroutine[Any, Any, None]:
        return calls.pause(sandbox_id) if choice is LeaveChoice.PAUSE else calls.kill(sandbox_id)

    return work


def _sandbox_error(exc: Exception) -> SandboxError:
    if isinstance(exc, SandboxError):
        return exc
    if isinstance(exc, UserFacingError):
        return SandboxError(exc.kind, exc.message, exc.fix)
    log.error("a call to E2B without the model failed", exc_info=exc)
    failure = unexpected(exc)
    return SandboxError(failure.kind, failure.message)
