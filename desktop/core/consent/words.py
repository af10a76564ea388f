"""What an action the agent waits to run is, in words: its name, what it does to which sandbox
and what that costs, its arguments as a person reads them, and what was decided. Plain text both
faces show: the window's approval card and the terminal's consent question.

Values come from the model: each is capped (`SHOWN_CHARS`) and its control and bidirectional
characters are written out (`\\u001b`, `\\u202e`, by `desktop.core.inert`), so that an argument
can neither stall a face nor disguise itself as something else. A price is the settings' rates
(`SandboxRates`, the cost meter's), never a copy of E2B's.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from desktop.core.config.sandbox_rates import SandboxRates
from desktop.core.consent.approvals import STOPPED_NOTE
from desktop.core.consent.policy import CODE_ARGUMENT, Action, Kind
from desktop.core.inert import inert, one_line
from desktop.core.money import hourly_text
from desktop.core.router.types import (
    BASH_TOOL,
    MULTI_EXECUTE_TOOL,
    WHERE_CODE_RUNS,
    WORKBENCH_TOOL,
)

SHOWN_CHARS = 2_000  # of one argument's value
CODE_SHOWN_CHARS = 20_000  # of the code or command a person is asked to run
ELLIPSIS = "…"

# What a sandbox is given when nothing else is said: E2B's base template, 2 vCPU and 512 MiB.
DEFAULT_CPUS, DEFAULT_MEMORY_MB = 2, 512

SANDBOX_KEYS = ("sandbox_id", "sandboxID", "sandboxId", "id")
SANDBOX_LIST_KEYS = ("sandbox_ids", "sandboxIds")
TEMPLATE_KEYS = ("templateID", "template_id", "templateId", "template")
WEBHOOK_KEYS = ("webhook_id", "webhookID", "id")
LANGUAGES = {WORKBENCH_TOOL: "python", BASH_TOOL: "bash"}
# Argument names shown in words; any other is shown as it is.
ARGUMENT_NAMES = {
    **dict.fromkeys(SANDBOX_KEYS, "sandbox"),
    **dict.fromkeys(SANDBOX_LIST_KEYS, "sandboxes"),
    **dict.fromkeys(TEMPLATE_KEYS, "template"),
    "webhook_id": "webhook",
    "webhookID": "webhook",
    "timeout": "timeout",
}

_LONG_RUN = re.compile(r"\S{40}(?=\S)")


def breakable(text: str) -> str:
    """Text a label can wrap: a zero-width space after every 40 characters of a run without
    spaces (a label wraps at spaces only; one long word would widen the whole card)."""
    return _LONG_RUN.sub(lambda m: m.group() + "\u200b", text)


def capped(text: str, limit: int = SHOWN_CHARS) -> str:
    return text if len(text) <= limit else text[: limit - 1] + ELLIPSIS


def shown_value(value: object, limit: int = SHOWN_CHARS) -> str:
    """One argument's value on one line: a string as it is, anything else as JSON."""
    if isinstance(value, str):
        text = value[: limit + 1]
    else:
        try:
            text = json.dumps(value, ensure_ascii=False, default=str)
        except (TypeError, ValueError, RecursionError):
            text = repr(value)[: limit + 1]
    return one_line(text, limit)


def minutes(seconds: object) -> str | None:
    """A timeout in seconds as minutes ("5 minutes"); None if it is not a number of seconds."""
    if isinstance(seconds, bool) or not isinstance(seconds, (int, float)) or seconds < 0:
        return None
    count = seconds / 60
    number = f"{count:.0f}" if count == int(count) else f"{count:.1f}"
    return f"{number} minute" if number == "1" else f"{number} minutes"


def _first(arguments: Mapping[str, object], keys: Iterable[str]) -> object:
    for key in keys:
        value = arguments.get(key)
        if value is not None and value != "":
            return value
    return None


