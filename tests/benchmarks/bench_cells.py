"""Measure a code cell with 1 MB of stdout and a 4-megapixel chart in the chat view, offscreen.

    python tests/benchmarks/bench_cells.py [--runs 5] [--stdout-kb 1024] [--megapixels 4]

Each run builds the workbench's answer as Composio sends it (the stdout, and the chart as a
base64 PNG drawn by the fake workbench's own writer), reads it into a `CodeRun` as the agent's
loop does (timed: off the UI thread in the app), then, on the UI thread, shows the cell and
waits until its chart is decoded (on a worker) and drawn; then presses "Show all" on its stdout
and waits until it is all there. A 5 ms timer meanwhile records the longest gap between its
ticks: the UI thread's longest stall. The cell keeps a run's texts bounded as every tool result
is (64 KiB); "Show all" of a whole megabyte is measured apart, on the same folded view.

A script, not a test: it prints (target: no stall over 50 ms).
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QEventLoop, QThreadPool, QTimer
from PySide6.QtWidgets import QApplication

from desktop.core.agent.code_runs import read_code_run
from desktop.ui.chat.chat_view import ChatView
from desktop.ui.chat.code_cell import CodeCellWidget
from desktop.ui.chat.folded_text import FoldedText
from desktop.ui.theme import apply_theme
from tests.benchmarks.bench_history import StallMeter
from tests.ui.chat.cell_helpers import cell_events, chart_png

WORKBENCH = "COMPOSIO_REMOTE_WORKBENCH"


def spin_until(done: Callable[[], bool], limit_s: float = 60.0) -> float:
    """Run Qt's loop until `done()`; the seconds it took."""
    began = time.perf_counter()
    loop = QEventLoop()
    poll = QTimer()
    poll.setInterval(1)

    def check() -> None:
        if done() or time.perf_counter() - began > limit_s:
            loop.quit()

    poll.timeout.connect(check)
    poll.start()
    loop.exec()
    poll.stop()
    if not done():
        raise TimeoutError("the cell never got there")
    return time.perf_counter() - began


def the_answer(stdout_kb: int, megapixels: float) -> tuple[str, int]:
    """The workbench's answer (JSON text) and the chart's side in pixels."""
    side = int((megapixels * 1_000_000) ** 0.5)
    line = "row " + "x" * 75 + "\n"  # 80 characters
    stdout = line * (stdout_kb * 1024 // len(line))
    png = base64.b64encode(chart_png(side, side, (3, 5, 4, 6))).decode("ascii")
    data = {"stdout": stdout, "stderr": "", "results": [{"png": png, "text": "<Figure>"}]}
    return json.dumps({"data": data, "error": None, "successful": True}), side


def one_run(view: ChatView, meter: StallMeter, answer: str, number: int) -> dict[str, float]:
    figures: dict[str, float] = {}
    began = time.perf_counter()
    run = read_code_run(WORKBENCH, {"code_to_execute": "report()"}, answer)
    figures["read"] = (time.perf_counter() - began) * 1000
    assert run is not None
    started, finished = cell_events(run, f"cell-{number}")
    meter.start()
    shown = time.perf_counter()
    view.add_tool_call(started)
    view.finish_tool_call(finished)
    cell = view.tool_card(started.call_id)
    assert isinstance(cell, CodeCellWidget)
    (image,) = cell.images
    spin_until(lambda: image.decoded is not None)
    figures["drawn"] = (time.perf_counter() - shown) * 1000
    spin_until(lambda: True)  # its paint
    figures["shown_stall"], _ = meter.stop()
    out = cell.texts[0]
    meter.start()
    out.show_all()
    spin_until(lambda: not out.filling)
    figures["show_all_stall"], _ = meter.stop()
    return figures


def whole_megabyte(view: ChatView, meter: StallMeter, stdout_kb: int) -> tuple[float, float]:
    """Show all of a whole stdout (not cut): longest stall and seconds until all is there."""
    text = ("row " + "y" * 75 + "\n") * (stdout_kb * 1024 // 80)
    folded = FoldedText(text, "Output", "stdout", view)
    folded.resize(760, 400)
    folded.show()
    spin_until(lambda: True)
    meter.start()
    folded.show_all()
    took = spin_until(lambda: not folded.filling)
    stall, _ = meter.stop()
    folded.deleteLater()
    return stall, took


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--stdout-kb", type=int, default=1024)
    parser.add_argument("--megapixels", type=float, default=4.0)
    args = parser.parse_args()
    app = QApplication.instance() or QApplication([sys.argv[0]])
    assert isinstance(app, QApplication)
    apply_theme(app)
    view = ChatView()
    view.resize(900, 1000)
    view.show()
    meter = StallMeter()
    answer, side = the_answer(args.stdout_kb, args.megapixels)
    runs = []
    for number in range(args.runs):
        view.clear()
        spin_until(lambda: True)
        runs.append(one_run(view, meter, answer, number))
    QThreadPool.globalInstance().waitForDone()

    def median(key: str) -> float:
        return statistics.median(r[key] for r in runs)

    def worst(key: str) -> float:
        return max(r[key] for r in runs)

    size = len(answer) / (1024 * 1024)
    print(
        f"cell with {args.stdout_kb:,} KB of stdout and a {side}x{side} chart "
        f"({side * side / 1e6:.1f} MP; the answer {size:.1f} MB), {args.runs} runs:"
    )
    print(f"  read into a CodeRun (agent's loop)      {median('read'):6.1f} ms")
    print(
        f"  shown until the chart is drawn          {median('drawn'):6.1f} ms; longest UI stall "
        f"{median('shown_stall'):.1f} ms (worst {worst('shown_stall'):.1f} ms)"
    )
    print(
        f"  Show all of its stdout (64 KiB kept)    longest UI stall "
        f"{median('show_all_stall'):.1f} ms (worst {worst('show_all_stall'):.1f} ms)"
    )
    stall, took = whole_megabyte(view, meter, args.stdout_kb)
    print(
        f"  Show all of {args.stdout_kb:,} KB not cut               {took * 1000:6.1f} ms "
        f"until all is there; longest UI stall {stall:.1f} ms"
    )


if __name__ == "__main__":
    main()
