"""The terminal's consent questions: one per action that needs a person, answered on stdin.

Each question says first what the window's approval card says, in the core's words
(`consent.words`): the action's name and slug, what it does to which sandbox and what it costs
at the settings' rates, its arguments as a person reads them (each value cut and inert), the
code printed in full. Then `Allow SLUG? [y]es once / [c]onversation / [a]lways / [N]o:`; how
long an answer allows is the core's (`consent.approvals.granted_scope`).
"""

from __future__ import annotations

from desktop.core.config.sandbox_rates import SandboxRates
from desktop.core.consent.approvals import Decision, PendingCall, Scope, granted_scope
from desktop.core.consent.policy import Action, Kind
from desktop.core.consent.words import ONCE_ONLY, argument_lines, effect_of
from desktop.core.inert import inert
from desktop.core.router.types import MULTI_EXECUTE_TOOL
from desktop.line_reader import LineReader
from desktop.terminal import Terminal

ANSWERS = {"y": Scope.ONCE, "yes": Scope.ONCE, "c": Scope.CONVERSATION, "a": Scope.ALWAYS}
ALWAYS_WORD = "always"
DESTRUCTIVE_ONCE = "a destructive action is asked every time: allowed once"


class ConsentQuestions:
    """Asks about each action a waiting call needs a person for; anything but a yes is a no."""

    def __init__(self, term: Terminal, reader: LineReader) -> None:
        self.term = term
        self.reader = reader

    async def ask(
        self, calls: tuple[PendingCall, ...], rates: SandboxRates
    ) -> tuple[Decision, ...]:
        """One question per action that needs a person, its cost at `rates` (the settings');
        anything but a yes is a no."""
        decisions = []
        for call in calls:
            allowed: dict[int, Scope] = {}
            for index, (action, asked) in enumerate(zip(call.actions, call.asked, strict=True)):
                if asked:
                    scope = await self._ask_one(action, rates)
                    if scope is not None:
                        allowed[index] = scope
            decisions.append(Decision(call.call_id, allowed))
        return tuple(decisions)

    def _describe(self, action: Action, rates: SandboxRates) -> None:
        """The approval card's words under the call's line (which named it as the card's title
        does): what it does and costs, each argument."""
        self.term.line(f"  {effect_of(action, rates)}")
        for name, value in argument_lines(action):
            self.term.dim(f"    {name}: {value}")
        if action.code is not None:
            self.term.line(inert(action.code))  # in full; control and direction marks written out

    async def _ask_one(self, action: Action, rates: SandboxRates) -> Scope | None:
        self._describe(action, rates)
        slug = inert(action.slug)
        self.term.write(f"Allow {slug}? [y]es once / [c]onversation / [a]lways / [N]o: ")
        scope = ANSWERS.get((await self.reader.readline()).strip().lower())
        if scope is not None and granted_scope(action, scope) is not scope:
            unread = action.slug == MULTI_EXECUTE_TOOL
            self.term.dim(f"  ({ONCE_ONLY if unread else DESTRUCTIVE_ONCE})")
            return Scope.ONCE
        if scope is Scope.ALWAYS and action.kind is Kind.DESTRUCTIVE:
            self.term.write(
                f"Always allow {slug} without asking, from now on? "
                f'Type "{ALWAYS_WORD}" to confirm: '
            )
            if (await self.reader.readline()).strip().lower() != ALWAYS_WORD:
                self.term.dim("  (not made a rule: allowed once)")
                return Scope.ONCE
        return scope
