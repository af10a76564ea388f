"""The fake model's default behaviour when no reply is scripted: keyword rules a person can try."""

from __future__ import annotations

import json
import re
from typing import Any

from tests.fakes.openai_code_flows import after_result, first_call
from tests.fakes.openai_conversation import Turn, offered_tools, parse_conversation, user_messages
from tests.fakes.openai_files import analyse_attached, summarise_analysis, without_attachments
from tests.fakes.openai_script import Reply

MULTI_EXECUTE = "COMPOSIO_MULTI_EXECUTE_TOOL"
SEARCH_TOOLS = "COMPOSIO_SEARCH_TOOLS"
MANAGE_CONNECTIONS = "COMPOSIO_MANAGE_CONNECTIONS"

_ID = re.compile(r"\b(?=[a-z]*\d)[a-z0-9]{8,}\b")
_RECALL = re.compile(r"what did i (just )?(ask|say)|previous|remember|earlier")
_EVERY = re.compile(r"\b(delete|kill|remove|destroy)\b.*\b(all|every)\b")


def _sandbox_id(text: str) -> str | None:
    match = _ID.search(text.lower())
    return match.group(0) if match else None


def _template(text: str) -> str:
    match = re.search(r"template\s+[`'\"]?([a-z0-9][a-z0-9_.-]*)", text.lower())
    if match and match.group(1) not in ("base", "called", "named"):
        return match.group(1)
    return "code-interpreter-v1" if "code-interpreter" in text.lower() else "base"


def _call_e2b(tools: list[str], slug: str, arguments: dict[str, Any]) -> Reply:
    if MULTI_EXECUTE in tools:
        return Reply.tool_call(
            MULTI_EXECUTE,
            {
                "tools": [{"tool_slug": slug, "arguments": arguments}],
                "sync_response_to_workbench": False,
            },
        )
    if slug in tools:
        return Reply.tool_call(slug, arguments)
    return Reply.text(f"I can't run `{slug}`: no E2B tools are available to me right now.")


def _call_meta(tools: list[str], name: str, arguments: dict[str, Any]) -> Reply:
    if name in tools:
        return Reply.tool_call(name, arguments)
    return Reply.text(f"I can't do that: the `{name}` tool is not available to me right now.")


def _recall(users: list[str]) -> Reply:
    if len(users) < 2:
        return Reply.text("This is the first thing you asked me in this conversation.")
    return Reply.text(f'You previously asked: "{users[-2]}"')


def _answer_user(message: str, users: list[str], tools: list[str]) -> Reply:
    if (analysis := analyse_attached(message, tools)) is not None:
        return analysis
    message = without_attachments(message)
    low = message.lower()
    sandbox_id = _sandbox_id(message)
    if _RECALL.search(low):
        return _recall(users)
    if (code := first_call(message, tools)) is not None:
        return code
    if sandbox_id and re.search(r"resume|reconnect|connect to", low):
        return _call_e2b(tools, "E2B_CONNECT_SANDBOX", {"sandbox_id": sandbox_id, "timeout": 300})
    if "connect" in low:
        return _call_meta(tools, MANAGE_CONNECTIONS, {"toolkits": ["e2b"]})
    if re.search(r"\bpause", low):
        if not sandbox_id:
            return Reply.text("Which sandbox should I pause? Tell me its ID.")
        return _call_e2b(tools, "E2B_PAUSE_SANDBOX", {"sandbox_id": sandbox_id})
    if _EVERY.search(low):  # list first; the kills follow the listing (`_kill_listed`)
        return _call_e2b(tools, "E2B_LIST_ALL_SANDBOXES", {})
    if re.search(r"\b(delete|kill|remove|destroy)", low):
        if not sandbox_id:
            return Reply.text("Which sandbox should I delete? Tell me its ID.")
        return _call_e2b(tools, "E2B_DELETE_SANDBOXES", {"sandbox_id": sandbox_id})
    if "sandbox" in low and re.search(r"\b(create|start|new|spin|launch|make)", low):
        return _call_e2b(tools, "E2B_CREATE_SANDBOX", {"templateID": _template(message)})
    if "template" in low and re.search(r"\b(list|show|which|what)", low):
        return _call_e2b(tools, "E2B_LIST_ALL_TEMPLATES", {})
    if "sandbox" in low and re.search(r"\b(list|show|which|what|my|how many)", low):
        if sandbox_id:
            return _call_e2b(tools, "E2B_GET_SANDBOX", {"sandbox_id": sandbox_id})
        return _call_e2b(tools, "E2B_LIST_ALL_SANDBOXES", {})
    if "health" in low:
        return _call_e2b(tools, "E2B_CHECK_API_HEALTH", {})
    if re.search(r"\b(story|slowly)\b", low):
        # A slow reply, to try Stop (or Esc) by hand.
        return Reply.slow_text(SLOW_STORY, delay_per_chunk=0.08, chunk_size=3)
    if re.search(r"\b(search|tools?)\b", low):
        return _call_meta(
            tools,
            SEARCH_TOOLS,
            {
                "queries": [{"use_case": message[:1000]}],
                "session": {"generate_id": True},
            },
        )
    return Reply.text(
        "Hi! I'm a fake model for testing. Ask me to list, create, pause or delete your E2B "
        "sandboxes, to search tools, or to connect E2B."
    )


