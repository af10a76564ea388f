"""The consent policy: every E2B slug, the Tool Router's meta tools, unknown slugs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from desktop.core.consent.policy import (
    KNOWN,
    Action,
    Grants,
    Kind,
    actions_of,
    classify,
    hints_of,
    must_ask,
    needs_approval,
)

DATA = Path(__file__).resolve().parents[2] / "fakes" / "data"
CATALOG = json.loads((DATA / "e2b-tools.json").read_text(encoding="utf-8"))["tools"]
META = json.loads((DATA / "composio-meta-tools.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("tool", CATALOG, ids=lambda tool: tool["slug"])
def test_every_e2b_tool_has_the_kind_the_reference_gives(tool: dict[str, str]) -> None:
    assert classify(tool["slug"], {}) is Kind(tool["kind"])
    [action] = actions_of(tool["slug"], {})
    assert action.known


def test_the_catalogue_is_the_27_tools_and_every_one_is_known() -> None:
    slugs = {tool["slug"] for tool in CATALOG}
    assert len(slugs) == 27
    assert {slug for slug in KNOWN if slug.startswith("E2B_")} == slugs
    assert [tool["kind"] for tool in CATALOG].count("reads") == 15


def test_the_meta_tools() -> None:
    assert set(META) - {"_source"} == {
        "COMPOSIO_SEARCH_TOOLS",
        "COMPOSIO_GET_TOOL_SCHEMAS",
        "COMPOSIO_MANAGE_CONNECTIONS",
        "COMPOSIO_WAIT_FOR_CONNECTIONS",
        "COMPOSIO_MULTI_EXECUTE_TOOL",
        "COMPOSIO_REMOTE_WORKBENCH",
        "COMPOSIO_REMOTE_BASH_TOOL",
    }
    for slug in ("COMPOSIO_SEARCH_TOOLS", "COMPOSIO_GET_TOOL_SCHEMAS"):
        assert classify(slug, {}, hints_of(META[slug]["annotations"])) is Kind.READS
    assert classify("COMPOSIO_WAIT_FOR_CONNECTIONS", {"toolkits": ["e2b"]}) is Kind.READS
    # Its annotations say destructive; the app knows it only reports a status and a link.
    manage = hints_of(META["COMPOSIO_MANAGE_CONNECTIONS"]["annotations"])
    assert "destructiveHint" in manage
    assert classify("COMPOSIO_MANAGE_CONNECTIONS", {"toolkits": ["e2b"]}, manage) is Kind.READS
    assert (
        classify("COMPOSIO_MANAGE_CONNECTIONS", {"toolkits": ["e2b"], "reinitiate_all": True})
        is Kind.CHANGES
    )


def test_code_runs_are_code_and_carry_their_code() -> None:
    [python] = actions_of("COMPOSIO_REMOTE_WORKBENCH", {"code_to_execute": "print(1)"})
    [shell] = actions_of("COMPOSIO_REMOTE_BASH_TOOL", {"command": "pip list"})
    assert (python.kind, python.code) == (Kind.CODE, "print(1)")
    assert (shell.kind, shell.code) == (Kind.CODE, "pip list")
    [odd] = actions_of("COMPOSIO_REMOTE_BASH_TOOL", {"command": ["rm", "-rf"]})
    assert odd.kind is Kind.CODE and odd.code is None
    [listing] = actions_of("E2B_LIST_ALL_SANDBOXES", {})
    assert listing.code is None


def test_each_action_inside_a_multi_execute_is_classified_on_its_own() -> None:
    arguments = {
        "tools": [
            {"tool_slug": "E2B_LIST_ALL_SANDBOXES", "arguments": {}},
            {"tool_slug": "E2B_DELETE_SANDBOXES", "arguments": {"sandbox_id": "sbx_a"}},
            {"tool_slug": "E2B_DELETE_SANDBOXES", "arguments": {"sandbox_id": "sbx_b"}},
            {"tool_slug": "GITHUB_CREATE_ISSUE", "arguments": {"title": "x"}},
        ],
        "sync_response_to_workbench": False,
    }
    # The multi-execute's own annotations (destructive) do not decide: its inner tools do.
    hints = hints_of(META["COMPOSIO_MULTI_EXECUTE_TOOL"]["annotations"])
    actions = actions_of("COMPOSIO_MULTI_EXECUTE_TOOL", arguments, hints)
    assert actions == (
        Action("E2B_LIST_ALL_SANDBOXES", {}, Kind.READS, True, 0),
        Action("E2B_DELETE_SANDBOXES", {"sandbox_id": "sbx_a"}, Kind.DESTRUCTIVE, True, 1),
        Action("E2B_DELETE_SANDBOXES", {"sandbox_id": "sbx_b"}, Kind.DESTRUCTIVE, True, 2),
        Action("GITHUB_CREATE_ISSUE", {"title": "x"}, Kind.CHANGES, False, 3),
    )
    only_reads = {"tools": [{"tool_slug": "E2B_GET_SANDBOX", "arguments": {"sandbox_id": "s"}}]}
    assert not needs_approval("COMPOSIO_MULTI_EXECUTE_TOOL", only_reads, Grants(), hints)
    assert needs_approval("COMPOSIO_MULTI_EXECUTE_TOOL", arguments, Grants(), hints)


@pytest.mark.parametrize(
    "tools",
    [
        None,
        [],
        "E2B_DELETE_SANDBOXES",
        [42],
        [{"arguments": {}}],
        [{"tool_slug": ""}],
        [{"tool_slug": "E2B_GET_SANDBOX", "arguments": "sandbox_id=s"}],
        [{"tool_slug": "E2B_" + "X" * 1_000_000, "arguments": {}}],  # not a slug to show
        [{"tool_slug": "E2B_DELETE_SANDBOXES", "arguments": {}}] * 51,  # over the router's 50
    ],
)
def test_a_multi_execute_that_cannot_be_read_is_asked_about_whole(tools: object) -> None:
    [action] = actions_of("COMPOSIO_MULTI_EXECUTE_TOOL", {"tools": tools})
    assert action.kind is Kind.DESTRUCTIVE and not action.known
    assert needs_approval("COMPOSIO_MULTI_EXECUTE_TOOL", {"tools": tools}, Grants())


@pytest.mark.parametrize(
    ("annotations", "kind"),
    [
        ({"readOnlyHint": True}, Kind.READS),
        (["readOnlyHint", "idempotentHint"], Kind.READS),
        ({"destructiveHint": True, "readOnlyHint": False}, Kind.DESTRUCTIVE),
        ({"readOnlyHint": True, "destructiveHint": True}, Kind.DESTRUCTIVE),
        ({"readOnlyHint": "yes"}, Kind.CHANGES),  # only a real true counts
        ({}, Kind.CHANGES),
        (None, Kind.CHANGES),
    ],
)
def test_unknown_slugs_follow_their_annotations_or_are_changes(
    annotations: object, kind: Kind
) -> None:
    [action] = actions_of("SLACK_SEND_MESSAGE", {"text": "hi"}, hints_of(annotations))
    assert action.kind is kind and not action.known


def test_an_unknown_slug_is_asked_about_even_when_it_says_it_only_reads() -> None:
    [action] = actions_of("SLACK_LIST_CHANNELS", {}, hints_of({"readOnlyHint": True}))
    assert action.kind is Kind.READS and not action.known
    assert must_ask(action, Grants())
    assert not must_ask(action, Grants(conversation=frozenset({"SLACK_LIST_CHANNELS"})))
    assert not must_ask(_action("COMPOSIO_SEARCH_TOOLS"), Grants())  # a read the app knows


def test_a_slug_is_read_as_a_router_may_read_it() -> None:
    arguments = {"tools": [{"tool_slug": " e2b_delete_sandboxes", "arguments": {}}]}
    [action] = actions_of("COMPOSIO_MULTI_EXECUTE_TOOL", arguments)
    assert (action.slug, action.kind, action.known) == (
        "E2B_DELETE_SANDBOXES",
        Kind.DESTRUCTIVE,
        True,
    )


def test_a_new_e2b_tool_is_a_change_until_the_app_knows_it() -> None:
    assert classify("E2B_RESIZE_SANDBOX", {"sandbox_id": "s"}) is Kind.CHANGES


def _action(slug: str) -> Action:
    [action] = actions_of(slug, {})
    return action


@pytest.mark.parametrize(
    ("slug", "grants", "asked"),
    [
        ("E2B_LIST_ALL_SANDBOXES", Grants(), False),
        ("E2B_LIST_ALL_SANDBOXES", Grants(ask_for_reads=True), True),
        (
            "E2B_LIST_ALL_SANDBOXES",
            Grants(ask_for_reads=True, conversation=frozenset({"E2B_LIST_ALL_SANDBOXES"})),
            False,
        ),
        ("E2B_CREATE_SANDBOX", Grants(), True),
        ("E2B_CREATE_SANDBOX", Grants(conversation=frozenset({"E2B_CREATE_SANDBOX"})), False),
        ("E2B_CREATE_SANDBOX", Grants(always=frozenset({"E2B_CREATE_SANDBOX"})), False),
        ("E2B_CREATE_SANDBOX", Grants(always=frozenset({"E2B_PAUSE_SANDBOX"})), True),
        ("COMPOSIO_REMOTE_WORKBENCH", Grants(), True),
        (
            "COMPOSIO_REMOTE_WORKBENCH",
            Grants(conversation=frozenset({"COMPOSIO_REMOTE_WORKBENCH"})),
            False,
        ),
        ("E2B_DELETE_SANDBOXES", Grants(), True),
        # Allowed for the conversation: still asked every time. Only a rule lets it run.
        ("E2B_DELETE_SANDBOXES", Grants(conversation=frozenset({"E2B_DELETE_SANDBOXES"})), True),
        ("E2B_DELETE_SANDBOXES", Grants(always=frozenset({"E2B_DELETE_SANDBOXES"})), False),
        ("SOMETHING_NEW", Grants(), True),
    ],
)
def test_who_is_asked(slug: str, grants: Grants, asked: bool) -> None:
    assert must_ask(_action(slug), grants) is asked
