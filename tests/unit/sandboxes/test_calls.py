"""Reading the router's answers to direct calls: pages, odd entries, errors as sentences
(a small typed caller stands in for the MCP connection)."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest

from desktop.core.errors import ErrorKind
from desktop.core.router.connection import ToolAnsweredError
from desktop.core.sandboxes.calls import NOT_CONNECTED_MESSAGE, SandboxCalls, SandboxError
from tests.unit.sandboxes.boxes import T0, iso


def _listed(sandbox_id: str) -> dict[str, Any]:
    return {"sandboxID": sandbox_id, "templateID": "t", "startedAt": iso(T0), "state": "Running"}


def _answer(*data: Any, error: str | None = None) -> dict[str, Any]:
    results = [
        {"tool_slug": "X", "index": i, "response": {"successful": True, "data": d}, "error": None}
        for i, d in enumerate(data)
    ]
    if error is not None:
        results = [{"tool_slug": "X", "index": 0, "response": None, "error": error}]
    return {"successful": error is None, "data": {"results": results}, "error": error}


class Caller:
    """Answers each call with the next of `answers` (an exception is raised)."""

    def __init__(self, *answers: Any) -> None:
        self.answers = list(answers)
        self.calls: list[dict[str, Any]] = []

    async def call_tool(self, name: str, arguments: dict[str, Any], seconds: float) -> Any:
        assert name == "COMPOSIO_MULTI_EXECUTE_TOOL" and seconds == 30.0
        self.calls.append(arguments)
        answer = self.answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer


def test_pages_are_followed_and_an_unreadable_entry_is_counted_not_shown() -> None:
    caller = Caller(
        _answer({"sandboxes": [_listed("a"), {"templateID": "no id"}], "next_token": "p2"}),
        json.dumps(_answer({"sandboxes": [_listed("b"), _listed("a")], "nextToken": None})),
    )
    listing = asyncio.run(SandboxCalls(caller).list_all())
    assert [box.sandbox_id for box in listing.sandboxes] == ["a", "b"]
    assert listing.unreadable == 1 and listing.pages == 2
    assert listing.sandboxes[0].running  # "Running" read as E2B's state
    inner = [call["tools"][0]["arguments"] for call in caller.calls]
    assert inner == [
        {"state": ["running", "paused"], "limit": 100},
        {"state": ["running", "paused"], "limit": 100, "next_token": "p2"},
    ]
    assert all(call["sync_response_to_workbench"] is False for call in caller.calls)


@pytest.mark.parametrize(
    ("answer", "kind", "message"),
    [
        (
            _answer(error="No active connection found for toolkit 'e2b' for this user."),
            ErrorKind.NOT_CONNECTED,
            NOT_CONNECTED_MESSAGE,
        ),
        (
            ToolAnsweredError(json.dumps(_answer(error="500 Internal: \x1b[31mboom\nagain"))),
            ErrorKind.SERVER_ERROR,
            "E2B could not pause sandbox isbx1: 500 Internal: [31mboom again.",
        ),
        (
            ToolAnsweredError("Tool router session not found"),
            ErrorKind.SERVER_ERROR,
            "E2B could not pause sandbox isbx1: Tool router session not found.",
        ),
        (
            "<html>not json</html>",
            ErrorKind.SERVER_ERROR,
            "E2B could not pause sandbox isbx1: <html>not json</html>.",
        ),
    ],
)
def test_a_failure_is_one_sentence(answer: Any, kind: ErrorKind, message: str) -> None:
    with pytest.raises(SandboxError) as caught:
        asyncio.run(SandboxCalls(Caller(answer)).pause("isbx1"))
    assert (caught.value.kind, caught.value.message) == (kind, message)


def test_details_say_which_part_is_missing() -> None:
    metrics = {"metrics": [{"timestampUnix": int(T0), "cpuUsedPct": 12.5, "memUsed": 10}]}
    answer = _answer(metrics, {"logs": []}, {"events": []})
    answer["data"]["results"][1] = {"tool_slug": "L", "index": 1, "response": None, "error": "403"}
    details = asyncio.run(SandboxCalls(Caller(answer)).details("isbx1"))
    assert not isinstance(details.metrics, SandboxError)
    assert details.metrics[0].cpu_used_pct == 12.5
    assert isinstance(details.logs, SandboxError)
    assert details.logs.message == "E2B could not read the logs of sandbox isbx1: 403."
    assert details.events == ()
