"""What each action the agent is about to run does to the user's cloud, and whether to ask first.

Every tool call is split into actions: a direct call is one; a `COMPOSIO_MULTI_EXECUTE_TOOL`
call is one per inner tool, each classified on its own (two kills inside one "execute" are two
destructive actions). Each action gets a kind:

- reads (run): E2B's read-only tools, tool search and schemas, connection status;
- changes (ask): create, connect, time out, refresh or pause a sandbox; templates; webhooks;
- destructive (ask every time, unless a rule allows it): killing sandboxes, deleting webhooks;
- code (ask): the workbench's Python, the remote bash command.

A slug the app does not know (another toolkit, a new E2B tool) is classified by the tool's MCP
annotations where it has them (`readOnlyHint`, `destructiveHint`), otherwise as a change; either
way it is asked about, never run silently.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

from desktop.core.router.types import (
    BASH_TOOL,
    MANAGE_CONNECTIONS_TOOL,
    MULTI_EXECUTE_TOOL,
    WORKBENCH_TOOL,
)


class Kind(StrEnum):
    READS = "reads"
    CHANGES = "changes"
    DESTRUCTIVE = "destructive"
    CODE = "code"


E2B_READS = frozenset(
    {
        "E2B_CHECK_API_HEALTH",
        "E2B_LIST_ALL_SANDBOXES",
        "E2B_GET_SANDBOX",
        "E2B_GET_SANDBOX_LOGS",
        "E2B_GET_SANDBOX_METRICS",
        "E2B_LIST_SANDBOXES_METRICS",
        "E2B_GET_SANDBOX_LIFECYCLE_EVENTS",
        "E2B_LIST_TEAM_SANDBOX_LIFECYCLE_EVENTS",
        "E2B_GET_TEAM_METRICS",
        "E2B_GET_TEAM_MAXIMUM_METRICS",
        "E2B_LIST_ALL_TEMPLATES",
        "E2B_GET_TEMPLATE_BUILD_STATUS",
        "E2B_GET_TEMPLATE_FILES",
        "E2B_LIST_ALL_WEBHOOKS",
        "E2B_GET_WEBHOOK_CONFIGURATION",
    }
)
E2B_CHANGES = frozenset(
    {
        "E2B_CREATE_SANDBOX",
        "E2B_CONNECT_SANDBOX",
        "E2B_SET_SANDBOX_TIMEOUT",
        "E2B_REFRESH_SANDBOX",
        "E2B_PAUSE_SANDBOX",
        "E2B_CREATE_TEMPLATE",
        "E2B_UPDATE_TEMPLATE",
        "E2B_START_TEMPLATE_BUILD",
        "E2B_CREATE_WEBHOOK",
        "E2B_UPDATE_WEBHOOK_CONFIGURATION",
    }
)
E2B_DESTRUCTIVE = frozenset({"E2B_DELETE_SANDBOXES", "E2B_DELETE_WEBHOOK"})
# The Tool Router's own tools that only look things up. Managing connections returns a status
# and a link the user opens themselves; asking it to re-initiate every connection is a change.
META_READS = frozenset(
    {"COMPOSIO_SEARCH_TOOLS", "COMPOSIO_GET_TOOL_SCHEMAS", "COMPOSIO_WAIT_FOR_CONNECTIONS"}
)
CODE_ARGUMENT = {WORKBENCH_TOOL: "code_to_execute", BASH_TOOL: "command"}
KNOWN: Mapping[str, Kind] = {
    **dict.fromkeys(E2B_READS | META_READS, Kind.READS),
    **dict.fromkeys(E2B_CHANGES, Kind.CHANGES),
    **dict.fromkeys(E2B_DESTRUCTIVE, Kind.DESTRUCTIVE),
    **dict.fromkeys(CODE_ARGUMENT, Kind.CODE),
}


@dataclass(frozen=True)
class Action:
    """One thing the agent is about to do: a direct tool call, or one item of a multi-execute."""

    slug: str
    arguments: Mapping[str, object]
    kind: Kind
    known: bool  # the app knows this slug (else: classified from annotations, or a change)
    index: int | None = None  # its place among a multi-execute's tools; None for a direct call

    @property
    def code(self) -> str | None:
        """The code or command it runs (workbench, bash), as the model wrote it."""
        name = CODE_ARGUMENT.get(self.slug)
        value = self.arguments.get(name) if name else None
        return value if isinstance(value, str) else None


def hints_of(annotations: object) -> frozenset[str]:
    """The MCP annotation hints that are set: an object of booleans (as MCP sends them) or a
    list of names."""
    if isinstance(annotations, Mapping):
        return frozenset(str(name) for name, value in annotations.items() if value is True)
    if isinstance(annotations, (list, tuple, set, frozenset)):
        return frozenset(name for name in annotations if isinstance(name, str))
    return frozenset()


def classify(slug: str, arguments: Mapping[str, object], hints: Collection[str] = ()) -> Kind:
    """The kind of one action (see the module's table)."""
    if slug == MANAGE_CONNECTIONS_TOOL:
        return Kind.CHANGES if arguments.get("reinitiate_all") is True else Kind.READS
    known = KNOWN.get(slug)
    if known is not None:
        return known
    if "destructiveHint" in hints:
        return Kind.DESTRUCTIVE
    if "readOnlyHint" in hints:
        return Kind.READS
    return Kind.CHANGES


def actions_of(
    tool_name: str, arguments: Mapping[str, object], hints: Collection[str] = ()
) -> tuple[Action, ...]:
    """The actions one tool call would run. A multi-execute whose `tools` cannot be read is one
    action of its own, treated as destructive: asked about as a whole, every time."""
    if tool_name != MULTI_EXECUTE_TOOL:
        known = tool_name in KNOWN or tool_name == MANAGE_CONNECTIONS_TOOL
        return (Action(tool_name, arguments, classify(tool_name, arguments, hints), known),)
    tools = arguments.get("tools")
    items = _inner_tools(tools)
    if items is None:
        # It cannot be told what it would run: as dangerous as anything it might hold.
        return (Action(tool_name, arguments, Kind.DESTRUCTIVE, False),)
    return tuple(
        Action(
            slug,
            inner,
            classify(slug, inner),  # inner tools come without annotations
            slug in KNOWN or slug == MANAGE_CONNECTIONS_TOOL,
            index,
        )
        for index, (slug, inner) in enumerate(items)
    )


MAX_INNER_TOOLS = 50  # the router's own limit (`maxItems` of COMPOSIO_MULTI_EXECUTE_TOOL)
MAX_SLUG_CHARS = 128  # no real slug is longer; a longer one is not a slug to show or grant


def _inner_tools(tools: object) -> list[tuple[str, Mapping[str, object]]] | None:
    if not isinstance(tools, Sequence) or isinstance(tools, (str, bytes)) or not tools:
        return None
    if len(tools) > MAX_INNER_TOOLS:
        return None
    items: list[tuple[str, Mapping[str, object]]] = []
    for item in tools:
        if not isinstance(item, Mapping):
            return None
        slug, inner = item.get("tool_slug"), item.get("arguments", {})
        if not isinstance(slug, str) or not slug.strip() or not isinstance(inner, Mapping):
            return None
        if len(slug) > MAX_SLUG_CHARS:
            return None
        # As a router may read it: `e2b_delete_sandboxes ` is still a kill.
        items.append((slug.strip().upper(), inner))
    return items


@dataclass(frozen=True)
class Grants:
    """What the user has allowed beyond the defaults.

    `always`: slugs with a rule (kept in the settings file); `conversation`: slugs allowed for
    the rest of the open conversation; `ask_for_reads`: the cautious switch, reads are asked too.
    """

    always: frozenset[str] = frozenset()
    conversation: frozenset[str] = frozenset()
    ask_for_reads: bool = False


def must_ask(action: Action, grants: Grants) -> bool:
    """Whether a person decides before `action` runs. A destructive action is asked every time
    unless a rule allows it; allowing it for a conversation does not."""
    match action.kind:
        case Kind.READS:
            # A slug the app does not know is asked about even when its annotations say it only
            # reads: annotations name its kind, they do not vouch for it.
            cautious = grants.ask_for_reads or not action.known
            return cautious and action.slug not in grants.always | grants.conversation
        case Kind.DESTRUCTIVE:
            return action.slug not in grants.always
        case Kind.CHANGES | Kind.CODE:
            return action.slug not in grants.always | grants.conversation


RULE_NOTE = "Allowed by your rule: always "


def allowed_without_asking(actions: Sequence[Action], grants: Grants) -> str:
    """Why a call ran without a question when the defaults would have asked, in words for its
    card ("" when nobody had to be asked, or when someone is)."""
    if any(must_ask(action, grants) for action in actions):
        return ""
    defaults = Grants(ask_for_reads=grants.ask_for_reads)
    granted = [action.slug for action in actions if must_ask(action, defaults)]
    ruled = sorted({slug for slug in granted if slug in grants.always})
    if ruled:
        return RULE_NOTE + ", ".join(ruled)
    if granted:
        return "Allowed for this conversation: " + ", ".join(sorted(set(granted)))
    return ""


def needs_approval(
    tool_name: str, arguments: Mapping[str, object], grants: Grants, hints: Collection[str] = ()
) -> bool:
    """Whether the call waits for a person: any of its actions must be asked about."""
    return any(must_ask(action, grants) for action in actions_of(tool_name, arguments, hints))
