"""Decisions as Pydantic AI's deferred results, and what a decision keeps beyond this once."""

from __future__ import annotations

from pydantic_ai.tools import ToolApproved, ToolDenied

from desktop.core.consent.approvals import (
    NOT_RUN_KEY,
    STOPPED_NOTE,
    ConsentState,
    Decision,
    PendingCall,
    Scope,
    decided_note,
    decision_note,
    deferred_results,
    granted_scope,
    outcome_of,
    scopes_for,
)
from desktop.core.consent.policy import Grants, actions_of, must_ask

TOOLS = [
    {"tool_slug": "E2B_LIST_ALL_SANDBOXES", "arguments": {}},
    {"tool_slug": "E2B_DELETE_SANDBOXES", "arguments": {"sandbox_id": "sbx_a"}},
    {"tool_slug": "E2B_DELETE_SANDBOXES", "arguments": {"sandbox_id": "sbx_b"}},
]


def _call(call_id: str = "c1", tools: list[dict[str, object]] = TOOLS) -> PendingCall:
    arguments = {"tools": tools, "sync_response_to_workbench": False}
    actions = actions_of("COMPOSIO_MULTI_EXECUTE_TOOL", arguments)
    asked = tuple(must_ask(action, Grants()) for action in actions)
    return PendingCall(call_id, "COMPOSIO_MULTI_EXECUTE_TOOL", arguments, actions, asked)


def test_allowed_whole_in_part_or_not_at_all() -> None:
    whole, part, denied, silent = _call("whole"), _call("part"), _call("denied"), _call("silent")
    results, outcomes = deferred_results(
        [whole, part, denied, silent],
        {
            "whole": Decision.allow_all(whole),
            "part": Decision("part", {2: Scope.ONCE}),
            "denied": Decision.deny(denied, "keep them"),
        },
    )
    assert results.approvals["whole"] is True
    partial = results.approvals["part"]
    assert isinstance(partial, ToolApproved) and partial.override_args is not None
    # The read nobody was asked about runs with the one kill allowed; the other is left out.
    assert partial.override_args["tools"] == [TOOLS[0], TOOLS[2]]
    assert partial.override_args["sync_response_to_workbench"] is False
    [note] = results.metadata["part"][NOT_RUN_KEY]
    assert note.startswith("E2B_DELETE_SANDBOXES {'sandbox_id': 'sbx_a'}: denied by the user")
    refused = results.approvals["denied"]
    assert isinstance(refused, ToolDenied) and "keep them" in refused.message
    unanswered = results.approvals["silent"]  # no answer (Stop, a face gone) runs nothing
    assert isinstance(unanswered, ToolDenied)
    assert [o.ran for o in outcomes] == [(0, 1, 2), (0, 2), (), ()]
    calls = [whole, part, denied, silent]
    assert [decision_note(c, o) for c, o in zip(calls, outcomes, strict=True)] == [
        "Approved by you",
        "Approved by you in part; not run: E2B_DELETE_SANDBOXES (sbx_a)",
        "Denied by you: keep them",
        STOPPED_NOTE,
    ]


def test_allowing_only_what_nobody_was_asked_about_runs_nothing() -> None:
    call = _call()
    outcome = outcome_of(call, Decision(call.call_id, {0: Scope.ONCE}))  # the read alone
    assert outcome.ran == () and outcome.not_run == (0, 1, 2)


def test_what_a_decision_keeps_beyond_this_once() -> None:
    saved: list[str] = []
    consent = ConsentState(on_rule=saved.append)
    create = PendingCall(
        "c2",
        "COMPOSIO_MULTI_EXECUTE_TOOL",
        {},
        actions_of(
            "COMPOSIO_MULTI_EXECUTE_TOOL",
            {
                "tools": [
                    {"tool_slug": "E2B_CREATE_SANDBOX", "arguments": {}},
                    {"tool_slug": "E2B_PAUSE_SANDBOX", "arguments": {}},
                    {"tool_slug": "E2B_REFRESH_SANDBOX", "arguments": {}},
                ]
            },
        ),
        (True, True, True),
    )
    consent.remember(
        [create],
        [Decision("c2", {0: Scope.ALWAYS, 1: Scope.CONVERSATION, 2: Scope.ONCE, 9: Scope.ALWAYS})],
    )
    assert consent.rules == {"E2B_CREATE_SANDBOX"} and saved == ["E2B_CREATE_SANDBOX"]
    assert consent.conversation == {"E2B_PAUSE_SANDBOX"}
    consent.remember([create], [Decision("c2", {0: Scope.ALWAYS})])
    assert saved == ["E2B_CREATE_SANDBOX"]  # a rule is saved once
    consent.forget_conversation()
    assert consent.grants == Grants(frozenset({"E2B_CREATE_SANDBOX"}), frozenset(), False)


def test_how_long_an_action_may_be_allowed_is_decided_in_one_place() -> None:
    change, kill = actions_of(
        "COMPOSIO_MULTI_EXECUTE_TOOL",
        {"tools": TOOLS[0:1] + TOOLS[1:2]},
    )
    [unread] = actions_of("COMPOSIO_MULTI_EXECUTE_TOOL", {"tools": "not a list"})
    assert scopes_for(change) == (Scope.ONCE, Scope.CONVERSATION, Scope.ALWAYS)
    assert scopes_for(kill) == (Scope.ONCE, Scope.ALWAYS)  # asked every time, or a rule
    assert scopes_for(unread) == (Scope.ONCE,)  # what it runs is unknown: never beyond once
    assert granted_scope(kill, Scope.CONVERSATION) is Scope.ONCE
    assert granted_scope(unread, Scope.ALWAYS) is Scope.ONCE
    assert granted_scope(kill, Scope.ALWAYS) is Scope.ALWAYS


def test_a_face_s_wider_answer_is_kept_only_as_far_as_the_action_allows() -> None:
    # A kill "for this conversation" is not remembered (the policy would ask again anyway),
    # and an unreadable call "always" makes no rule: both faces' answers are read the same way.
    saved: list[str] = []
    consent = ConsentState(on_rule=saved.append)
    kills = _call("k")
    unread_call = PendingCall(
        "u",
        "COMPOSIO_MULTI_EXECUTE_TOOL",
        {"tools": "not a list"},
        actions_of("COMPOSIO_MULTI_EXECUTE_TOOL", {"tools": "not a list"}),
        (True,),
    )
    consent.remember(
        [kills, unread_call],
        [Decision("k", {1: Scope.CONVERSATION}), Decision("u", {0: Scope.ALWAYS})],
    )
    assert consent.conversation == frozenset() and consent.rules == frozenset() and saved == []
    # ... and the card and tool card say what was granted, not what was asked for.
    assert outcome_of(unread_call, Decision("u", {0: Scope.ALWAYS})).scope is Scope.ONCE
    kill_always = outcome_of(kills, Decision("k", {1: Scope.ALWAYS, 2: Scope.ALWAYS}))
    assert decision_note(kills, kill_always) == "Always allowed: E2B_DELETE_SANDBOXES"
    in_part = Decision("k", {1: Scope.CONVERSATION}, "not b")
    assert decided_note([kills], [in_part]) == (
        "Approved by you in part; not run: E2B_DELETE_SANDBOXES (sbx_b)"
    )