SLOW_STORY = " ".join(
    f"Sandbox number {n} woke up, ran its tests, wrote a log line and went back to sleep."
    for n in range(1, 41)
)


def _loads(text: str) -> Any:
    value: Any = text
    for _ in range(2):
        if not isinstance(value, str):
            break
        try:
            value = json.loads(value)
        except (ValueError, RecursionError):  # a real model reads nesting json cannot
            break
    return value


def _short(value: Any, limit: int = 200) -> str:
    text = value if isinstance(value, str) else json.dumps(value, default=str)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _describe_sandbox(box: dict[str, Any]) -> str:
    template = box.get("alias") or box.get("templateID") or "?"
    return f"`{box.get('sandboxID', '?')}` ({box.get('state', 'running')}, {template})"


def _summarise_e2b(slug: str, data: dict[str, Any]) -> str:
    if slug == "E2B_LIST_ALL_SANDBOXES":
        boxes = data.get("sandboxes") or []
        if not boxes:
            return "You have no sandboxes."
        noun = "sandbox" if len(boxes) == 1 else "sandboxes"
        return f"You have {len(boxes)} {noun}: " + ", ".join(_describe_sandbox(b) for b in boxes)
    box_id = data.get("sandboxID", "?")
    if slug == "E2B_CREATE_SANDBOX":
        template = data.get("alias") or data.get("templateID")
        return f"Created sandbox `{box_id}` from template `{template}`. It is running."
    if slug == "E2B_PAUSE_SANDBOX":
        return f"Paused sandbox `{box_id}`."
    if slug == "E2B_DELETE_SANDBOXES":
        return f"Killed sandbox `{box_id}`."
    if slug == "E2B_CONNECT_SANDBOX":
        return f"Sandbox `{box_id}` is running."
    if slug == "E2B_GET_SANDBOX":
        return (
            f"Sandbox {_describe_sandbox(data)}: {data.get('cpuCount')} CPU, "
            f"{data.get('memoryMB')} MB, ends at {data.get('endAt')}."
        )
    if slug == "E2B_LIST_ALL_TEMPLATES":
        names = [
            ", ".join(t.get("aliases") or [t.get("templateID", "?")])
            for t in data.get("templates") or []
        ]
        return f"You have {len(names)} templates: " + ", ".join(f"`{n}`" for n in names)
    return f"`{slug}` succeeded: {_short(data)}"


def _summarise_multi(data: dict[str, Any]) -> str:
    lines: list[str] = []
    for result in data.get("results") or []:
        slug = str(result.get("tool_slug", "?"))
        if result.get("error"):
            line = f"`{slug}` failed: {result['error']}"
            if "connection" in str(result["error"]).lower():
                line += ' Say "connect e2b" and I\'ll give you a Connect Link.'
            lines.append(line)
        else:
            response = result.get("response") or {}
            lines.append(_summarise_e2b(slug, response.get("data") or {}))
    return "\n".join(lines) or "Nothing was executed."


