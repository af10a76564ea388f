"""What a tool call means to the user: the E2B actions inside router calls, results, links."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator, Mapping
from typing import Any

from desktop.core.agent.events import ConnectLink, ToolAction
from desktop.core.router.types import MULTI_EXECUTE_TOOL

RESULT_TEXT_LIMIT = 64 * 1024
"""Characters of a tool result shown on its card, live and reloaded alike (the model, and the
stored messages, keep the whole result)."""
TRUNCATION_MARK = "\n… [truncated]"


def actions_of(tool_name: str, arguments: Mapping[str, object]) -> tuple[ToolAction, ...]:
    """The E2B slugs a call runs: the inner tools of a multi-execute call, else the call itself."""
    if tool_name == MULTI_EXECUTE_TOOL:
        tools = arguments.get("tools")
        inner: list[ToolAction] = []
        if isinstance(tools, list):
            for item in tools:
                if isinstance(item, Mapping) and isinstance(item.get("tool_slug"), str):
                    args = item.get("arguments")
                    inner.append(
                        ToolAction(
                            str(item["tool_slug"]),
                            dict(args) if isinstance(args, Mapping) else {},
                        )
                    )
        if inner:
            return tuple(inner)
    return (ToolAction(tool_name, dict(arguments)),)


def result_text(content: object) -> str:
    """A tool result as text for display; JSON is pretty-printed, huge results are cut."""
    if isinstance(content, str):
        text = content
        with contextlib.suppress(ValueError, TypeError):
            text = json.dumps(json.loads(content), indent=2, ensure_ascii=False)
    else:
        try:
            text = json.dumps(content, indent=2, ensure_ascii=False, default=str)
        except (ValueError, TypeError):
            text = str(content)
    return truncate_result(text)


def truncate_result(text: str) -> str:
    """At most RESULT_TEXT_LIMIT characters, the cut marked; a text already cut is left as it is
    (so the store, cutting again, keeps exactly what the live card showed)."""
    if len(text) <= RESULT_TEXT_LIMIT:
        return text
    return text[: RESULT_TEXT_LIMIT - len(TRUNCATION_MARK)] + TRUNCATION_MARK


def _parsed(content: object) -> object:
    if isinstance(content, str):
        try:
            return json.loads(content)
        except ValueError:
            return None
    return content


def action_errors(content: object) -> tuple[str, ...]:
    """Failures reported inside a meta tool's result (`{"successful": false, "error": ...}` or a
    multi-execute `data.results[].error`), which the MCP layer itself counts as a success."""
    data = _parsed(content)
    if not isinstance(data, Mapping):
        return ()
    errors: list[str] = []
    inner = data.get("data")
    results = inner.get("results") if isinstance(inner, Mapping) else None
    if isinstance(results, list):
        for item in results:
            if isinstance(item, Mapping) and item.get("error"):
                errors.append(f"{item.get('tool_slug', 'action')}: {item['error']}")
    if not errors and data.get("successful") is False and data.get("error"):
        errors.append(str(data["error"]))
    return tuple(errors)


def _walk(value: Any, toolkit: str | None = None) -> Iterator[tuple[str | None, Any, Any]]:
    if isinstance(value, Mapping):
        for key, item in value.items():
            yield toolkit, key, item
            nested = key if isinstance(key, str) and isinstance(item, Mapping) else toolkit
            yield from _walk(item, nested)
    elif isinstance(value, list):
        for item in value:
            yield from _walk(item, toolkit)


def connect_links_of(content: object) -> tuple[ConnectLink, ...]:
    """Connect Links (`redirect_url`) in a COMPOSIO_MANAGE_CONNECTIONS-style result."""
    data = _parsed(content)
    links: dict[str, ConnectLink] = {}
    for toolkit, key, item in _walk(data):
        if (
            key == "redirect_url"
            and isinstance(item, str)
            and item.startswith(("https://", "http://"))
        ):
            name = toolkit if toolkit and toolkit not in ("results", "data") else "e2b"
            links.setdefault(item, ConnectLink(toolkit=name, url=item))
    return tuple(links.values())
