"""Asking a turn again warns first when its actions changed or destroyed something and ran; the
warning names them. Reads, denials and calls stopped before anyone decided ask again at once."""

from __future__ import annotations

import asyncio
import dataclasses
from datetime import UTC, datetime
from pathlib import Path

import pytest

from desktop.core.agent.events import ToolAction, ToolOutcome, Usage
from desktop.core.consent.approvals import STOPPED_NOTE
from desktop.core.conversations.open_conversation import OpenConversation, Rewound
from desktop.core.conversations.rewind_warning import MAX_LISTED, RewindWarning, rewind_warning
from desktop.core.store.facade import AsyncConversationStore
from desktop.core.store.records import ToolCardRecord, TurnRecord
from desktop.core.store.sqlite import ConversationStore
from tests.unit.store.test_store_messages import answered, dump

MULTI = "COMPOSIO_MULTI_EXECUTE_TOOL"


def card(
    *actions: ToolAction, outcome: ToolOutcome = "success", consent: str = ""
) -> ToolCardRecord:
    return ToolCardRecord(
        call_id=f"c{len(actions)}-{outcome}",
        tool_name=MULTI,
        actions=actions,
        outcome=outcome,
        consent=consent,
    )


def turn(*cards: ToolCardRecord) -> TurnRecord:
    now = datetime.now(UTC)
    return TurnRecord(1, "cid", "do it", "complete", "Done.", cards, None, Usage(), now, now)


CREATE = ToolAction("E2B_CREATE_SANDBOX", {"templateID": "base"})
KILL = ToolAction("E2B_DELETE_SANDBOXES", {"sandbox_id": "sbx-1"})
LIST = ToolAction("E2B_LIST_ALL_SANDBOXES", {})


def test_reads_denials_and_undecided_calls_need_no_warning() -> None:
    assert rewind_warning(None) is None
    assert rewind_warning(turn()) is None
    assert rewind_warning(turn(card(LIST), card(ToolAction("COMPOSIO_SEARCH_TOOLS")))) is None
    assert rewind_warning(turn(card(KILL, outcome="denied"))) is None
    stopped = card(CREATE, outcome="interrupted", consent=STOPPED_NOTE)
    assert rewind_warning(turn(stopped)) is None


def test_a_create_or_a_kill_that_ran_is_named() -> None:
    warning = rewind_warning(turn(card(LIST, CREATE)))
    assert isinstance(warning, RewindWarning)
    assert warning.ran == ("E2B_CREATE_SANDBOX templateID=base",)
    assert "E2B_CREATE_SANDBOX templateID=base" in warning.text
    assert "regenerate" in warning.text and "no longer know it ran" in warning.detail
    assert warning.detail.startswith("It stays done") and "a second sandbox" in warning.detail

    edited = rewind_warning(turn(card(KILL), card(CREATE, outcome="failed")), edited=True)
    assert edited is not None
    assert edited.ran == (
        "E2B_DELETE_SANDBOXES sandbox_id=sbx-1",
        "E2B_CREATE_SANDBOX templateID=base (it failed)",
    )
    assert "edited message" in edited.text and "2 actions" in edited.text
    assert edited.detail.startswith("They stay done") and "know they ran" in edited.detail
    kill = rewind_warning(turn(card(KILL)))
    assert kill is not None and "second sandbox" not in kill.detail


def test_actions_a_person_left_out_are_not_named() -> None:
    other = ToolAction("E2B_DELETE_SANDBOXES", {"sandbox_id": "sbx-2"})
    partly = dataclasses.replace(card(LIST, KILL, other), not_run=(2,))
    warning = rewind_warning(turn(partly))
    assert warning is not None and warning.ran == ("E2B_DELETE_SANDBOXES sandbox_id=sbx-1",)
    assert rewind_warning(turn(dataclasses.replace(card(KILL), not_run=(0,)))) is None


@pytest.mark.parametrize("outcome", ["interrupted", "retried"])
def test_a_call_that_may_have_run_is_named_so(outcome: ToolOutcome) -> None:
    warning = rewind_warning(turn(card(CREATE, outcome=outcome)))
    assert warning is not None and "may have run" in warning.ran[0]


def test_code_unknown_actions_and_unreadable_calls_count_as_changes() -> None:
    code = ToolAction("COMPOSIO_REMOTE_WORKBENCH", {"code_to_execute": "print(1)"})
    unknown = ToolAction("GITHUB_CREATE_ISSUE", {"title": "x"})
    unreadable = ToolCardRecord(call_id="u", tool_name=MULTI, outcome="success")
    warning = rewind_warning(turn(card(code), card(unknown), unreadable))
    assert warning is not None
    assert [line.split()[0] for line in warning.ran] == [
        "COMPOSIO_REMOTE_WORKBENCH",
        "GITHUB_CREATE_ISSUE",
        MULTI,
    ]


def test_many_actions_are_counted_past_the_first_few() -> None:
    creates = [ToolAction("E2B_CREATE_SANDBOX", {"n": i}) for i in range(MAX_LISTED + 3)]
    warning = rewind_warning(turn(card(*creates)))
    assert warning is not None and len(warning.ran) == MAX_LISTED + 3
    assert warning.text.count("•") == MAX_LISTED + 1 and "and 3 more" in warning.text


def test_rewind_keeps_a_turn_that_ran_actions_until_confirmed(tmp_path: Path) -> None:
    db = tmp_path / "c.sqlite3"
    with ConversationStore(db) as store:
        cid = store.create_conversation("m")
        turn_id = store.begin_turn(cid, "create one")
        store.complete_turn(turn_id, dump(answered("create one", "Made.")), "Made.", [card(CREATE)])

    async def scenario() -> tuple[object, object]:
        store = await AsyncConversationStore.open(db)
        try:
            owner = OpenConversation(lambda change: None, store)
            owner.open(cid, None, turn_running=False)
            warned = await owner.rewind(None, lambda: None, left=lambda: False)
            assert len(await store.turns(cid)) == 1  # nothing deleted
            confirmed = await owner.rewind(None, lambda: None, left=lambda: False, confirmed=True)
            return warned, confirmed
        finally:
            await store.aclose()

    warned, confirmed = asyncio.run(scenario())
    assert isinstance(warned, RewindWarning) and "E2B_CREATE_SANDBOX" in warned.text
    assert confirmed == Rewound("create one", [])
