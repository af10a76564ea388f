"""Measure the sandbox list at a heavy team's size and an hour of the panel's refreshes.

    python tests/benchmarks/bench_sandboxes.py [--sandboxes 200] [--minutes 60] [--selected 1]

Starts the loopback fakes (in a process of their own) with that many sandboxes, lists them
through the real MCP client (`SandboxService` on its own agent loop, as the window runs it),
then simulates the panel open for `--minutes` of 30-second refreshes on a fake clock (the
schedule decides each one; no sleeping), with `--selected` sandboxes selected (their details
read at each refresh), and ten simulated minutes with the panel hidden. Prints the time to
list and to build the view (what the window's thread does with a listing), the router calls
per refresh, and how much memory grew between the first and the last refresh.

Then the window's side: the listed views rendered into the real panel (`SandboxPanel`, docked
in a 1500 x 900 window, offscreen unless QT_QPA_PLATFORM says otherwise, the app's theme): the
first render of every row, each refresh's re-render (rows kept, only changed texts set) and
the once-a-second tick, with the UI thread's longest stall under a 5 ms heartbeat timer
(`bench_history.StallMeter`). A script, not a test: it prints.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import os
import resource
import shlex
import signal
import statistics
import subprocess
import sys
import time
import tracemalloc
from collections.abc import Iterator
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from desktop.core.agent.build import Endpoints
from desktop.core.agent.session import ChatSession
from desktop.core.agent.worker import AgentLoop
from desktop.core.config.credentials import Credentials
from desktop.core.config.sandbox_rates import SandboxRates
from desktop.core.config.settings import Settings
from desktop.core.sandboxes.calls import METRICS
from desktop.core.sandboxes.service import SandboxService
from desktop.core.sandboxes.view import SandboxView

REPO = Path(__file__).resolve().parents[2]
RENDERED_REFRESHES = 20


class FakeClock:
    """The service's clock: real time at the start, then moved by the simulation."""

    def __init__(self) -> None:
        self.now = time.time()

    def __call__(self) -> float:
        return self.now


class CountingCaller:
    """The session's Tool Router connection, counting what the service asks of it."""

    def __init__(self, session: ChatSession) -> None:
        self.session = session
        self.calls = 0
        self.inner: list[str] = []

    async def call_tool(self, name: str, arguments: dict[str, Any], seconds: float) -> Any:
        self.calls += 1
        self.inner.extend(str(tool.get("tool_slug")) for tool in arguments.get("tools", []))
        return await self.session.call_tool(name, arguments, seconds)

    def counts(self) -> tuple[int, int, int]:
        """(router calls, list pages, metrics reads) so far."""
        inner = self.inner
        return self.calls, inner.count("E2B_LIST_ALL_SANDBOXES"), inner.count(METRICS)


def _rss_mb() -> float:
    statm = Path("/proc/self/statm")
    if statm.exists():
        pages = int(statm.read_text().split()[1])
        return pages * resource.getpagesize() / 1e6
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e3


