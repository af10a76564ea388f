"""Tool calls as the user sees them: inner E2B actions, readable results, Connect Links."""

from __future__ import annotations

import json
from typing import Any

import pytest

from desktop.core.agent import tool_calls
from desktop.core.agent.connect_links import ComposioHosts
from desktop.core.agent.events import ConnectLink, ToolAction
from desktop.core.agent.tool_calls import (
    RESULT_TEXT_LIMIT,
    ToolResult,
    action_errors,
    actions_of,
    connect_links_of,
    read_result,
    result_text,
    truncate_result,
)
from desktop.core.router.types import MANAGE_CONNECTIONS_TOOL

HOSTS = ComposioHosts()


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
    assert connect_links_of(MANAGE_CONNECTIONS_TOOL, json.dumps(result), HOSTS) == (
        ConnectLink("e2b", "https://connect.composio.dev/link/abc"),
    )


def test_connect_links_ignore_non_http_urls() -> None:
    assert (
        connect_links_of(MANAGE_CONNECTIONS_TOOL, {"redirect_url": "javascript:alert(1)"}, HOSTS)
        == ()
    )
    assert connect_links_of(MANAGE_CONNECTIONS_TOOL, "not json", HOSTS) == ()


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


_BIG = {
    "successful": True,
    "data": {"sandboxes": [{"id": f"sb-{n}", "note": "ü"} for n in range(40_000)]},
}


@pytest.mark.parametrize(
    "content",
    [_BIG, json.dumps(_BIG), {"b": [1, None, 2.5]}, '{"a": "ü"}', '"just a string"', "null", "x"],
)
def test_the_card_text_is_the_whole_pretty_print_cut(content: object) -> None:
    data = json.loads(content) if isinstance(content, str) and content != "x" else content
    whole = content if data == "x" else json.dumps(data, indent=2, ensure_ascii=False)
    assert result_text(content) == truncate_result(whole)


def test_a_huge_result_is_pretty_printed_only_as_far_as_its_card_shows(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    encoded: list[int] = []
    encoder = json.JSONEncoder

    class CountingEncoder(encoder):
        def iterencode(self, o: Any, _one_shot: bool = False) -> Any:
            for piece in super().iterencode(o, _one_shot):
                encoded.append(len(piece))
                yield piece

    monkeypatch.setattr(tool_calls.json, "JSONEncoder", CountingEncoder)
    text = result_text(json.dumps(_BIG))
    assert len(text) == RESULT_TEXT_LIMIT
    assert RESULT_TEXT_LIMIT < sum(encoded) < 2 * RESULT_TEXT_LIMIT  # the result is ~3 MB pretty


def test_one_read_gives_the_text_errors_and_links(monkeypatch: pytest.MonkeyPatch) -> None:
    result = {
        "data": {"results": {"e2b": {"status": "initiated", "redirect_url": "https://connect/x"}}},
        "error": "not connected",
        "successful": False,
    }
    loads = json.loads
    parses: list[object] = []

    def counting_loads(text: str) -> object:
        parses.append(text)
        return loads(text)

    monkeypatch.setattr(tool_calls.json, "loads", counting_loads)
    assert read_result(MANAGE_CONNECTIONS_TOOL, json.dumps(result), HOSTS) == ToolResult(
        text=result_text(result),
        errors=("not connected",),
        connect_links=(ConnectLink("e2b", "https://connect/x"),),
    )
    assert len(parses) == 1


def test_a_result_nested_deeper_than_json_goes_is_shown_as_text() -> None:
    nested = "[" * 100_000
    assert read_result(MANAGE_CONNECTIONS_TOOL, nested, HOSTS) == ToolResult(
        truncate_result(nested), (), ()
    )
