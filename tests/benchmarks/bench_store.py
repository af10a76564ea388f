"""Measure the conversation store at the sizes a heavy user reaches, and print the figures.

    python tests/benchmarks/bench_store.py [--conversations 5000] [--long-turns 1000]

Builds 5,000 conversations of two turns each plus one long conversation, then times the calls
the UI makes: the sidebar's first page and scrolling, search, opening the long conversation
(newest 50 turns), its model history, and writing a turn. A script, not a test: it prints.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from pydantic_ai.messages import (
    ModelMessagesTypeAdapter,
    ModelRequest,
    ModelResponse,
    TextPart,
    ToolCallPart,
    ToolReturnPart,
    UserPromptPart,
)

from desktop.core.agent.events import ToolAction, Usage
from desktop.core.store.facade import AsyncConversationStore
from desktop.core.store.records import ToolCardRecord
from desktop.core.store.sqlite import ConversationStore

_VOCABULARY = (
    "sandbox template python node gpu memory kill restart list create snapshot file upload "
    "download process port metrics logs timeout network install package notebook cluster "
    "deploy build test run error retry quota region image volume secret token budget report"
)
WORDS = _VOCABULARY.split()
MODEL = "openai:gpt-5"


def sentence(rng: random.Random, n: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(n))


def turn_payload(rng: random.Random, prompt: str) -> tuple[bytes, str, list[ToolCardRecord]]:
    reply = sentence(rng, rng.randint(20, 120))
    messages = ModelMessagesTypeAdapter.dump_json(
        [
            ModelRequest(parts=[UserPromptPart(prompt)]),
            ModelResponse(parts=[ToolCallPart("E2B_LIST_ALL_SANDBOXES", {}, tool_call_id="c1")]),
            ModelRequest(
                parts=[ToolReturnPart("E2B_LIST_ALL_SANDBOXES", {"items": [1, 2, 3]}, "c1")]
            ),
            ModelResponse(parts=[TextPart(reply)]),
        ]
    )
    card = ToolCardRecord(
        call_id="c1",
        tool_name="COMPOSIO_MULTI_EXECUTE_TOOL",
        actions=(ToolAction("E2B_LIST_ALL_SANDBOXES", {}),),
        outcome="success",
        result_text='{"items": [1, 2, 3]}',
    )
    return messages, reply, [card]


def add_turn(store: ConversationStore, rng: random.Random, cid: str) -> None:
    prompt = sentence(rng, rng.randint(4, 20))
    turn = store.begin_turn(cid, prompt)
    messages, reply, cards = turn_payload(rng, prompt)
    store.complete_turn(turn, messages, reply, cards, Usage(1200, 300, 2, 1))


def timed(fn: Callable[[], object], repeat: int) -> list[float]:
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    return samples


def report(label: str, samples: list[float]) -> None:
    print(
        f"  {label:<44} median {statistics.median(samples):8.3f} ms"
        f"   max {max(samples):8.3f} ms   (n={len(samples)})"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--conversations", type=int, default=5000)
    parser.add_argument("--long-turns", type=int, default=1000)
    args = parser.parse_args()
    rng = random.Random(7)

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "conversations.sqlite3"
        with ConversationStore(path) as store:
            start = time.perf_counter()
            for _ in range(args.conversations):
                cid = store.create_conversation(MODEL)
                add_turn(store, rng, cid)
                add_turn(store, rng, cid)
            built = time.perf_counter() - start
            long_id = store.create_conversation(MODEL, title="The long one")
            for _ in range(args.long_turns):
                add_turn(store, rng, long_id)
            print(
                f"built {args.conversations} conversations x 2 turns in {built:.1f} s "
                f"({built / (args.conversations * 2) * 1000:.2f} ms per begin+complete); "
                f"long conversation: {args.long_turns} turns ({args.long_turns * 2} chat "
                f"messages); file {path.stat().st_size / 1e6:.1f} MB"
            )

            print("sidebar")
            report("first page (50)", timed(lambda: store.list_conversations(50, 0), 200))
            offsets = list(range(0, args.conversations, 50))
            pages = [timed(lambda o=o: store.list_conversations(50, o), 5) for o in offsets]  # type: ignore[misc]
            report(
                f"scrolling: every page to offset {offsets[-1]}",
                [statistics.median(p) for p in pages],
            )
            print("search (20 hits)")
            for query in ("sandbox", "gpu memory", "snaps", "budget report quota", "zzzz"):
                report(f"{query!r}", timed(lambda q=query: store.search(q, 20), 30))  # type: ignore[misc]
            print(f"long conversation ({args.long_turns} turns)")
            report("newest 50 turns", timed(lambda: store.turns(long_id, 50), 100))
            oldest = store.turns(long_id, 50)[0].id
            report(
                "the 50 before those", timed(lambda: store.turns(long_id, 50, before=oldest), 100)
            )
            report("all turns", timed(lambda: store.turns(long_id), 10))
            report("history() for the next run", timed(lambda: store.history(long_id), 10))
            print("writing")
            report("begin_turn + complete_turn", timed(lambda: add_turn(store, rng, long_id), 100))
            report("export_json (long conversation)", timed(lambda: store.export_json(long_id), 5))

        async def through_the_worker() -> list[float]:
            astore = await AsyncConversationStore.open(path)
            try:
                samples = []
                for _ in range(200):
                    start = time.perf_counter()
                    await astore.list_conversations(50, 0)
                    samples.append((time.perf_counter() - start) * 1000)
                return samples
            finally:
                await astore.aclose()

        print("async facade")
        report("first page via the worker thread", asyncio.run(through_the_worker()))


if __name__ == "__main__":
    main()