@contextlib.contextmanager
def _fakes(sandboxes: int) -> Iterator[tuple[dict[str, str], list[str]]]:
    """The loopback fakes in a process of their own (their records of every request would
    otherwise count as this process's memory); yields their environment, then what they
    said when stopped."""
    child = subprocess.Popen(
        [sys.executable, "-m", "tests.fakes", "--sandboxes", str(sandboxes)],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    said: list[str] = []
    try:
        assert child.stdout is not None
        env: dict[str, str] = {}
        for line in child.stdout:
            if line.startswith("export "):
                env = dict(shlex.split(line)[i].split("=", 1) for i in range(1, 6))
                break
        if not env:
            raise RuntimeError("the fakes did not start")
        yield env, said
    finally:
        child.send_signal(signal.SIGINT)
        _, err = child.communicate(timeout=30)
        said.extend(err.splitlines())


async def _simulate(env: dict[str, str], minutes: int, selected: int) -> list[SandboxView]:
    """The listing and the hour of refreshes; the views a panel would have rendered."""
    agent_loop = AgentLoop(name="agent-loop")
    session = ChatSession(
        Settings(user_id=env["USER_ID"]),
        Credentials(env["OPENAI_API_KEY"], env["COMPOSIO_API_KEY"], env["USER_ID"]),
        Endpoints(env["OPENAI_BASE_URL"], env["COMPOSIO_BASE_URL"]),
    )
    caller = CountingCaller(session)
    clock = FakeClock()
    service = SandboxService(
        lambda: caller, SandboxRates.of(Settings()), runner=agent_loop, clock=clock
    )
    try:
        started = time.perf_counter()
        view = await service.refresh()
        listed = time.perf_counter() - started
        assert view.error is None, view.error
        print(f"sandboxes listed: {len(view.rows)} in {listed * 1000:.0f} ms (first, connecting)")
        started = time.perf_counter()
        view = await service.refresh()
        print(f"  listed again: {(time.perf_counter() - started) * 1000:.0f} ms")
        builds = []
        for _ in range(20):
            started = time.perf_counter()
            service.view()
            builds.append(time.perf_counter() - started)
        print(
            f"  view of {len(view.rows)} rows built in {statistics.median(builds) * 1000:.1f} ms "
            f"(median of 20; the longest {max(builds) * 1000:.1f} ms)"
        )
        chosen = [row.sandbox_id for row in view.rows[:selected]]
        views = [view]

        service.schedule.show()
        before = caller.counts()
        refreshes = 0
        heap_first, rss_first = 0.0, _rss_mb()
        gc.collect()
        tracemalloc.start()
        for _ in range(minutes * 2):
            clock.now += 30
            if not service.schedule.due():
                continue
            await service.refresh()
            for sandbox_id in chosen:
                await service.details(sandbox_id)
            refreshes += 1
            if refreshes == 1:  # the list was read twice before: caches are warm by now
                gc.collect()
                heap_first, rss_first = tracemalloc.get_traced_memory()[0] / 1e6, _rss_mb()
        gc.collect()
        heap_last = tracemalloc.get_traced_memory()[0] / 1e6
        tracemalloc.stop()
        calls, pages, metrics = (a - b for a, b in zip(caller.counts(), before, strict=True))
        print(
            f"panel open {minutes} simulated minutes: {refreshes} refreshes; per refresh "
            f"{calls / refreshes:.1f} router calls, {pages / refreshes:.1f} list pages "
            f"(100 sandboxes a page), {metrics / refreshes:.1f} metrics reads for "
            f"{selected} selected"
        )
        print(
            f"memory: Python heap {heap_last - heap_first:+.2f} MB and process "
            f"{_rss_mb() - rss_first:+.1f} MB from refresh 1 to refresh {refreshes} "
            f"(process now {_rss_mb():.0f} MB)"
        )

        service.schedule.hide()
        hidden_before = caller.calls
        for _ in range(20):
            clock.now += 30
            if service.schedule.due():
                await service.refresh()
        print(f"panel hidden 10 simulated minutes: {caller.calls - hidden_before} calls")
        for _ in range(RENDERED_REFRESHES):  # kept for the panel, after memory was measured
            clock.now += 30
            views.append(await service.refresh())
        return views
    finally:
        await agent_loop.run(session.aclose())
        await agent_loop.aclose()


def _render(views: list[SandboxView]) -> None:
    """The views into the real panel, each step on the Qt loop, the heartbeat running."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import QEventLoop, Qt, QTimer
    from PySide6.QtWidgets import QApplication, QMainWindow

    from desktop.ui.sandboxes.panel import SandboxPanel
    from desktop.ui.theme import apply_theme
    from tests.benchmarks.bench_history import StallMeter

    app = QApplication.instance() or QApplication([sys.argv[0]])
    assert isinstance(app, QApplication)
    apply_theme(app)
    window = QMainWindow()
    panel = SandboxPanel(window)
    window.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, panel)
    window.resize(1500, 900)
    window.show()
    panel.set_titles({f"conv-{n}": f"Conversation number {n}" for n in range(100)})
    first, *again = views
    steps: list[tuple[str, Any]] = [("first", lambda: panel.show_view(first, None))]
    steps += [("again", lambda v=v: panel.show_view(v, None)) for v in again]
    steps += [("tick", lambda: panel.tick(first)) for _ in range(20)]
    took: dict[str, list[float]] = {"first": [], "again": [], "tick": []}
    stalls: dict[str, float] = dict.fromkeys(took, 0.0)
    meter = StallMeter()
    loop = QEventLoop()

    def run(index: int) -> None:
        if index > 0:  # the previous step's stall, its layout and paint included
            longest, _ = meter.stop()
            name = steps[index - 1][0]
            stalls[name] = max(stalls[name], longest)
        if index == len(steps):
            loop.quit()
            return
        meter.start()
        name, step = steps[index]
        started = time.perf_counter()
        step()
        took[name].append((time.perf_counter() - started) * 1000)
        QTimer.singleShot(150, lambda: run(index + 1))  # time to lay out and paint

    QTimer.singleShot(300, lambda: run(0))
    loop.exec()
    rows = panel.list.topLevelItemCount()
    assert rows == len(first.rows), (rows, len(first.rows))
    print(
        f"panel: {rows} rows rendered in {took['first'][0]:.0f} ms (longest UI stall "
        f"{stalls['first']:.0f} ms); re-rendered on refresh in "
        f"{statistics.median(took['again']):.1f} ms (median of {len(took['again'])}; longest "
        f"stall {stalls['again']:.0f} ms); the 1 s tick {statistics.median(took['tick']):.1f} ms "
        f"(longest stall {stalls['tick']:.0f} ms)"
    )
    window.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sandboxes", type=int, default=200)
    parser.add_argument("--minutes", type=int, default=60)
    parser.add_argument("--selected", type=int, default=1)
    args = parser.parse_args()
    with _fakes(args.sandboxes) as (env, said):
        views = asyncio.run(_simulate(env, args.minutes, args.selected))
    print(next((line.lstrip("# ") for line in said if "model requests" in line), ""))
    _render(views)
    return 0


if __name__ == "__main__":
    sys.exit(main())