def _summarise_connections(data: dict[str, Any]) -> str:
    lines: list[str] = []
    for toolkit, result in (data.get("results") or {}).items():
        status = result.get("status")
        if status == "initiated" and result.get("redirect_url"):
            lines.append(
                f"To connect {toolkit.upper()}, open this link and enter your E2B API key: "
                f"[Connect {toolkit.upper()}]({result['redirect_url']}). Tell me when you are done."
            )
        elif status == "active":
            lines.append(f"{toolkit.upper()} is connected. You can manage your sandboxes now.")
        else:
            lines.append(f"Connecting {toolkit} failed: {result.get('error_message') or status}")
    return "\n".join(lines) or _short(data)


def _summarise_search(data: dict[str, Any]) -> str:
    slugs: list[str] = []
    for result in data.get("results") or []:
        slugs.extend(s for s in result.get("primary_tool_slugs") or [] if s not in slugs)
    statuses = data.get("toolkit_connection_statuses") or []
    connected = any(s.get("has_active_connection") for s in statuses if s.get("toolkit") == "e2b")
    found = ", ".join(f"`{s}`" for s in slugs) or "no matching tools"
    state = "E2B is connected." if connected else 'E2B is not connected yet (say "connect e2b").'
    return f"I found these tools: {found}. {state}"


def summarise_tool_result(turn: Turn) -> str:
    """A short human answer about one tool result, as the fake model's final text."""
    value = _loads(turn.text)
    if not isinstance(value, dict) or "successful" not in value:
        return f"The tool `{turn.name or 'call'}` returned: {_short(value)}"
    data = value.get("data") or {}
    if turn.name == MULTI_EXECUTE or "total_count" in data:
        return _summarise_multi(data)
    if not value.get("successful"):
        return f"The tool `{turn.name}` failed: {value.get('error')}"
    if turn.name == MANAGE_CONNECTIONS:
        return _summarise_connections(data)
    if turn.name == SEARCH_TOOLS:
        return _summarise_search(data)
    if "stdout" in data and (analysis := summarise_analysis(data)) is not None:
        return analysis
    if "stdout" in data:
        return f"Output:\n```\n{data.get('stdout', '')}\n```"
    if turn.name.startswith("E2B_"):
        return _summarise_e2b(turn.name, data)
    return f"`{turn.name}` returned: {_short(data)}"


def default_reply(body: dict[str, Any]) -> Reply:
    """What the fake model says when nothing is scripted."""
    turns = [t for t in parse_conversation(body) if t.role != "system"]
    if turns and turns[-1].role == "tool_result":
        results: list[Turn] = []
        for turn in reversed(turns):
            if turn.role != "tool_result":
                break
            results.append(turn)
        kills = _kill_listed(turns, offered_tools(body))
        if kills is not None:
            return kills
        follow_up = after_result(turns, offered_tools(body))
        if follow_up is not None:
            return follow_up
        return Reply.text("\n".join(summarise_tool_result(t) for t in reversed(results)))
    users = user_messages(turns)
    if not users:
        return Reply.text("Hello! How can I help with your E2B sandboxes?")
    return _answer_user(users[-1], users, offered_tools(body))


def _kill_listed(turns: list[Turn], tools: list[str]) -> Reply | None:
    """ "Delete all my sandboxes": after the listing, one router call with a kill for each
    sandbox listed (each is asked about in the app); None once the kills were asked for."""
    users = [i for i, turn in enumerate(turns) if turn.role == "user"]
    if not users or not _EVERY.search(turns[users[-1]].text.lower()) or MULTI_EXECUTE not in tools:
        return None
    since = turns[users[-1] :]
    if any("E2B_DELETE_SANDBOXES" in turn.arguments for turn in since):
        return None
    ids = sorted(set(re.findall(r'"sandboxID":\s*"([a-z0-9]+)"', since[-1].text)))
    if not ids:
        return Reply.text("You have no sandboxes to delete.")
    return Reply.tool_call(
        MULTI_EXECUTE,
        {
            "tools": [
                {"tool_slug": "E2B_DELETE_SANDBOXES", "arguments": {"sandbox_id": box}}
                for box in ids
            ],
            "sync_response_to_workbench": False,
        },
    )
