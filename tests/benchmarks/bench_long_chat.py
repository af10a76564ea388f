"""A long conversation: the UI thread's longest stall during turn 201, and CPU per turn.

    python tests/benchmarks/bench_long_chat.py [--turns 200] [--at 10,100,200] [--repeats 3]
                                               [--profile N]

Every turn is "list my sandboxes": the fake model calls COMPOSIO_MULTI_EXECUTE_TOOL
(E2B_LIST_ALL_SANDBOXES) and then summarises the result, so a turn is two model requests and one
tool call through the Tool Router's MCP endpoint. The fakes run in this process; the app runs in
child processes, so their CPU figures are the app's alone.

1. CPU per turn (terminal-mode child, no Qt): one real turn gives a template of a turn's
   pydantic-ai messages; TURNS copies of it (fresh ids each) are the history. Then real turns
   are run on a `ChatSession` with N-1 turns of that history, for each N in --at (REPEATS times
   each, medians): the process's CPU, the CPU of its busiest thread (the one running the agent)
   and the wall time. The same TURNS turns, with their tool cards, are written to the app's
   SQLite store through `ConversationStore`.
2. The window (offscreen Qt child): the real `DesktopApp` reopens that conversation (the most
   recent one), the agent is loaded by typing, then turn TURNS+1 is sent with the full history
   (and turn TURNS+2, warm). A 5 ms Qt timer records the gaps between its ticks: the longest gap
   is the UI thread's longest stall (issue 8's target: under 50 ms). The Qt thread's own CPU
   during the turn is printed as well.

--profile N prints a cProfile of one turn with N-1 turns of history (the agent's thread).
A script, not a test: it prints.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from tests.benchmarks.long_chat_history import (  # noqa: E402 - after the path is set
    PROMPT,
    real_turn,
    template_of,
    write_store,
)

if TYPE_CHECKING:
    from desktop.core.agent.session import ChatSession

TICK_MS = 5
STALL_TARGET_MS = 50


# -- measuring ---------------------------------------------------------------------------------
def thread_cpu() -> dict[str, float]:
    """CPU seconds of each live Python thread of this process, by name and id."""
    seconds: dict[str, float] = {}
    for thread in threading.enumerate():
        if thread.ident is None:
            continue
        try:
            clock = time.pthread_getcpuclockid(thread.ident)
            seconds[f"{thread.name}#{thread.ident}"] = time.clock_gettime(clock)
        except (AttributeError, OSError):  # no per-thread clocks here, or the thread just ended
            continue
    return seconds


class CpuMeter:
    """Process CPU, the busiest thread's CPU and wall time between `__init__` and `stop()`."""

    def __init__(self) -> None:
        self._threads = thread_cpu()
        self._process = time.process_time()
        self._wall = time.perf_counter()

    def stop(self) -> dict[str, Any]:
        after = thread_cpu()
        deltas = {name: after[name] - self._threads.get(name, 0.0) for name in after}
        busiest = max(deltas, key=deltas.__getitem__, default="?")
        return {
            "process_cpu_s": time.process_time() - self._process,
            "thread_cpu_s": deltas.get(busiest, 0.0),
            "thread": busiest.split("#")[0],
            "wall_s": time.perf_counter() - self._wall,
        }


class StallMeter:
    """A 5 ms precise Qt timer on the UI thread; records the gaps between its ticks (ms)."""

    def __init__(self) -> None:
        from PySide6.QtCore import Qt, QTimer

        self.gaps: list[float] = []
        self._last = time.perf_counter()
        self._timer = QTimer()
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._timer.setInterval(TICK_MS)
        self._timer.timeout.connect(self._on_timer_timeout)
        self._timer.start()

    def _on_timer_timeout(self) -> None:
        now = time.perf_counter()
        self.gaps.append((now - self._last) * 1000)
        self._last = now

    def stop(self) -> dict[str, float]:
        self._timer.stop()
        self._on_timer_timeout()  # a stall that lasts until the end counts too
        over = [gap for gap in self.gaps if gap > STALL_TARGET_MS]
        return {
            "longest_stall_ms": max(self.gaps, default=0.0),
            "stalls_over_target": float(len(over)),
            "stalled_ms": sum(over),
        }


async def until(predicate: Any, seconds: float = 60) -> None:
    deadline = time.perf_counter() + seconds
    while not predicate():
        if time.perf_counter() > deadline:
            raise TimeoutError("the app never got there")
        await asyncio.sleep(0.01)


