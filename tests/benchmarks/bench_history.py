"""Measure the conversation history in the window, offscreen, and print the figures.

    python tests/benchmarks/bench_history.py [--conversations 5000] [--messages 1000]

Builds a database of 5,000 conversations (two turns each) plus one long conversation of
1,000 chat messages (500 prompts and 500 replies, every fifth turn with a tool card), then drives
the real window, sidebar and controllers on a qasync loop:

- opening the long conversation: from selecting its row to the first paint of the chat view
  showing its newest messages (several runs, alternating with a short conversation);
- the sidebar: first page painted after the store is attached; scrolling through all 5,000 rows
  (pages fetched as the view nears the end); typing searches. Meanwhile a 5 ms timer records
  the longest gap between its ticks: the UI thread's longest stall;
- the process's memory (RSS) at the end.

A script, not a test: it prints.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import qasync
from PySide6.QtCore import QEvent, QObject, Qt, QTimer
from PySide6.QtWidgets import QApplication

from desktop.core.store.facade import AsyncConversationStore
from desktop.core.store.sqlite import ConversationStore
from desktop.ui.chat.controller import ChatController
from desktop.ui.sidebar.conversation_list_controller import ConversationListController
from desktop.ui.sidebar.conversation_sidebar import ConversationSidebar
from desktop.ui.theme import apply_theme
from desktop.ui.window.main_window import MainWindow
from desktop.ui.window.wiring import connect_sidebar, connect_window
from tests.benchmarks.bench_store import MODEL, sentence, turn_payload

TICK_MS = 5
LONG_TITLE = "The long one"
SHORT_TITLE = "A short one"


def build(path: Path, conversations: int, messages: int) -> None:
    rng = random.Random(11)
    started = time.perf_counter()
    with ConversationStore(path) as store:
        for _ in range(conversations):
            cid = store.create_conversation(MODEL)
            for _turn in range(2):
                prompt = sentence(rng, rng.randint(4, 14))
                turn = store.begin_turn(cid, prompt)
                payload, reply, cards = turn_payload(rng, prompt)
                store.complete_turn(turn, payload, reply, cards)
        short = store.create_conversation(MODEL, SHORT_TITLE)
        turn = store.begin_turn(short, "hello")
        store.complete_turn(turn, None, "Hello! How can I help?")
        long_id = store.create_conversation(MODEL, LONG_TITLE)
        for n in range(messages // 2):
            prompt = sentence(rng, rng.randint(4, 20))
            turn = store.begin_turn(long_id, prompt)
            payload, reply, cards = turn_payload(rng, prompt)
            # Replies with some markdown, as the agent writes them.
            reply = f"**{reply[:30]}**\n\n- {reply[30:80]}\n- `{reply[80:100]}`\n\n{reply[100:]}"
            store.complete_turn(turn, payload, reply, cards if n % 5 == 0 else [])
    print(
        f"database: {conversations:,} conversations x 2 turns + one of {messages:,} messages, "
        f"built in {time.perf_counter() - started:.1f} s, "
        f"{path.stat().st_size / 1e6:.1f} MB"
    )


class StallMeter(QObject):
    """A 5 ms timer: the longest gap between its ticks is the UI thread's longest stall."""

    def __init__(self) -> None:
        super().__init__()
        self._timer = QTimer(self)
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._timer.setInterval(TICK_MS)
        self._timer.timeout.connect(self._on_timer_timeout)
        self._last = 0.0
        self.gaps: list[float] = []

    def start(self) -> None:
        self.gaps = []
        self._last = time.perf_counter()
        self._timer.start()

    def stop(self) -> tuple[float, float]:
        self._timer.stop()
        gaps = sorted(self.gaps) or [0.0]
        return gaps[-1], gaps[int(len(gaps) * 0.99) - 1 if len(gaps) > 1 else 0]

    def _on_timer_timeout(self) -> None:
        now = time.perf_counter()
        self.gaps.append((now - self._last) * 1000)
        self._last = now


class PaintWatcher(QObject):
    """Records when the watched widget is painted."""

    def __init__(self, target: QObject) -> None:
        super().__init__(target)
        self.times: list[float] = []
        target.installEventFilter(self)

    def first_after(self, moment: float) -> float | None:
        return next((t for t in self.times if t > moment), None)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Paint:
            self.times.append(time.perf_counter())
        return False


async def wait_until(predicate: object, limit_s: float = 30.0) -> None:
    assert callable(predicate)
    deadline = time.perf_counter() + limit_s
    while not predicate():
        if time.perf_counter() > deadline:
            raise TimeoutError("the window never got there")
        await asyncio.sleep(0.001)


def rss_mb() -> tuple[float, float]:
    """(current RSS, peak RSS) in MB, from /proc on Linux."""
    values: dict[str, float] = {}
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            key, _, rest = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                values[key] = int(rest.split()[0]) / 1024
    except OSError:
        import resource

        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        return peak, peak
    return values.get("VmRSS", 0.0), values.get("VmHWM", 0.0)


def model_rows(sidebar: ConversationSidebar) -> int:
    return sidebar.model.rowCount()


def ms(samples: list[float]) -> str:
    return f"median {statistics.median(samples):7.1f} ms   max {max(samples):7.1f} ms"


