"""A person's decisions on the actions the agent waits to run, as Pydantic AI's deferred results.

While a turn waits, the faces see each waiting call as a `PendingCall` (its actions, and which
of them need a person), and answer with one `Decision` per call: the indices of the actions
allowed (none: denied), for how long (once, this conversation, always) and, for a denial, an
optional reason. `deferred_results` turns the answers into `DeferredToolResults`: a call allowed
whole is approved; a multi-execute allowed in part runs with only the allowed inner tools
(`ToolApproved(override_args=...)`) and the model is told which ones were not run and why
(`not_run_note`, added to its result); a call with nothing allowed is denied, with the reason.
A call left unanswered (Stop, a face gone) is denied: nothing runs without a yes.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from desktop.core.consent.policy import Action, Grants, Kind, actions_of, must_ask
from desktop.core.router.types import MULTI_EXECUTE_TOOL

if TYPE_CHECKING:
    from pydantic_ai.messages import ToolCallPart
    from pydantic_ai.tools import DeferredToolResults

NOT_RUN_KEY = "not_run_by_the_user"  # in a partly allowed call's metadata and in its result
STOPPED_REASON = "The user stopped the reply before deciding: nothing was run."


class Scope(StrEnum):
    ONCE = "once"
    CONVERSATION = "conversation"  # the action's slug, for the rest of this conversation
    ALWAYS = "always"  # a rule, kept in the settings file until revoked


_WIDTH = {Scope.ONCE: 0, Scope.CONVERSATION: 1, Scope.ALWAYS: 2}


def scopes_for(action: Action) -> tuple[Scope, ...]:
    """How long a person may allow `action`, narrowest first; both faces offer only these.

    A call whose actions could not be read (the multi-execute itself) is allowed once, never
    beyond; a destructive action never for a whole conversation: it is asked about every time
    unless a rule allows it (`policy.must_ask`)."""
    if action.slug == MULTI_EXECUTE_TOOL:
        return (Scope.ONCE,)
    if action.kind is Kind.DESTRUCTIVE:
        return (Scope.ONCE, Scope.ALWAYS)
    return (Scope.ONCE, Scope.CONVERSATION, Scope.ALWAYS)


def granted_scope(action: Action, scope: Scope) -> Scope:
    """`scope` if `action` may be allowed that long, else once (what a face's answer grants)."""
    return scope if scope in scopes_for(action) else Scope.ONCE


@dataclass(frozen=True)
class PendingCall:
    """One tool call waiting for a person."""

    call_id: str
    tool_name: str
    arguments: Mapping[str, object]
    actions: tuple[Action, ...]
    asked: tuple[bool, ...]  # per action: a person decides (else the defaults or a rule allow it)

    @property
    def destructive(self) -> bool:
        return any(
            asked and action.kind is Kind.DESTRUCTIVE
            for action, asked in zip(self.actions, self.asked, strict=True)
        )


@dataclass(frozen=True)
class Decision:
    """A person's answer for one call: `allowed` maps the index of each action that may run to
    how long that allowance lasts; an action left out is denied (`reason`, if given, says why)."""

    call_id: str
    allowed: Mapping[int, Scope] = field(default_factory=dict)
    reason: str = ""

    @classmethod
    def allow_all(cls, call: PendingCall, scope: Scope = Scope.ONCE) -> Decision:
        return cls(call.call_id, dict.fromkeys(range(len(call.actions)), scope))

    @classmethod
    def deny(cls, call: PendingCall, reason: str = "") -> Decision:
        return cls(call.call_id, {}, reason)


@dataclass(frozen=True)
class Outcome:
    """What was decided for a call, in words for the model and the tool card."""

    call_id: str
    ran: tuple[int, ...]  # indices of the actions that run
    not_run: tuple[int, ...]
    reason: str = ""
    scope: Scope = Scope.ONCE  # the widest allowance granted to what ran
    note: str = ""  # who decided and what ran, for the call's card (`decision_note`)
    decided_at: datetime | None = None  # when (None: nobody decided, the turn was stopped)


def pending_call(part: ToolCallPart, grants: Grants, hints: frozenset[str]) -> PendingCall:
    arguments = _arguments_of(part)
    actions = actions_of(part.tool_name, arguments, hints)
    return PendingCall(
        part.tool_call_id,
        part.tool_name,
        arguments,
        actions,
        tuple(must_ask(action, grants) for action in actions),
    )


def _arguments_of(part: ToolCallPart) -> dict[str, Any]:
    try:
        return part.args_as_dict()
    except ValueError:
        return {}


def outcome_of(call: PendingCall, decision: Decision | None) -> Outcome:
    """Which actions run: those a person allowed, and those nobody had to be asked about
    (a read beside a kill). A call with nothing allowed of what was asked runs nothing."""
    if decision is None:
        return Outcome(call.call_id, (), tuple(range(len(call.actions))), STOPPED_REASON)
    asked_and_allowed = [i for i, asked in enumerate(call.asked) if asked and i in decision.allowed]
    if not asked_and_allowed:
        return Outcome(call.call_id, (), tuple(range(len(call.actions))), decision.reason)
    ran = tuple(i for i, asked in enumerate(call.asked) if not asked or i in decision.allowed)
    not_run = tuple(i for i in range(len(call.actions)) if i not in ran)
    granted = (granted_scope(call.actions[i], decision.allowed[i]) for i in asked_and_allowed)
    scope = max(granted, key=_WIDTH.__getitem__)
    return Outcome(call.call_id, ran, not_run, decision.reason, scope)


def not_run_note(call: PendingCall, outcome: Outcome) -> list[str]:
    """The actions left out of a partly allowed call, as the model reads them."""
    why = f" ({outcome.reason})" if outcome.reason else ""
    return [
        f"{call.actions[i].slug} {dict(call.actions[i].arguments)}: denied by the user{why}"
        for i in outcome.not_run
    ]


def denial_message(call: PendingCall, outcome: Outcome) -> str:
    slugs = ", ".join(dict.fromkeys(call.actions[i].slug for i in outcome.not_run))
    message = f"The user did not allow this ({slugs}); it was not run."
    if outcome.reason:
        message += f" Their reason: {outcome.reason}"
    return message


STOPPED_NOTE = "Not run: stopped"


def decision_note(call: PendingCall, outcome: Outcome) -> str:
    """Who decided, for how long, and what ran: the words of the approval card and of the
    call's tool card (kept with the turn)."""
    why = f": {outcome.reason}" if outcome.reason else ""
    if not outcome.ran:
        return STOPPED_NOTE if outcome.reason == STOPPED_REASON else f"Denied by you{why}"
    part = " in part" if outcome.not_run else ""
    match outcome.scope:
        case Scope.ONCE:
            allowed = f"Approved by you{part}"
        case Scope.CONVERSATION:
            allowed = f"Allowed for this conversation{part}"
        case Scope.ALWAYS:
            ruled = (call.actions[i].slug for i in outcome.ran if call.asked[i])
            allowed = "Always allowed: " + ", ".join(dict.fromkeys(ruled))
    if not outcome.not_run:
        return allowed
    left_out = ", ".join(
        f"{call.actions[i].slug} {_brief(call.actions[i].arguments)}" for i in outcome.not_run
    )
    return f"{allowed}; not run: {left_out}"


def decided_note(calls: Sequence[PendingCall], decisions: Sequence[Decision]) -> str:
    """What one question's answer decided (its calls' notes, each said once), for its card."""
    by_id = {decision.call_id: decision for decision in decisions}
    notes = (decision_note(call, outcome_of(call, by_id.get(call.call_id))) for call in calls)
    return " · ".join(dict.fromkeys(notes))


def _brief(arguments: Mapping[str, object]) -> str:
    values = [str(value) for value in arguments.values() if isinstance(value, str | int)]
    return "(" + ", ".join(values)[:80] + ")" if values else ""


def deferred_results(
    calls: Sequence[PendingCall], decisions: Mapping[str, Decision]
) -> tuple[DeferredToolResults, tuple[Outcome, ...]]:
    """The results Pydantic AI resumes the run with, and what was decided for each call."""
    from pydantic_ai.tools import DeferredToolResults, ToolApproved, ToolDenied

    approvals: dict[str, bool | ToolApproved | ToolDenied] = {}
    metadata: dict[str, dict[str, Any]] = {}
    outcomes = []
    for call in calls:
        outcome = outcome_of(call, decisions.get(call.call_id))
        decided_at = datetime.now(UTC) if call.call_id in decisions else None
        outcome = replace(outcome, note=decision_note(call, outcome), decided_at=decided_at)
        outcomes.append(outcome)
        if not outcome.ran:
            approvals[call.call_id] = ToolDenied(denial_message(call, outcome))
        elif not outcome.not_run:
            approvals[call.call_id] = True
        elif call.tool_name == MULTI_EXECUTE_TOOL:
            tools = call.arguments.get("tools")
            assert isinstance(tools, list)  # actions were read from it, one per item
            kept = [tools[i] for i in outcome.ran]
            approvals[call.call_id] = ToolApproved(override_args={**call.arguments, "tools": kept})
            metadata[call.call_id] = {NOT_RUN_KEY: not_run_note(call, outcome)}
        else:  # one action only: allowed or not, never in part
            approvals[call.call_id] = True
    return DeferredToolResults(approvals=approvals, metadata=metadata), tuple(outcomes)


@dataclass
class ConsentState:
    """What the user has allowed beyond the defaults, for one chat session.

    `rules` are the "always" slugs (kept in the settings file: `on_rule` saves a new one);
    `conversation` the slugs allowed for the rest of the conversation on screen, forgotten when
    another one is opened; `ask_for_reads` is the cautious switch.
    """

    rules: frozenset[str] = frozenset()
    ask_for_reads: bool = False
    conversation: frozenset[str] = frozenset()
    on_rule: Callable[[str], None] | None = field(default=None, repr=False)
    hints: dict[str, frozenset[str]] = field(default_factory=dict, repr=False)

    @property
    def grants(self) -> Grants:
        return Grants(self.rules, self.conversation, self.ask_for_reads)

    def forget_conversation(self) -> None:
        self.conversation = frozenset()

    def remember(self, calls: Sequence[PendingCall], decisions: Sequence[Decision]) -> None:
        """Keep what a decision allows beyond this once."""
        by_id = {call.call_id: call for call in calls}
        for decision in decisions:
            call = by_id.get(decision.call_id)
            if call is None:
                continue
            for index, asked_for in sorted(decision.allowed.items()):
                if not 0 <= index < len(call.actions):
                    continue
                scope = granted_scope(call.actions[index], asked_for)
                slug = call.actions[index].slug
                if scope is Scope.ONCE:
                    continue
                if scope is Scope.CONVERSATION:
                    self.conversation |= {slug}
                elif slug not in self.rules:
                    self.rules |= {slug}
                    if self.on_rule is not None:
                        self.on_rule(slug)