def _sandboxes(arguments: Mapping[str, object]) -> str:
    many = _first(arguments, SANDBOX_LIST_KEYS)
    if isinstance(many, list) and many:
        ids = ", ".join(shown_value(item, 80) for item in many[:20])
        more = f" and {len(many) - 20} more" if len(many) > 20 else ""
        return f"sandboxes {ids}{more}" if len(many) > 1 else f"sandbox {ids}"
    one = _first(arguments, SANDBOX_KEYS)
    return f"sandbox {shown_value(one, 80)}" if one is not None else "a sandbox"


def _template(arguments: Mapping[str, object]) -> str:
    template = _first(arguments, TEMPLATE_KEYS)
    return f"template {shown_value(template, 80)}" if template is not None else "its template"


def _webhook(arguments: Mapping[str, object]) -> str:
    webhook = _first(arguments, WEBHOOK_KEYS)
    return f"webhook {shown_value(webhook, 80)}" if webhook is not None else "a webhook"


def _for_how_long(arguments: Mapping[str, object], default: str) -> str:
    return minutes(arguments.get("timeout")) or default


def running_cost(rates: SandboxRates) -> str:
    """What a sandbox costs while it runs, priced as the cost meter prices it: "about
    $0.11/hour while it runs" for the default size at the settings' rates."""
    return f"about {hourly_text(rates.per_hour(DEFAULT_CPUS, DEFAULT_MEMORY_MB))} while it runs"


def _create(a: Mapping[str, object], rates: SandboxRates) -> str:
    stops = minutes(a.get("timeout"))
    until = f"; it stops after {stops} unless extended" if stops else ""
    return f"Starts a sandbox from {_template(a)}: {running_cost(rates)}{until}"


@dataclass(frozen=True)
class Words:
    """How one slug reads: its name, and what it does and costs given its arguments and the
    settings' rates."""

    title: str
    effect: Callable[[Mapping[str, object], SandboxRates], str]


WORDS: Mapping[str, Words] = {
    "E2B_CREATE_SANDBOX": Words("Start a sandbox", _create),
    "E2B_CONNECT_SANDBOX": Words(
        "Connect to a sandbox",
        lambda a, rates: (
            f"Resumes {_sandboxes(a)} if it is paused and keeps it running for "
            f"{_for_how_long(a, '5 minutes')}: {running_cost(rates)}"
        ),
    ),
    "E2B_SET_SANDBOX_TIMEOUT": Words(
        "Set a sandbox's timeout",
        lambda a, _: (
            f"Stops {_sandboxes(a)} {_for_how_long(a, 'a set time')} from now, "
            "in place of its previous timeout"
        ),
    ),
    "E2B_REFRESH_SANDBOX": Words(
        "Extend a sandbox",
        lambda a, _: (
            f"Keeps {_sandboxes(a)} running longer "
            f"({_for_how_long(a, 'its default time')}): it costs while it runs"
        ),
    ),
    "E2B_PAUSE_SANDBOX": Words(
        "Pause a sandbox",
        lambda a, _: (
            f"Pauses {_sandboxes(a)}, keeping its files and memory for up to 30 days; "
            "paused, it costs nothing"
        ),
    ),
    "E2B_DELETE_SANDBOXES": Words(
        "Kill sandbox",
        lambda a, _: f"Kills {_sandboxes(a)} for good: its files and memory are lost",
    ),
    "E2B_CREATE_TEMPLATE": Words(
        "Create a template", lambda a, _: "Defines a new sandbox template in your E2B team"
    ),
    "E2B_UPDATE_TEMPLATE": Words(
        "Change a template",
        lambda a, _: f"Changes {_template(a)} (for example whether it is public)",
    ),
    "E2B_START_TEMPLATE_BUILD": Words(
        "Build a template", lambda a, _: f"Starts building {_template(a)} in E2B's cloud"
    ),
    "E2B_CREATE_WEBHOOK": Words(
        "Add a webhook",
        lambda a, _: (
            "Sends your sandboxes' lifecycle events to "
            + (shown_value(a["url"], 200) if a.get("url") else "an address")
        ),
    ),
    "E2B_UPDATE_WEBHOOK_CONFIGURATION": Words(
        "Change a webhook",
        lambda a, _: f"Changes {_webhook(a)}: its address, events or whether it is on",
    ),
    "E2B_DELETE_WEBHOOK": Words(
        "Delete a webhook",
        lambda a, _: f"Deletes {_webhook(a)} for good: its events are no longer sent",
    ),
    # Where the code cell says it ran: never one of the user's E2B sandboxes.
    WORKBENCH_TOOL: Words(
        "Run Python code",
        lambda a, _: (
            f"Runs this Python code in the {WHERE_CODE_RUNS} (not in your E2B sandboxes), "
            "with your connected tools at hand"
        ),
    ),
    BASH_TOOL: Words(
        "Run a shell command",
        lambda a, _: (
            f"Runs this shell command in the {WHERE_CODE_RUNS} (not in your E2B sandboxes)"
        ),
    ),
    "COMPOSIO_MANAGE_CONNECTIONS": Words(
        "Reconnect your toolkits",
        lambda a, _: "Starts connecting your toolkits anew: you may have to sign in again",
    ),
}