async def measure(path: Path, conversations: int, messages: int) -> None:
    window = MainWindow()
    window.resize(1280, 820)
    controller = ChatController(None, window)
    sidebar = ConversationSidebar()
    listing = ConversationListController(None, window)
    guard = connect_window(window, controller)
    connect_sidebar(window, sidebar, listing, controller, guard)
    window.set_ready()
    window.set_sidebar(sidebar, 270)
    window.show()
    await asyncio.sleep(0.3)
    meter = StallMeter()
    list_paint = PaintWatcher(sidebar.list_view.viewport())
    chat_paint = PaintWatcher(window.chat_view.viewport())
    print(f"memory after the window is shown: {rss_mb()[0]:.0f} MB RSS")

    store = await AsyncConversationStore.open(path)
    try:
        # -- the sidebar opens --------------------------------------------------------------
        meter.start()
        started = time.perf_counter()
        controller.set_repository(store)
        listing.set_repository(store)
        sidebar.start()
        rows_at: list[float] = []
        sidebar.model.rowsInserted.connect(lambda *_: rows_at.append(time.perf_counter()))
        await wait_until(lambda: rows_at and list_paint.first_after(rows_at[0]))
        painted = list_paint.first_after(rows_at[0])
        assert painted is not None
        first_page = (painted - started) * 1000  # the first paint with rows in it
        await asyncio.sleep(0.3)
        stall, p99 = meter.stop()
        print("sidebar")
        print(
            f"  first page ({model_rows(sidebar)} rows) painted {first_page:.1f} ms after the"
            f" store was attached; longest UI stall over 0.3 s: {stall:.1f} ms"
        )

        # -- opening the long conversation ---------------------------------------------------
        view = sidebar.list_view
        model = sidebar.model
        long_row = model.row_of(next(s.id for s in model.summaries() if s.title == LONG_TITLE))
        short_row = model.row_of(next(s.id for s in model.summaries() if s.title == SHORT_TITLE))
        samples: list[float] = []
        stalls: list[float] = []
        for _ in range(6):
            view.setCurrentIndex(model.index(short_row))
            await wait_until(lambda: len(window.chat_view.entries()) == 2)
            await asyncio.sleep(0.05)
            loaded = asyncio.Event()
            token = controller.history_loaded.connect(lambda _items, done=loaded: done.set())
            meter.start()
            started = time.perf_counter()
            view.setCurrentIndex(model.index(long_row))
            await loaded.wait()
            controller.history_loaded.disconnect(token)
            loaded_at = time.perf_counter()
            await wait_until(lambda at=loaded_at: chat_paint.first_after(at) is not None)
            painted = chat_paint.first_after(loaded_at)
            assert painted is not None
            samples.append((painted - started) * 1000)
            stalls.append(meter.stop()[0])
        shown = len(window.chat_view.entries())
        print(f"opening a conversation of {messages:,} messages (selection -> first paint)")
        print(f"  newest {shown} entries painted   {ms(samples)}")
        print(f"  longest UI stall while opening   {ms(stalls)}")

        # -- scrolling through everything ----------------------------------------------------
        view.setFocus()
        bar = view.verticalScrollBar()
        meter.start()
        started = time.perf_counter()
        frames = 0
        while not (model.exhausted and bar.value() >= bar.maximum()):
            bar.setValue(bar.value() + 900)  # a fast fling: ~24 rows per frame
            frames += 1
            await asyncio.sleep(0.016)
            if time.perf_counter() - started > 120:
                raise TimeoutError("scrolling never reached the end")
        stall, p99 = meter.stop()
        print(
            f"  scrolled through all {model.rowCount():,} rows in {frames} frames "
            f"({time.perf_counter() - started:.1f} s, pages fetched on the way):"
            f" longest UI stall {stall:.1f} ms, 99th percentile {p99:.1f} ms"
        )

        # -- searching ----------------------------------------------------------------------
        field = sidebar.search_field
        print("search (typed a character every 60 ms; results after a 150 ms pause)")
        for query in ("sandbox", "gpu memory", "snapsh", "budget report quota", "zzzz"):
            field.clear()
            await asyncio.sleep(0.2)
            meter.start()
            for count in range(1, len(query) + 1):
                field.setText(query[:count])
                await asyncio.sleep(0.06)
            typed = time.perf_counter()
            await wait_until(lambda q=query: sidebar.results_model.query == q.strip())  # type: ignore[misc]
            shown_at = time.perf_counter()
            await asyncio.sleep(0.1)
            stall, _ = meter.stop()
            print(
                f"  {query!r:<24} {sidebar.results_model.rowCount():3} hits,"
                f" shown {(shown_at - typed) * 1000:6.1f} ms after the last key;"
                f" longest UI stall {stall:5.1f} ms"
            )
        field.clear()
        current, peak = rss_mb()
        print(f"memory: {current:.0f} MB RSS now, {peak:.0f} MB peak")
    finally:
        await listing.aclose()
        await controller.aclose()
        await store.aclose()
        window.close_for_good()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--conversations", type=int, default=5000)
    parser.add_argument("--messages", type=int, default=1000)
    args = parser.parse_args()
    app = QApplication.instance() or QApplication([sys.argv[0]])
    assert isinstance(app, QApplication)
    app.setQuitOnLastWindowClosed(False)
    apply_theme(app)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "conversations.sqlite3"
        build(path, args.conversations, args.messages)
        loop = qasync.QEventLoop(app)
        asyncio.set_event_loop(loop)
        with loop:
            loop.run_until_complete(measure(path, args.conversations, args.messages))


if __name__ == "__main__":
    main()
