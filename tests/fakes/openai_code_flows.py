"""The fake model's code flows (the guide's examples), run through the real workbench fakes:

- "validate this email with JavaScript: a@b": a `COMPOSIO_REMOTE_BASH_TOOL` call that runs
  `node -e ...` on the address, then a reply that quotes what node printed;
- "start a sandbox and list installed packages": `E2B_CREATE_SANDBOX` first, then
  `pip list` through the bash tool, then a reply that says plainly the list is the
  workbench's, not the new E2B sandbox's (the E2B tools run no code in it).
"""

from __future__ import annotations

import json
import re
import shlex
from typing import Any

from tests.fakes.openai_conversation import Turn
from tests.fakes.openai_script import Reply

BASH = "COMPOSIO_REMOTE_BASH_TOOL"
WORKBENCH = "COMPOSIO_REMOTE_WORKBENCH"

_VALIDATE = re.compile(r"\bvalidate\b.*\be-?mail\b.*\bjavascript\b\W*(\S+@?\S*)?", re.I | re.S)
_PACKAGES = re.compile(r"\b(list|show|which|what)\b.*\bpackages\b", re.I | re.S)
_SANDBOX_ID = re.compile(r'"sandboxID":\s*"([A-Za-z0-9_-]+)"')

EMAIL_CHECK_JS = (
    "const e = process.argv[1];"
    " const ok = /^[^\\s@]+@[^\\s@]+\\.[^\\s@]+$/.test(e);"
    " const why = ok ? 'it looks like a valid address'"
    " : !e.includes('@') ? 'it has no @' : 'its domain has no dot';"
    " console.log(JSON.stringify({ email: e, valid: ok, reason: why }));"
)


def email_check_command(address: str) -> str:
    return f"node -e {shlex.quote(EMAIL_CHECK_JS)} {shlex.quote(address)}"


def first_call(message: str, tools: list[str]) -> Reply | None:
    """The first step of a code flow for the user's message; None when none applies (the
    sandbox flow starts with the sandbox, as any "start a sandbox" does)."""
    found = _VALIDATE.search(message)
    if found is None:
        return None
    if BASH not in tools:
        return Reply.text("I can't run code here: the workbench's shell is not available.")
    address = (found.group(1) or "").strip(".,;:'\"`")
    return Reply.tool_call(BASH, {"command": email_check_command(address)})


def _since_user(turns: list[Turn]) -> tuple[str, list[Turn]]:
    users = [i for i, turn in enumerate(turns) if turn.role == "user"]
    if not users:
        return "", []
    return turns[users[-1]].text, turns[users[-1] :]


def _data(turn: Turn) -> dict[str, Any]:
    try:
        value = json.loads(turn.text)
    except ValueError:
        return {}
    data = value.get("data") if isinstance(value, dict) else None
    return data if isinstance(data, dict) else {}


def after_result(turns: list[Turn], tools: list[str]) -> Reply | None:
    """The next step of a code flow once a tool answered; None when no flow is under way."""
    message, since = _since_user(turns)
    calls = [turn for turn in since if turn.role == "tool_call"]
    last = since[-1] if since else None
    if last is None or last.role != "tool_result" or not calls:
        return None
    if _VALIDATE.search(message) and calls[-1].name == BASH:
        return _email_reply(_data(last))
    if not _PACKAGES.search(message):
        return None
    created = next(
        (m.group(1) for t in since if t.role == "tool_result" if (m := _SANDBOX_ID.search(t.text))),
        None,
    )
    if calls[-1].name != BASH:
        if created is None or BASH not in tools:
            return None
        return Reply.tool_call(BASH, {"command": "pip list"})
    return _packages_reply(_data(last), created)


def _email_reply(data: dict[str, Any]) -> Reply:
    printed = str(data.get("stdout", "")).strip()
    try:
        verdict = json.loads(printed)
    except ValueError:
        return Reply.text(f"The JavaScript check did not answer as expected: `{printed[:200]}`")
    valid = "is a valid email address" if verdict.get("valid") else "is not a valid email address"
    return Reply.text(
        f"I ran the check with JavaScript (node, in the Composio workbench for this chat). "
        f"It printed `{printed}`: `{verdict.get('email')}` {valid}, because "
        f"{verdict.get('reason')}."
    )


def _packages_reply(data: dict[str, Any], sandbox_id: str | None) -> Reply:
    lines = str(data.get("stdout", "")).strip().splitlines()
    packages = [line for line in lines[2:] if line.strip()]  # past pip's two header lines
    box = f" `{sandbox_id}`" if sandbox_id else ""
    shown = "\n".join(lines[:12])
    return Reply.text(
        f"I started the E2B sandbox{box}. The {len(packages)} installed packages below come "
        "from the Composio workbench for this chat, where my commands run, not from the new "
        f"E2B sandbox{box}: the E2B tools start and manage sandboxes but cannot run commands "
        f"in them.\n\n```\n{shown}\n```"
    )
