"""Measure the app as a user meets it and print the figures (a script, not a test).

    python tests/benchmarks/bench_ui.py [--runs 5]

Each figure comes from a fresh process (offscreen Qt, loopback fakes):
- first paint: `python -m desktop --smoke-test`, the time from process start to the first paint;
- ready to send: process start until the Tool Router session and the MCP connection are up;
- memory before the first chat (RSS once ready);
- a 20,000-token reply streamed as fast as the fake can: the UI thread's longest stall (a 5 ms
  Qt timer records the largest gap between its ticks) and whether the whole reply rendered;
- a conversation of 500 messages with 100 tool cards: time to show it and the memory after.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))


def rss_mb() -> float:
    """Current resident memory of this process, from /proc (falls back to the peak)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


class StallMeter:
    """A 5 ms Qt timer; the largest gap between two ticks is the UI thread's longest stall."""

    def __init__(self) -> None:
        from PySide6.QtCore import QTimer

        self.longest = 0.0
        self._last = time.perf_counter()
        self._timer = QTimer()
        self._timer.setInterval(5)
        self._timer.timeout.connect(self._tick)
        self._timer.start()

    def _tick(self) -> None:
        now = time.perf_counter()
        self.longest = max(self.longest, now - self._last)
        self._last = now

    def stop(self) -> None:
        self._timer.stop()


async def _until(predicate: object, seconds: float = 60) -> None:
    deadline = time.perf_counter() + seconds
    while not predicate():  # type: ignore[operator]
        if time.perf_counter() > deadline:
            raise TimeoutError
        await asyncio.sleep(0.01)


async def scenario_app(start: float, tokens: int) -> dict[str, float]:
    """Runs inside a child process: ready time, memory, the huge stream, the long history."""
    from desktop.core.events import ToolAction, ToolCallFinished, ToolCallStarted
    from desktop.core.secrets import MemorySecretStore
    from desktop.gui import DesktopApp
    from desktop.log_setup import KnownSecrets
    from desktop.paths import default_paths
    from desktop.ui.chat_model import AssistantItem, ToolCallItem, UserItem
    from desktop.ui.message_widget import AssistantMessageWidget

    paths = default_paths()
    paths.ensure()
    shell = DesktopApp(paths, KnownSecrets(), secret_store=MemorySecretStore())
    shell.window.show()
    await shell.start()
    await _until(lambda: shell.controller.connection_status.state.value == "ready")
    figures = {"ready_s": time.perf_counter() - start, "rss_ready_mb": rss_mb()}

    meter = StallMeter()
    shell.window.send_requested.emit("stream a huge reply")
    await _until(lambda: shell.window.busy)
    await _until(lambda: not shell.window.busy, seconds=300)
    await asyncio.sleep(0.2)
    meter.stop()
    replies = [e for e in shell.window.chat_view.entries() if isinstance(e, AssistantMessageWidget)]
    rendered = replies[-1].plain_text() if replies else ""
    figures["stream_longest_stall_ms"] = meter.longest * 1000
    figures["stream_rendered_chars"] = float(len(rendered))

    items: list[object] = []
    for i in range(100):
        started = ToolCallStarted(
            f"c{i}",
            "COMPOSIO_MULTI_EXECUTE_TOOL",
            {},
            (ToolAction("E2B_GET_SANDBOX", {"sandbox_id": f"sbx{i}"}),),
        )
        finished = ToolCallFinished(
            f"c{i}",
            "COMPOSIO_MULTI_EXECUTE_TOOL",
            "success",
            json.dumps({"i": i} | {"x": "y" * 400}),
        )
        items += [
            UserItem(f"Question {i}: what is sandbox sbx{i} doing?"),
            ToolCallItem(started, finished),
            AssistantItem(f"Sandbox **sbx{i}** is running. Here is some `code` and text. " * 5),
            UserItem(f"Thanks {i}"),
            AssistantItem("You're welcome. " * 10),
        ]
    shell.window.chat_view.clear()
    began = time.perf_counter()
    shell.window.chat_view.load_history(items)  # type: ignore[arg-type]
    await asyncio.sleep(0)
    shell.window.repaint()
    figures["history_500_show_ms"] = (time.perf_counter() - began) * 1000
    await asyncio.sleep(0.2)
    figures["rss_after_500_mb"] = rss_mb()
    figures["huge_tokens"] = float(tokens)
    await shell.shutdown()
    return figures


def child(tokens: int) -> None:
    start = time.perf_counter()
    import qasync
    from PySide6.QtWidgets import QApplication

    from desktop.ui.theme import apply_theme

    app = QApplication(sys.argv[:1])
    app.setQuitOnLastWindowClosed(False)
    apply_theme(app)
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    with loop:
        figures = loop.run_until_complete(scenario_app(start, tokens))
    print(json.dumps(figures))


def first_paint_runs(runs: int) -> list[float]:
    times = []
    for _ in range(runs):
        with tempfile.TemporaryDirectory() as home:
            env = {
                **os.environ,
                "QT_QPA_PLATFORM": "offscreen",
                "E2B_AGENT_HOME": home,
                "PYTHONPATH": str(REPO),
            }
            out = subprocess.run(
                [sys.executable, "-m", "desktop", "--smoke-test"],
                env=env,
                capture_output=True,
                text=True,
                check=True,
                timeout=60,
            ).stdout
        times.append(float(out.split("first paint:")[1].split()[0]))
    return times


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--tokens", type=int, default=20_000)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.tokens)
        return

    paints = first_paint_runs(args.runs)
    print(
        f"first paint from process start (source): median {statistics.median(paints):.3f} s "
        f"(runs: {', '.join(f'{t:.3f}' for t in paints)})"
    )
    # The fakes run in this process, so the child's memory is the app's alone.
    from tests.fakes.harness import FakeServices
    from tests.fakes.openai_script import Reply

    results = []
    with FakeServices() as services:
        for _ in range(args.runs):
            services.reset()
            services.openai.script.push(Reply.huge(args.tokens, chunk_size=1))
            with tempfile.TemporaryDirectory() as home:
                env = {
                    **os.environ,
                    **services.env(),
                    "QT_QPA_PLATFORM": "offscreen",
                    "E2B_AGENT_HOME": home,
                    "PYTHONPATH": str(REPO),
                }
                run = subprocess.run(
                    [sys.executable, __file__, "--child", "--tokens", str(args.tokens)],
                    env=env,
                    capture_output=True,
                    text=True,
                    check=False,
                    timeout=600,
                )
            if run.returncode != 0:
                sys.exit(f"the measuring process failed:\n{run.stderr[-3000:]}")
            results.append(json.loads(run.stdout.strip().splitlines()[-1]))

    def med(key: str) -> float:
        return statistics.median(r[key] for r in results)

    print(f"ready to send (session + MCP up, fakes): median {med('ready_s'):.2f} s")
    print(f"memory before the first chat: median {med('rss_ready_mb'):.0f} MB")
    worst = max(r["stream_longest_stall_ms"] for r in results)
    print(
        f"{args.tokens:,}-token reply: longest UI stall median "
        f"{med('stream_longest_stall_ms'):.0f} ms, worst {worst:.0f} ms; "
        f"rendered {med('stream_rendered_chars'):,.0f} characters"
    )
    print(
        f"500 messages with 100 tool cards: shown in median {med('history_500_show_ms'):.0f} ms; "
        f"memory after {med('rss_after_500_mb'):.0f} MB"
    )


if __name__ == "__main__":
    main()
