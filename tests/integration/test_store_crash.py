"""Kill a process that is writing turns, again and again: the database must stay sound.

The writer is this file run as a script. It reports each turn it has begun and completed on
stdout; the test kills it (SIGKILL on POSIX) after a random number of reports, and then checks
`PRAGMA integrity_check`, that every completed turn is intact, and that each kill left at most the
one turn in flight pending. The kill moment is chosen by progress, never by timing.
"""

from __future__ import annotations

import os
import random
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

if __name__ == "__main__":  # the writer: make the repository importable before the imports
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

from desktop.core.agent.events import ConnectLink, ToolAction, Usage
from desktop.core.store.records import ToolCardRecord
from desktop.core.store.sqlite import ConversationStore

REPO = Path(__file__).resolve().parents[2]
ROUNDS = 8
MODEL = "openai:gpt-5"


def reply_for(prompt: str) -> str:
    """Deterministic, of very different sizes, so kills land inside small and large writes."""
    words = (0, 5, 50, 500, 5000)[(sum(map(ord, prompt)) * 7919) % 5]
    return f"Reply to {prompt}. " + "sandbox " * words


def card_for(prompt: str) -> ToolCardRecord:
    return ToolCardRecord(
        call_id=f"call-{prompt}",
        tool_name="COMPOSIO_MULTI_EXECUTE_TOOL",
        actions=(ToolAction("E2B_LIST_ALL_SANDBOXES", {"prompt": prompt}),),
        outcome="success",
        result_text=f"result of {prompt}",
        connect_links=(ConnectLink("e2b", "https://connect.example/link"),),
    )


def messages_for(prompt: str) -> bytes:
    reply = reply_for(prompt)
    return ModelMessagesTypeAdapter.dump_json(
        [
            ModelRequest(parts=[UserPromptPart(prompt)]),
            ModelResponse(parts=[ToolCallPart("E2B_LIST_ALL_SANDBOXES", {}, tool_call_id="c1")]),
            ModelRequest(parts=[ToolReturnPart("E2B_LIST_ALL_SANDBOXES", [], "c1")]),
            ModelResponse(parts=[TextPart(reply)]),
        ]
    )


def writer(db: Path, round_no: int) -> None:
    rng = random.Random(round_no)
    with ConversationStore(db) as store:
        listed = store.list_conversations(limit=1)
        cid = listed[0].id if listed else store.create_conversation(MODEL)
        if rng.random() < 0.5:  # sometimes start a fresh conversation, too
            cid = store.create_conversation(MODEL)
        print("ready", flush=True)
        for n in range(1_000_000):
            prompt = f"round{round_no} turn{n}"
            turn = store.begin_turn(cid, prompt)
            print(f"begun {turn}", flush=True)
            if rng.random() < 0.3:
                time.sleep(0.002)  # widen the in-flight window now and then
            store.complete_turn(
                turn,
                messages_for(prompt),
                reply_for(prompt),
                [card_for(prompt)],
                Usage(3, 4, 2, 1),
            )
            print(f"done {turn}", flush=True)


def _kill_after_reports(db: Path, round_no: int, reports: int, rng: random.Random) -> set[int]:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    proc = subprocess.Popen(
        [sys.executable, __file__, str(db), str(round_no)],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    done: set[int] = set()
    try:
        assert proc.stdout.readline().strip() == "ready", proc.stderr.read() if proc.stderr else ""
        for _ in range(reports):
            line = proc.stdout.readline()
            assert line, f"writer died: {proc.stderr.read() if proc.stderr else ''}"
            kind, turn = line.split()
            if kind == "done":
                done.add(int(turn))
        if rng.random() < 0.7:
            time.sleep(rng.random() * 0.004)  # land somewhere inside the next write
    finally:
        proc.kill()  # SIGKILL on POSIX: no cleanup, no atexit, no flush
        rest, _ = proc.communicate(timeout=30)
    # Lines the writer printed before dying: those turns were committed before they were printed.
    for line in rest.splitlines():
        kind, turn = line.split()
        if kind == "done":
            done.add(int(turn))
    return done


def _check(db: Path, reported_done: set[int], rounds_so_far: int) -> None:
    raw = sqlite3.connect(db)
    try:
        assert raw.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        assert raw.execute("PRAGMA foreign_key_check").fetchall() == []
        raw.execute("INSERT INTO turns_fts (turns_fts) VALUES ('integrity-check')")
        raw.execute("INSERT INTO conversations_fts (conversations_fts) VALUES ('integrity-check')")
    finally:
        raw.close()

    with ConversationStore(db) as store:
        conversations = store.list_conversations(limit=1000)
        pending_by_round: dict[str, int] = {}
        seen: set[int] = set()
        for summary in conversations:
            turns = store.turns(summary.id)
            assert summary.turn_count == len(turns)
            for turn in turns:
                seen.add(turn.id)
                round_tag = turn.prompt.split()[0]
                if turn.status == "pending":
                    pending_by_round[round_tag] = pending_by_round.get(round_tag, 0) + 1
                    assert turn.text == "" and turn.tool_cards == ()
                    continue
                assert turn.status == "complete"
                assert turn.text == reply_for(turn.prompt)
                assert turn.tool_cards == (card_for(turn.prompt),)
            history = store.history(summary.id)  # every stored message still loads
            assert len(history) == 4 * sum(t.status == "complete" for t in turns)
        assert reported_done <= seen, "a turn reported as committed was lost"
        assert all(count <= 1 for count in pending_by_round.values()), pending_by_round
        assert len(pending_by_round) <= rounds_so_far


def test_killing_the_writer_never_corrupts_or_loses_committed_turns(tmp_path: Path) -> None:
    db = tmp_path / "conversations.sqlite3"
    rng = random.Random(20_251_127)
    reported: set[int] = set()
    for round_no in range(ROUNDS):
        reported |= _kill_after_reports(db, round_no, rng.randint(1, 80), rng)
        _check(db, reported, round_no + 1)
    assert reported, "the writer never completed a turn"


if __name__ == "__main__":
    writer(Path(sys.argv[1]), int(sys.argv[2]))
