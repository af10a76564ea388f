"""Kill the app's chat core after a tool call finished, before its turn ended: the call stays.

The driver is this file run as a script: a `PersistentChat` on the real store, talking to the
loopback fakes started by the test, runs a turn whose model creates a sandbox and then streams
slowly. It reports the finished call on stdout (its card and messages are on disk before that
event is passed on); the test SIGKILLs it at once (chosen by progress, never by timing), then
reopens the database: the turn is interrupted, its card is there and the agent still knows.
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


from desktop.core.agent.events import ToolCallFinished
from desktop.core.consent.approvals import ConsentState
from desktop.core.conversations.history import INTERRUPTED_NOTICE, items_from_turn
from desktop.core.conversations.transcript import NoticeItem, ToolCallItem, UserItem
from desktop.core.store.facade import AsyncConversationStore
from desktop.core.store.sqlite import ConversationStore
from tests.fakes.harness import FakeServices
from tests.fakes.openai_script import Reply
from tests.integration.chat_helpers import run
from tests.integration.conversation_helpers import chat_from_environment, continue_conversation
from tests.integration.work_kept_helpers import (
    CREATE_CALL_ID,
    CREATE_PROMPT,
    assert_history_holds_the_create,
    assert_messages_hold_the_create,
    assert_model_was_told,
    created_sandbox,
    sandbox_ids,
    script_create_then_talk,
)

REPO = Path(__file__).resolve().parents[2]


async def drive(db: Path) -> None:
    store = await AsyncConversationStore.open(db)
    allowed = ConsentState(rules=frozenset({"E2B_CREATE_SANDBOX"}))
    chat = chat_from_environment(store, consent=allowed)
    async for event in chat.run_turn(CREATE_PROMPT):
        if isinstance(event, ToolCallFinished):
            print("tool finished", event.call_id, flush=True)
    print("turn ended", flush=True)  # never reached: the test kills us first


def run_and_kill_after_the_tool_call(services: FakeServices, db: Path) -> str:
    """Run the driver on `db` and SIGKILL it once the create call has finished; the sandbox
    it created."""
    before = sandbox_ids(services)
    script_create_then_talk(services)
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
    try:
        line = proc.stdout.readline()
        assert line.split() == ["tool", "finished", CREATE_CALL_ID], line + proc.stderr.read()
    finally:
        proc.kill()  # SIGKILL on POSIX: no cleanup, no atexit, no flush
        proc.communicate(timeout=30)
    assert proc.returncode != 0
    services.openai.script.clear()  # the slow reply the killed process never read to the end
    return created_sandbox(services, before)


def test_a_process_killed_after_a_tool_call_keeps_the_call(
    fake_services: FakeServices, tmp_path: Path
) -> None:
    db = tmp_path / "conversations.sqlite3"
    sandbox = run_and_kill_after_the_tool_call(fake_services, db)

    with ConversationStore(db) as store:
        [summary] = store.list_conversations()
        [turn] = store.turns(summary.id)
        assert (turn.status, turn.prompt) == ("pending", CREATE_PROMPT)
        [card] = turn.tool_cards
        assert card.call_id == CREATE_CALL_ID and card.outcome == "success"
        assert [a.slug for a in card.actions] == ["E2B_CREATE_SANDBOX"]
        assert sandbox in card.result_text
        assert_history_holds_the_create(store.history(summary.id), sandbox)
    with sqlite3.connect(db) as raw:
        [(messages,)] = raw.execute("SELECT messages_json FROM turns").fetchall()
    assert_messages_hold_the_create(messages, sandbox)
    # Reopened, it shows its card and reads as interrupted.
    items = items_from_turn(turn)
    assert items[0] == UserItem(CREATE_PROMPT)
    assert [i.card.call_id for i in items if isinstance(i, ToolCallItem)] == [CREATE_CALL_ID]
    assert items[-1] == NoticeItem(INTERRUPTED_NOTICE)

    # The next start continues the conversation: the model is told of the sandbox it made.
    fake_services.openai.script.push(Reply.text("You have one new sandbox."))

    run(continue_conversation(fake_services, db, summary.id, "Which sandbox did you create?"))
    assert_model_was_told(fake_services, sandbox)


if __name__ == "__main__":
    asyncio.run(drive(Path(sys.argv[1])))
