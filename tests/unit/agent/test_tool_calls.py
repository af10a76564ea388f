"""Tool calls as the user sees them: inner E2B actions, readable results, Connect Links."""

from __future__ import annotations

import json

from desktop.core.agent.events import ConnectLink, ToolAction
from desktop.core.agent.tool_calls import (
    RESULT_TEXT_LIMIT,
    action_errors,
    actions_of,
    connect_links_of,
    result_text,
)


def test_multi_execute_shows_inner_e2b_actions() -> None:
    args = {
        "tools": [
            {"tool_slug": "E2B_LIST_ALL_SANDBOXES", "arguments": {}},
            {"tool_slug": "E2B_PAUSE_SANDBOX", "arguments": {"sandbox_id": "sbx1"}},
        ],
        "sync_response_to_workbench": False,
    }
    assert actions_of("COMPOSIO_MULTI_EXECUTE_TOOL", args) == (
        ToolAction("E2B_LIST_ALL_SANDBOXES", {}),
        ToolAction("E2B_PAUSE_SANDBOX", {"sandbox_id": "sbx1"}),
    )


def test_other_tools_are_their_own_action() -> None:
    args = {"queries": [{"use_case": "list sandboxes"}]}
    assert actions_of("COMPOSIO_SEARCH_TOOLS", args) == (ToolAction("COMPOSIO_SEARCH_TOOLS", args),)
    assert actions_of("E2B_GET_SANDBOX", {"sandbox_id": "x"})[0].slug == "E2B_GET_SANDBOX"


def test_malformed_multi_execute_falls_back_to_the_router_call() -> None:
    actions = actions_of("COMPOSIO_MULTI_EXECUTE_TOOL", {"tools": "nonsense"})
    assert actions == (ToolAction("COMPOSIO_MULTI_EXECUTE_TOOL", {"tools": "nonsense"}),)


def test_result_text_pretty_prints_json_and_cuts_huge_results() -> None:
    assert result_text('{"a": 1}') == '{\n  "a": 1\n}'
    assert result_text({"b": [1]}) == '{\n  "b": [\n    1\n  ]\n}'
    assert result_text("<script>alert(1)</script>") == "<script>alert(1)</script>"
    huge = result_text("x" * (RESULT_TEXT_LIMIT + 10))
    assert len(huge) < RESULT_TEXT_LIMIT + 100
    assert huge.endswith("[truncated]")  # one cut, live and stored: see test_store_cards


def test_connect_links_found_in_manage_connections_result() -> None:
    result = {
        "data": {
            "message": "Connect e2b",
            "results": {
                "e2b": {
                    "toolkit": "e2b",
                    "status": "initiated",
                    "redirect_url": "https://connect.composio.dev/link/abc",
                }
            },
        },
        "error": None,
        "successful": True,
    }
    assert connect_links_of(json.dumps(result)) == (
        ConnectLink("e2b", "https://connect.composio.dev/link/abc"),
    )


def test_connect_links_ignore_non_http_urls() -> None:
    assert connect_links_of({"redirect_url": "javascript:alert(1)"}) == ()
    assert connect_links_of("not json") == ()


def test_inner_action_failures_are_found() -> None:
    result = {
        "data": {
            "results": [
                {"tool_slug": "E2B_LIST_ALL_SANDBOXES", "index": 0, "response": {}, "error": None},
                {"tool_slug": "E2B_PAUSE_SANDBOX", "index": 1, "response": None, "error": "404"},
            ],
            "total_count": 2,
            "success_count": 1,
            "error_count": 1,
        },
        "error": None,
        "successful": True,
    }
    assert action_errors(json.dumps(result)) == ("E2B_PAUSE_SANDBOX: 404",)
    assert action_errors({"data": {}, "error": "bad input", "successful": False}) == ("bad input",)
    assert action_errors({"data": {"results": []}, "error": None, "successful": True}) == ()
    assert action_errors("not json") == ()