# -- child 1: CPU per turn ---------------------------------------------------------------------
def _session() -> ChatSession:
    from desktop.core.agent.build import Endpoints
    from desktop.core.agent.session import ChatSession
    from desktop.core.config.credentials import Credentials
    from desktop.core.config.settings import Settings

    env = os.environ
    credentials = Credentials(env["OPENAI_API_KEY"], env["COMPOSIO_API_KEY"], env["USER_ID"])
    return ChatSession(Settings(user_id=env["USER_ID"]), credentials, Endpoints.from_environ())


async def cpu_child(turns: int, at: list[int], repeats: int, profile: int | None) -> dict[str, Any]:
    from pydantic_ai.messages import ModelMessagesTypeAdapter

    from desktop.paths import default_paths

    session = _session()
    await session.connect()
    events, finished = await real_turn(session)
    template = template_of(events, finished)
    copies = [template.copy(n) for n in range(turns)]
    started = time.perf_counter()
    write_store(default_paths().database_file, session.settings.model, copies, template.text)
    stored_s = time.perf_counter() - started
    per_turn = [ModelMessagesTypeAdapter.validate_json(json_) for json_, _ in copies]
    await real_turn(session)  # warm: the first turn's one-off costs are not per-turn costs
    figures: dict[str, Any] = {
        "history_bytes": sum(len(j) for j, _ in copies),
        "store_write_s": stored_s,
        "turns": {},
    }
    for n in at:
        history = [message for turn in per_turn[: n - 1] for message in turn]
        runs = []
        for _ in range(repeats):
            session.load_history(history)
            meter = CpuMeter()
            await real_turn(session)
            runs.append(meter.stop())
        figures["turns"][str(n)] = {
            key: statistics.median(r[key] for r in runs)
            for key in ("process_cpu_s", "thread_cpu_s", "wall_s")
        } | {"thread": runs[-1]["thread"]}
    if profile:
        import cProfile
        import pstats

        session.load_history([m for turn in per_turn[: profile - 1] for m in turn])
        profiler = cProfile.Profile()
        profiler.enable()
        await real_turn(session)
        profiler.disable()
        print(f"cProfile of turn {profile} (the agent's thread), top 25 by cumulative time:")
        pstats.Stats(profiler, stream=sys.stdout).sort_stats("cumulative").print_stats(25)
    await session.aclose()
    return figures


# -- child 2: the window -----------------------------------------------------------------------
async def ui_child(turns: int) -> dict[str, Any]:
    from desktop.core.config.secrets import MemorySecretStore
    from desktop.core.redaction import Redactor
    from desktop.desktop_app import DesktopApp
    from desktop.paths import default_paths

    paths = default_paths()
    paths.ensure()
    shell = DesktopApp(paths, Redactor(), secret_store=MemorySecretStore())
    shell.window.show()
    finished: list[object] = []
    shell.controller.turn_event.connect(
        lambda event: finished.append(event) if type(event).__name__ == "TurnFinished" else None
    )
    figures: dict[str, Any] = {}
    try:
        meter = StallMeter()
        started = time.perf_counter()
        await shell.start()
        await until(lambda: shell.controller.connection_status.state.value == "ready")
        await until(lambda: shell.controller.conversation_id is not None)
        await until(lambda: len(shell.window.chat_view.entries()) > 0)
        figures["open_s"] = time.perf_counter() - started
        await asyncio.sleep(0.3)
        figures["open"] = meter.stop()
        shell.window.message_input.setPlainText(PROMPT)  # typing loads the agent
        await until(lambda: shell.controller.agent_ready, seconds=120)
        await asyncio.sleep(0.3)
        for n in (turns + 1, turns + 2):
            meter = StallMeter()
            cpu = CpuMeter()
            qt_thread = time.thread_time()
            count = len(finished)
            if n > turns + 1:
                shell.window.message_input.setPlainText(PROMPT)
            shell.window.send_button.click()
            await until(lambda count=count: len(finished) > count, seconds=300)
            figures[str(n)] = (
                meter.stop() | cpu.stop() | {"qt_cpu_s": time.thread_time() - qt_thread}
            )
            await asyncio.sleep(0.2)
    finally:
        await shell.shutdown()
    return figures


