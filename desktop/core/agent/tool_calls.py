"""What a tool call means to the user: the E2B actions inside router calls, results, links."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final, cast

from desktop.core.agent.connect_links import ComposioHosts
from desktop.core.agent.events import ConnectLink, ToolAction, ToolCallFinished, ToolCallStarted
from desktop.core.agent.lone_surrogates import clean_text, clean_value
from desktop.core.consent import policy as consent
from desktop.core.consent.approvals import ConsentState

if TYPE_CHECKING:
    from pydantic_ai.messages import ToolCallPart, ToolReturnPart

RESULT_TEXT_LIMIT = 64 * 1024
"""Characters of a tool result shown on its card, live and reloaded alike (the model, and the
stored messages, keep the whole result)."""
TRUNCATION_MARK = "\n… [truncated]"


def actions_of(tool_name: str, arguments: Mapping[str, object]) -> tuple[ToolAction, ...]:
    """The actions a call runs, as its card names them: the inner tools of a multi-execute
    call, else the call itself (read as the consent policy reads them)."""
    return tuple(
        ToolAction(action.slug, dict(action.arguments))
        for action in consent.actions_of(tool_name, arguments)
    )


def call_started(part: ToolCallPart, state: ConsentState) -> ToolCallStarted:
    """The card's start of a call: its actions, read once (as the consent policy reads them),
    and why it ran without a question, if a rule or a grant let it."""
    try:
        arguments = cast("dict[str, Any]", clean_value(part.args_as_dict()))
    except ValueError:
        arguments = {"raw": clean_text(str(part.args))}
    hints = state.hints.get(part.tool_name, frozenset())
    actions = consent.actions_of(part.tool_name, arguments, hints)
    return ToolCallStarted(
        call_id=part.tool_call_id,
        tool_name=part.tool_name,
        arguments=arguments,
        actions=tuple(ToolAction(a.slug, dict(a.arguments)) for a in actions),
        consent=consent.allowed_without_asking(actions, state.grants),
    )


def call_finished(part: ToolReturnPart, hosts: ComposioHosts) -> ToolCallFinished:
    """The card's end of a call: its text, the E2B actions that failed, its Connect Links."""
    shown = read_result(part.tool_name, part.content, hosts)
    text, errors = clean_text(shown.text), tuple(map(clean_text, shown.errors))
    return ToolCallFinished(
        call_id=part.tool_call_id,
        tool_name=part.tool_name,
        # A router call whose E2B action failed is a failure to the user.
        outcome="failed" if errors and part.outcome == "success" else part.outcome,
        result_text=text,
        connect_links=shown.connect_links,
        errors=errors,
    )


@dataclass(frozen=True)
class ToolResult:
    """A tool result as its card shows it, read from one parse of the result."""

    text: str
    errors: tuple[str, ...]
    connect_links: tuple[ConnectLink, ...]


def read_result(tool_name: str, content: object, hosts: ComposioHosts) -> ToolResult:
    """The card's text, the failed E2B actions and the Connect Links of one result of
    `tool_name`, with the result's JSON parsed once."""
    data = _parsed(content)
    return ToolResult(
        text=_text(content, data),
        errors=_errors(None if data is _NOT_JSON else data),
        connect_links=hosts.links_in(tool_name, None if data is _NOT_JSON else data),
    )


def result_text(content: object) -> str:
    """A tool result as text for display; JSON is pretty-printed, huge results are cut."""
    return _text(content, _parsed(content))


def truncate_result(text: str) -> str:
    """At most RESULT_TEXT_LIMIT characters, the cut marked; a text already cut is left as it is
    (so the store, cutting again, keeps exactly what the live card showed)."""
    if len(text) <= RESULT_TEXT_LIMIT:
        return text
    return text[: RESULT_TEXT_LIMIT - len(TRUNCATION_MARK)] + TRUNCATION_MARK


_NOT_JSON: Final = object()


def _parsed(content: object) -> object:
    """JSON text parsed, anything else as it is; _NOT_JSON for text that is not JSON (or nests
    deeper than the parser goes)."""
    if isinstance(content, str):
        try:
            return json.loads(content)
        except (ValueError, RecursionError):
            return _NOT_JSON
    return content


def _text(content: object, data: object) -> str:
    if data is _NOT_JSON:
        return truncate_result(str(content))
    # Pretty-printed lazily, and only as far as the card shows: the pure-Python encoder that
    # `indent` needs takes ~50 ms over a 1 MB result.
    encoder = json.JSONEncoder(indent=2, ensure_ascii=False, default=str)
    pieces: list[str] = []
    size = 0
    try:
        for piece in encoder.iterencode(data):
            pieces.append(piece)
            size += len(piece)
            if size > RESULT_TEXT_LIMIT:
                break
    except (ValueError, TypeError, RecursionError):
        return truncate_result(content if isinstance(content, str) else str(content))
    return truncate_result("".join(pieces))


def action_errors(content: object) -> tuple[str, ...]:
    """Failures reported inside a meta tool's result (`{"successful": false, "error": ...}` or a
    multi-execute `data.results[].error`), which the MCP layer itself counts as a success."""
    data = _parsed(content)
    return _errors(None if data is _NOT_JSON else data)


def _errors(data: object) -> tuple[str, ...]:
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


def connect_links_of(
    tool_name: str, content: object, hosts: ComposioHosts
) -> tuple[ConnectLink, ...]:
    """The Connect Links to act on in a tool's result: a COMPOSIO_MANAGE_CONNECTIONS answer's
    (`ComposioHosts.links_in`); none anywhere else."""
    data = _parsed(content)
    return hosts.links_in(tool_name, None if data is _NOT_JSON else data)
