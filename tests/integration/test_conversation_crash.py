"""Kill the app's chat core mid-reply: the prompt and every earlier turn must survive, intact.

The driver is this file run as a script: a `PersistentChat` on the real store, talking to the
loopback fakes started by the test. It completes one turn, then starts a slowly streamed one and
reports each piece of text on stdout; the test SIGKILLs it mid-stream (chosen by progress, never by
timing), then checks `PRAGMA integrity_check` and what the database holds.
"""

from __future__ import annotations

import asyncio
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

if __name__ == "__main__":  # the driver: make the repository importable before the imports
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import pytest

from desktop.core.agent.events import TextDelta, TurnFinished
from desktop.core.store.facade import AsyncConversationStore
from desktop.core.store.sqlite import ConversationStore
from tests.fakes.harness import FakeServices
from tests.fakes.openai_conversation import parse_conversation, user_messages
from tests.fakes.openai_script import Reply
from tests.integration.chat_helpers import run
from tests.integration.conversation_helpers import chat_for, chat_from_environment, collect_turn

REPO = Path(__file__).resolve().parents[2]
FIRST_PROMPT = "Remember the word apple"
FIRST_REPLY = "Noted: apple."
SLOW_PROMPT = "Count from one to forty, slowly"
SLOW_REPLY = " ".join(f"n{i}" for i in range(1, 41))


async def drive(db: Path) -> None:
    store = await AsyncConversationStore.open(db)
    chat = chat_from_environment(store)
    async for event in chat.run_turn(FIRST_PROMPT):
        if isinstance(event, TurnFinished):
            print("completed", flush=True)
    async for event in chat.run_turn(SLOW_PROMPT):
        if isinstance(event, TextDelta):
            print("text", event.text.strip(), flush=True)
    print("finished", flush=True)  # never reached: the test kills us first


def _pending_prompts(db: Path) -> list[str]:
    """Read the database as a second process would, while the driver writes to it."""
    raw = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        return [row[0] for row in raw.execute("SELECT prompt FROM turns WHERE status = 'pending'")]
    finally:
        raw.close()


def _run_and_kill(services: FakeServices, db: Path, texts_before_kill: int) -> str:
    env = {**os.environ, **services.env(), "PYTHONPATH": str(REPO)}
    proc = subprocess.Popen(
        [sys.executable, __file__, str(db)],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None and proc.stderr is not None
    streamed: list[str] = []
    try:
        assert proc.stdout.readline().strip() == "completed", proc.stderr.read()
        while len(streamed) < texts_before_kill:
            line = proc.stdout.readline()
            assert line.startswith("text"), f"driver ended early: {line!r} {proc.stderr.read()}"
            streamed.append(line.split(" ", 1)[1].strip())
        # The prompt is on disk, committed, before any of its reply exists.
        assert _pending_prompts(db) == [SLOW_PROMPT]
    finally:
        proc.kill()  # SIGKILL on POSIX: no cleanup, no atexit, no flush
        proc.communicate(timeout=30)
    assert proc.returncode != 0
    return " ".join(streamed)


@pytest.mark.parametrize("texts_before_kill", [1, 6])
def test_killed_mid_reply_keeps_the_prompt_and_the_earlier_turns(
    fake_services: FakeServices, tmp_path: Path, texts_before_kill: int
) -> None:
    db = tmp_path / "conversations.sqlite3"
    fake_services.openai.script.push(
        Reply.text(FIRST_REPLY), Reply.slow_text(SLOW_REPLY, delay_per_chunk=0.15, chunk_size=3)
    )
    streamed = _run_and_kill(fake_services, db, texts_before_kill)
    assert streamed and SLOW_REPLY not in streamed

    raw = sqlite3.connect(db)
    try:
        assert raw.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        assert raw.execute("PRAGMA foreign_key_check").fetchall() == []
        raw.execute("INSERT INTO turns_fts (turns_fts) VALUES ('integrity-check')")
    finally:
        raw.close()

    with ConversationStore(db) as store:
        [summary] = store.list_conversations()
        assert summary.title == FIRST_PROMPT and summary.turn_count == 2
        completed, pending = store.turns(summary.id)
        assert (completed.status, completed.prompt, completed.text) == (
            "complete",
            FIRST_PROMPT,
            FIRST_REPLY,
        )
        assert (pending.status, pending.prompt, pending.text) == ("pending", SLOW_PROMPT, "")
        assert len(store.history(summary.id)) == 2  # the completed turn only, still loadable
        assert store.get_conversation(summary.id).router_session_id is not None
        assert store.search("apple")[0].conversation_id == summary.id

    # The next start continues the conversation: the model sees the completed turn, not the
    # prompt that never got an answer.
    async def continue_it() -> list[str]:
        store = await AsyncConversationStore.open(db)
        chat = chat_for(fake_services, store, conversation_id=summary.id)
        try:
            await collect_turn(chat, "What did I just ask?")
            return [t.prompt for t in await store.turns(summary.id)]
        finally:
            await chat.aclose()
            await store.aclose()

    prompts = run(continue_it())
    assert prompts == [FIRST_PROMPT, SLOW_PROMPT, "What did I just ask?"]
    assert user_messages(parse_conversation(fake_services.openai.requests[-1].json)) == [
        FIRST_PROMPT,
        "What did I just ask?",
    ]


if __name__ == "__main__":
    asyncio.run(drive(Path(sys.argv[1])))
