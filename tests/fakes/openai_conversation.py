"""Normalise Responses-API `input` and Chat-Completions `messages` into one list of turns."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

TurnRole = Literal["system", "user", "assistant", "tool_call", "tool_result"]


@dataclass(frozen=True)
class Turn:
    """One item of the conversation as the model received it."""

    role: TurnRole
    text: str = ""
    name: str = ""
    arguments: str = ""
    call_id: str = ""


def _content_text(content: Any) -> str:
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        parts: list[str] = []
        for part in content:
            if isinstance(part, str):
                parts.append(part)
            elif isinstance(part, dict):
                text = part.get("text")
                if isinstance(text, str):
                    parts.append(text)
        return "".join(parts)
    return str(content)


def _role(value: Any) -> TurnRole:
    if value in ("system", "developer"):
        return "system"
    if value == "assistant":
        return "assistant"
    return "user"


def _call(name: Any, arguments: Any, call_id: Any) -> Turn:
    return Turn("tool_call", name=str(name), arguments=str(arguments), call_id=str(call_id))


def _result(output: Any, call_id: Any) -> Turn:
    return Turn("tool_result", text=_content_text(output), call_id=str(call_id))


def _from_responses(body: dict[str, Any]) -> list[Turn]:
    turns: list[Turn] = []
    instructions = body.get("instructions")
    if isinstance(instructions, str) and instructions:
        turns.append(Turn("system", instructions))
    raw = body.get("input")
    if isinstance(raw, str):
        return [*turns, Turn("user", raw)]
    for item in raw or []:
        if not isinstance(item, dict):
            continue
        kind = item.get("type")
        if kind == "function_call":
            turns.append(
                _call(item.get("name", ""), item.get("arguments", ""), item.get("call_id", ""))
            )
        elif kind == "function_call_output":
            turns.append(_result(item.get("output"), item.get("call_id", "")))
        elif kind in (None, "message") and "role" in item:
            turns.append(Turn(_role(item.get("role")), _content_text(item.get("content"))))
    return turns


def _from_chat(body: dict[str, Any]) -> list[Turn]:
    turns: list[Turn] = []
    for message in body.get("messages") or []:
        if not isinstance(message, dict):
            continue
        role = message.get("role")
        if role == "tool":
            turns.append(_result(message.get("content"), message.get("tool_call_id", "")))
            continue
        text = _content_text(message.get("content"))
        if role == "assistant" and text:
            turns.append(Turn("assistant", text))
        elif role != "assistant":
            turns.append(Turn(_role(role), text))
        for call in message.get("tool_calls") or []:
            function = call.get("function") or {}
            turns.append(
                _call(function.get("name", ""), function.get("arguments", ""), call.get("id", ""))
            )
    return turns


def _name_results(turns: list[Turn]) -> list[Turn]:
    names = {t.call_id: t.name for t in turns if t.role == "tool_call"}
    return [
        Turn(t.role, t.text, names.get(t.call_id, ""), t.arguments, t.call_id)
        if t.role == "tool_result"
        else t
        for t in turns
    ]


def parse_conversation(body: dict[str, Any]) -> list[Turn]:
    """The turns of a Responses (`input`) or Chat Completions (`messages`) request body."""
    turns = _from_chat(body) if "messages" in body else _from_responses(body)
    return _name_results(turns)


def offered_tools(body: dict[str, Any]) -> list[str]:
    """Names of the function tools offered in the request, in either API's format."""
    names: list[str] = []
    for tool in body.get("tools") or []:
        if not isinstance(tool, dict):
            continue
        function = tool.get("function")
        name = function.get("name") if isinstance(function, dict) else tool.get("name")
        if isinstance(name, str):
            names.append(name)
    return names


def user_messages(turns: list[Turn]) -> list[str]:
    return [t.text for t in turns if t.role == "user"]
