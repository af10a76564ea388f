"""Measure the app as a user meets it and print the figures (a script, not a test).

    python tests/benchmarks/bench_ui.py [--runs 5]

Each figure comes from a fresh process (offscreen Qt, loopback fakes):
- first paint: `python -m desktop --smoke-test`, the time from process start to the first paint;
- ready to send: process start until the Tool Router session exists and its MCP endpoint has
  answered the handshake and listed its tools (the agent itself is not loaded yet);
- memory before the first chat (RSS once ready, the window idle);
- typing the first prompt loads the agent (pydantic-ai, MCP client, openai) and opens its
  connection: how long that takes and the UI thread's longest stall meanwhile;
- the first reply sent at once, without time to type (a paste and Enter): send to first text;
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
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tests.fakes.harness import FakeServices

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


def keys_in_the_keyring() -> dict[str, Any]:
    """The keys moved from the environment into the OS keyring, where a user keeps them, so
    that the figures include reading them (`make bench` runs with a real Secret Service)."""
    from desktop.core.config.secrets import ENV_VARS, open_secret_store

    store = open_secret_store()
    for name, variable in ENV_VARS.items():
        if variable in os.environ:  # the fakes set OpenAI's and Composio's
            store.set(name, os.environ.pop(variable))
    return {"secret_store": store, "environ": dict(os.environ)}


async def scenario_app(start: float, tokens: int) -> dict[str, float]:
    """Runs inside a child process: ready time, memory, the huge stream, the long history."""
    from desktop.core.agent.events import ToolAction, ToolCallFinished, ToolCallStarted
    from desktop.core.conversations.transcript import AssistantItem, ToolCallItem, UserItem
    from desktop.core.redaction import Redactor
    from desktop.desktop_app import DesktopApp
    from desktop.paths import default_paths
    from desktop.ui.chat.message_widget import AssistantMessageWidget

    paths = default_paths()
    paths.ensure()
    shell = DesktopApp(paths, Redactor(), **keys_in_the_keyring())
    shell.window.show()
    await shell.start()
    await _until(lambda: shell.controller.connection_status.state.value == "ready")
    ready_at = time.perf_counter()
    await asyncio.sleep(0.5)  # idle: nothing more should load
    figures = {"ready_s": ready_at - start, "rss_ready_mb": rss_mb()}
    assert shell.store is not None
    secure = shell.store.is_secure
    print(f"keyring: {shell.store.backend_name} ({'secure' if secure else 'memory only'})")

    meter = StallMeter()
    began = time.perf_counter()
    shell.window.message_input.setPlainText("stream a huge reply")  # as typed: composing starts
    await _until(lambda: shell.controller.agent_ready)
    figures["agent_load_s"] = time.perf_counter() - began
    meter.stop()
    figures["agent_load_longest_stall_ms"] = meter.longest * 1000
    figures["rss_agent_mb"] = rss_mb()

    meter = StallMeter()
    shell.window.send_button.click()
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
            ToolCallItem.of(started, finished),
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


async def scenario_cold_send(start: float) -> dict[str, float]:
    """Runs inside a child process: a prompt sent the moment the app is ready, untyped."""
    from desktop.core.redaction import Redactor
    from desktop.desktop_app import DesktopApp
    from desktop.paths import default_paths

    paths = default_paths()
    paths.ensure()
    shell = DesktopApp(paths, Redactor(), **keys_in_the_keyring())
    shell.window.show()
    await shell.start()
    await _until(lambda: shell.controller.connection_status.state.value == "ready")
    texts: list[str] = []
    shell.controller.turn_event.connect(
        lambda event: texts.append(event.text) if type(event).__name__ == "TextDelta" else None
    )
    began = time.perf_counter()
    shell.window.send_requested.emit("hello")
    await _until(lambda: bool(texts))
    figures = {"cold_first_text_s": time.perf_counter() - began}
    await _until(lambda: not shell.window.busy)
    await shell.shutdown()
    return figures


def run_in_app(scenario: Callable[[float], Coroutine[Any, Any, Any]]) -> None:
    """In a measuring process: run `scenario(start)` on a qasync loop over a themed
    QApplication, set up as app.py does, and print what it returns as JSON."""
    start = time.perf_counter()
    import qasync
    from PySide6.QtWidgets import QApplication

    from desktop.ui import pyside_imports

    pyside_imports.install()  # as app.py does, before the window's modules
    from desktop.ui.theme import apply_theme

    app = QApplication(sys.argv[:1])
    app.setQuitOnLastWindowClosed(False)
    apply_theme(app)
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    with loop:
        figures = loop.run_until_complete(scenario(start))
    print(json.dumps(figures))


def child(tokens: int, cold: bool = False) -> None:
    run_in_app(lambda start: scenario_cold_send(start) if cold else scenario_app(start, tokens))


def _child_env(home: str, extra: dict[str, str] | None = None) -> dict[str, str]:
    """A measured process's environment: offscreen Qt, a throwaway app home, this checkout."""
    return {
        **os.environ,
        **(extra or {}),
        "QT_QPA_PLATFORM": "offscreen",
        "E2B_AGENT_HOME": home,
        "PYTHONPATH": str(REPO),
    }


def first_paint_runs(runs: int) -> list[float]:
    times = []
    for _ in range(runs):
        with tempfile.TemporaryDirectory() as home:
            out = subprocess.run(
                [sys.executable, "-m", "desktop", "--smoke-test"],
                env=_child_env(home),
                capture_output=True,
                text=True,
                check=True,
                timeout=60,
            ).stdout
        times.append(float(out.split("first paint:")[1].split()[0]))
    return times


KEYRINGS_SEEN: list[str] = []


def child_output(script: str, flags: list[str], env: dict[str, str], timeout: float) -> list[str]:
    """The lines a measuring process (`script --child ...`) printed; exits if it failed."""
    run = subprocess.run(
        [sys.executable, script, "--child", *flags],
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=timeout,
    )
    if run.returncode != 0:
        sys.exit(f"the measuring process failed:\n{run.stderr[-3000:]}")
    return run.stdout.strip().splitlines()


def run_child(services: FakeServices, *flags: str) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as home:
        lines = child_output(__file__, list(flags), _child_env(home, services.env()), 600)
    figures: dict[str, float] = json.loads(lines[-1])
    for line in lines[:-1]:
        if line.startswith("keyring:") and line not in KEYRINGS_SEEN:
            KEYRINGS_SEEN.append(line)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--tokens", type=int, default=20_000)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--cold", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.tokens, args.cold)
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
            figures = run_child(services, "--tokens", str(args.tokens))
            services.reset()
            figures |= run_child(services, "--cold")
            results.append(figures)

    def med(key: str) -> float:
        return statistics.median(r[key] for r in results)

    for line in KEYRINGS_SEEN:
        print(line)
    print(f"ready to send (session + MCP handshake, fakes): median {med('ready_s'):.2f} s")
    print(f"memory before the first chat: median {med('rss_ready_mb'):.0f} MB")
    print(
        f"typing the first prompt loads the agent in median {med('agent_load_s'):.2f} s, "
        f"longest UI stall {med('agent_load_longest_stall_ms'):.0f} ms; "
        f"memory then {med('rss_agent_mb'):.0f} MB"
    )
    print(f"first reply sent at once, untyped: first text after {med('cold_first_text_s'):.2f} s")
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
