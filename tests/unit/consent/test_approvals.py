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
    decision_note,
    deferred_results,
    outcome_of,
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
