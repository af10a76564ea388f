"""Tool cards keep why their E2B actions failed and how long they ran, across store and export."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from desktop.core.agent.events import ToolAction, ToolCallFinished, ToolCallStarted
from desktop.core.conversations.recorder import TurnRecorder
from desktop.core.store.codec import cards_from_json
from desktop.core.store.records import StoreError, ToolCardRecord
from desktop.core.store.sqlite import ConversationStore
from tests.unit.store.test_store_messages import MODEL, FakeClock, answered, card, dump

FAILED = dataclasses.replace(
    card("c2", "failed"),
    errors=("E2B_LIST_ALL_SANDBOXES: No active connection for toolkit e2b",),
    seconds=2.5,
    text_offset=0,
)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[ConversationStore]:
    with ConversationStore(tmp_path / "c.sqlite3", clock=FakeClock()) as s:
        yield s


def test_errors_and_duration_are_stored(store: ConversationStore) -> None:
    cid = store.create_conversation(MODEL)
    turn = store.begin_turn(cid, "list my sandboxes")
    store.complete_turn(turn, dump(answered("list my sandboxes", "no")), "no", [card(), FAILED])

    stored = store.turns(cid)[0].tool_cards
    assert stored == (card(), FAILED)
    assert stored[0].errors == () and stored[0].seconds is None


def tool_card_from_dict(raw: object) -> ToolCardRecord:
    (loaded,) = cards_from_json(json.dumps([raw]))
    return loaded


def test_cards_stored_before_have_neither() -> None:
    old = {
        "call_id": "c1",
        "tool_name": "COMPOSIO_MULTI_EXECUTE_TOOL",
        "actions": [{"slug": "E2B_LIST_ALL_SANDBOXES", "arguments": {}}],
        "outcome": "failed",
        "result_text": "{}",
        "connect_links": [],
    }
    loaded = tool_card_from_dict(old)
    assert (loaded.errors, loaded.seconds) == ((), None)
    for bad in (-1, "2", True):
        with pytest.raises(StoreError):
            tool_card_from_dict({**old, "seconds": bad})
    with pytest.raises(StoreError):
        tool_card_from_dict({**old, "errors": [3]})


def test_export_and_import_keep_them(store: ConversationStore) -> None:
    cid = store.create_conversation(MODEL)
    turn = store.begin_turn(cid, "list my sandboxes")
    store.complete_turn(turn, dump(answered("list my sandboxes", "no")), "no", [FAILED])

    exported = store.export_json(cid)
    assert json.loads(exported)["turns"][0]["tool_cards"][0]["seconds"] == 2.5
    copy = store.import_json(exported)
    assert store.turns(copy)[0].tool_cards == (FAILED,)
    assert "error: `E2B_LIST_ALL_SANDBOXES: No active connection" in store.export_markdown(cid)


def test_the_recorder_measures_each_call() -> None:
    now = [100.0]
    recorder = TurnRecorder(clock=lambda: now[0])
    action = (ToolAction("E2B_CREATE_SANDBOX", {"templateID": "base"}),)
    recorder.add(ToolCallStarted("c1", "COMPOSIO_MULTI_EXECUTE_TOOL", {}, action))
    recorder.add(ToolCallStarted("c2", "COMPOSIO_MULTI_EXECUTE_TOOL", {}, action))
    now[0] = 101.25
    recorder.add(
        ToolCallFinished("c1", "COMPOSIO_MULTI_EXECUTE_TOOL", "failed", "{}", errors=("X: no",))
    )

    first, unfinished = recorder.cards()
    assert (first.seconds, first.errors, first.outcome) == (1.25, ("X: no",), "failed")
    assert (unfinished.seconds, unfinished.outcome) == (None, "interrupted")


def test_cards_keep_their_place_in_the_reply() -> None:
    from desktop.core.agent.events import TextDelta, Usage
    from desktop.core.conversations.history import items_from_turn
    from desktop.core.store.records import TurnRecord

    recorder = TurnRecorder()
    list_action = (ToolAction("E2B_LIST_ALL_SANDBOXES", {}),)
    for event in (
        TextDelta("Let me "),
        TextDelta("check. "),
        ToolCallStarted("c1", "COMPOSIO_MULTI_EXECUTE_TOOL", {}, list_action),
        ToolCallFinished("c1", "COMPOSIO_MULTI_EXECUTE_TOOL", "success", "[]"),
        TextDelta("You have none; creating one."),
        ToolCallStarted("c2", "COMPOSIO_MULTI_EXECUTE_TOOL", {}, list_action),
        ToolCallFinished("c2", "COMPOSIO_MULTI_EXECUTE_TOOL", "success", "{}"),
        ToolCallStarted("c3", "COMPOSIO_MULTI_EXECUTE_TOOL", {}, list_action),
        ToolCallFinished("c3", "COMPOSIO_MULTI_EXECUTE_TOOL", "success", "{}"),
        TextDelta("Done."),
    ):
        recorder.add(event)
    text, cards = recorder.text(), tuple(recorder.cards())
    assert text == "Let me check.\n\nYou have none; creating one.\n\nDone."
    assert [c.text_offset for c in cards] == [13, 43, 43]

    def shown(cards: tuple[object, ...]) -> list[str]:
        turn = TurnRecord(
            id=1,
            conversation_id="c",
            prompt="p",
            status="complete",
            text=text,
            tool_cards=cards,  # type: ignore[arg-type]
            error=None,
            usage=Usage(),
            created_at=datetime.now(UTC),
            completed_at=None,
        )
        return [
            getattr(item, "text", None) or item.started.call_id  # type: ignore[attr-defined]
            for item in items_from_turn(turn)[1:]
        ]

    # What the view redraws from a stored card keeps its errors and duration.
    from desktop.core.conversations.transcript import ToolCallItem

    redrawn = ToolCallItem(FAILED)
    assert redrawn.finished is not None and redrawn.finished.errors == FAILED.errors
    assert redrawn.elapsed == 2.5
    assert shown(cards) == [
        "Let me check.",
        "c1",
        "You have none; creating one.",
        "c2",
        "c3",
        "Done.",
    ]
    # Cards stored before their place was kept: ahead of the whole text, as before.
    old = tuple(dataclasses.replace(c, text_offset=None) for c in cards)
    assert shown(old) == ["c1", "c2", "c3", text]