def run_qt(scenario: Any) -> Any:
    import qasync
    from PySide6.QtWidgets import QApplication

    from desktop.ui import pyside_imports

    pyside_imports.install()
    from desktop.ui.theme import apply_theme

    app = QApplication(sys.argv[:1])
    app.setQuitOnLastWindowClosed(False)
    apply_theme(app)
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    with loop:
        return loop.run_until_complete(scenario)


# -- the parent --------------------------------------------------------------------------------
def run_child(env: dict[str, str], *flags: str) -> dict[str, Any]:
    run = subprocess.run(
        [sys.executable, __file__, *flags],
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )
    if run.returncode != 0:
        sys.exit(f"the measuring process failed:\n{run.stdout[-2000:]}\n{run.stderr[-3000:]}")
    *lines, last = run.stdout.strip().splitlines()
    for line in lines:
        print(line)
    figures: dict[str, Any] = json.loads(last)
    return figures


def report(turns: int, cpu: dict[str, Any], ui: dict[str, Any]) -> None:
    print(
        f"history: {turns} turns of '{PROMPT}' (one tool call, two model requests each), "
        f"{cpu['history_bytes'] / 1e6:.1f} MB of stored messages, written in "
        f"{cpu['store_write_s']:.1f} s"
    )
    print("CPU per turn, terminal mode (turn N has N-1 turns of history; medians):")
    for n, row in cpu["turns"].items():
        print(
            f"  turn {n:>4}: process {row['process_cpu_s']:.2f} s CPU, busiest thread "
            f"({row['thread']}) {row['thread_cpu_s']:.2f} s, wall {row['wall_s']:.2f} s"
        )
    opened = ui["open"]
    print(
        f"window: reopening the {turns}-turn conversation took {ui['open_s']:.2f} s "
        f"(longest UI stall {opened['longest_stall_ms']:.0f} ms)"
    )
    for n in (turns + 1, turns + 2):
        row = ui[str(n)]
        label = "with the full history" if n == turns + 1 else "again, warm"
        print(
            f"  turn {n} ({label}): longest UI stall {row['longest_stall_ms']:.0f} ms "
            f"(target < {STALL_TARGET_MS} ms; {row['stalls_over_target']:.0f} stalls over it, "
            f"{row['stalled_ms']:.0f} ms in all); CPU {row['process_cpu_s']:.2f} s in the "
            f"process, {row['qt_cpu_s']:.2f} s on the Qt thread, {row['thread_cpu_s']:.2f} s on "
            f"the busiest ({row['thread']}); wall {row['wall_s']:.2f} s"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--turns", type=int, default=200)
    parser.add_argument("--at", default="10,100,200", help="turns whose CPU is measured")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--profile", type=int, default=0, help="profile turn N (0: no)")
    parser.add_argument("--child", choices=("cpu", "ui"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    at = [int(n) for n in args.at.split(",") if n.strip()]
    if args.child == "cpu":
        figures = asyncio.run(cpu_child(args.turns, at, args.repeats, args.profile or None))
        print(json.dumps(figures))
        return
    if args.child == "ui":
        print(json.dumps(run_qt(ui_child(args.turns))))
        return
    if any(not 1 <= n <= args.turns for n in at):
        sys.exit(f"--at must lie within 1..{args.turns}")

    from tests.fakes.harness import FakeServices
    from tests.fakes.openai_conversation import parse_conversation, user_messages

    started = time.perf_counter()
    with FakeServices() as services, tempfile.TemporaryDirectory(prefix="bench-long-") as home:
        env = {
            **os.environ,
            **services.env(),
            "QT_QPA_PLATFORM": "offscreen",
            "E2B_AGENT_HOME": home,
            "PYTHONPATH": str(REPO),
        }
        common = ["--turns", str(args.turns), "--at", args.at, "--repeats", str(args.repeats)]
        cpu = run_child(env, "--child", "cpu", *common, "--profile", str(args.profile))
        ui = run_child(env, "--child", "ui", *common)
        prompts = len(user_messages(parse_conversation(services.openai.last_request.json)))
    report(args.turns, cpu, ui)
    print(f"  (the last model request carried {prompts} prompts: the whole stored history)")
    if prompts != args.turns + 2:
        sys.exit(f"turn {args.turns + 2} was not sent with the full history ({prompts} prompts)")
    print(f"(measured in {time.perf_counter() - started:.0f} s)")


if __name__ == "__main__":
    main()