def title_of(action: Action) -> str:
    """The action in words: "Kill sandbox"."""
    return title_of_slug(action.slug)


def title_of_slug(slug: str) -> str:
    """A slug in words: "Start a sandbox"; for a slug the app does not know, from the slug.
    The one naming of actions: the approval card and the Settings' list of rules use it."""
    words = WORDS.get(slug)
    if words is not None:
        return words.title
    if slug == MULTI_EXECUTE_TOOL:
        return "Run several actions"
    name = slug.split("_", 1)[-1] if slug.startswith("E2B_") else slug
    return one_line(name.replace("_", " ").strip().capitalize() or "An action", 80)


def effect_of(action: Action, rates: SandboxRates) -> str:
    """One line of what the action does, to which sandbox, and what it costs at `rates`."""
    words = WORDS.get(action.slug)
    if words is not None:
        return words.effect(action.arguments, rates)
    if action.slug == MULTI_EXECUTE_TOOL:
        return "Its list of actions could not be read: if you allow it, all of it runs"
    match action.kind:
        case Kind.READS:
            return "Only reads: it changes nothing"
        case Kind.DESTRUCTIVE:
            return "Its tool says it deletes or overwrites something: that may be lost for good"
        case Kind.CHANGES | Kind.CODE:
            return "The app does not know this action: it may change something in your accounts"


def argument_lines(action: Action) -> list[tuple[str, str]]:
    """(name, value) for each argument but the code, values capped; a timeout in minutes."""
    code_key = CODE_ARGUMENT.get(action.slug)
    lines = []
    for key, value in list(action.arguments.items())[:50]:
        if key == code_key:
            continue
        name = ARGUMENT_NAMES.get(key, one_line(str(key), 80))
        text = shown_value(value)
        if key == "timeout" and (spoken := minutes(value)) is not None:
            text = f"{spoken} ({text} s)"
        lines.append((name, text))
    if len(action.arguments) > 50:
        lines.append(("…", f"{len(action.arguments) - 50} more arguments"))
    return lines


def language_of(action: Action) -> str | None:
    """The language of the action's code (for highlighting), None without code."""
    return LANGUAGES.get(action.slug) if action.code is not None else None


def shown_code(code: str) -> str:
    """The code as shown: lines kept, other control characters written out, capped with a
    note that the rest runs too."""
    head = "\n".join(inert(line) for line in code[:CODE_SHOWN_CHARS].split("\n"))
    if len(code) <= CODE_SHOWN_CHARS:
        return head
    note = f"Shown: the first {CODE_SHOWN_CHARS:,} of {len(code):,} characters; all of it runs."
    return f"{head}{ELLIPSIS}\n\n# {note}"


ONCE_ONLY = "The app could not read which actions this call runs: it is allowed once only"


STOPPED_TEXT = STOPPED_NOTE
