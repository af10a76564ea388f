"""The terminal's consent questions: one per action that needs a person, answered on stdin.

`Allow SLUG {args}? [y]es once / [c]onversation / [a]lways / [N]o:` with the code printed in
full above it; how long an answer allows is the core's (`consent.approvals.granted_scope`).
"""

from __future__ import annotations

from typing import Protocol

from desktop.core.consent.approvals import Decision, PendingCall, Scope, granted_scope
from desktop.core.consent.policy import CODE_ARGUMENT, Action, Kind
from desktop.core.consent.words import ONCE_ONLY, shown_value
from desktop.core.inert import inert
from desktop.core.router.types import MULTI_EXECUTE_TOOL
from desktop.line_reader import LineReader


class Lines(Protocol):
    """Where the questions are written (the terminal's `Terminal`)."""

    def write(self, text: str) -> None: ...

    def line(self, text: str = "") -> None: ...

    def dim(self, text: str) -> None: ...


def _question_arguments(action: Action) -> str:
    """Every argument of the action asked about (but its code, printed above), each value cut
    on its own: a long first value cannot push the sandbox id out of the question."""
    import json

    code_key = CODE_ARGUMENT.get(action.slug)
    parts = [
        f"{json.dumps(inert(str(key))[:80])}: {_question_value(value)}"
        for key, value in action.arguments.items()
        if key != code_key
    ]
    return " {" + ", ".join(parts) + "}" if parts else ""


def _question_value(value: object) -> str:
    import json

    try:
        text = json.dumps(value, ensure_ascii=False, default=str)
    except (TypeError, ValueError, RecursionError):
        text = repr(value)[:QUESTION_VALUE_CHARS]
    return shown_value(text, QUESTION_VALUE_CHARS)


QUESTION_VALUE_CHARS = 200
ANSWERS = {"y": Scope.ONCE, "yes": Scope.ONCE, "c": Scope.CONVERSATION, "a": Scope.ALWAYS}
ALWAYS_WORD = "always"
DESTRUCTIVE_ONCE = "a destructive action is asked every time: allowed once"


class ConsentQuestions:
    """Asks about each action a waiting call needs a person for; anything but a yes is a no."""

    def __init__(self, term: Lines, reader: LineReader) -> None:
        self.term = term
        self.reader = reader

    async def ask(self, calls: tuple[PendingCall, ...]) -> tuple[Decision, ...]:
        """One question per action that needs a person; anything but a yes is a no."""
        decisions = []
        for call in calls:
            allowed: dict[int, Scope] = {}
            for index, (action, asked) in enumerate(zip(call.actions, call.asked, strict=True)):
                if asked:
                    scope = await self._ask_one(action)
                    if scope is not None:
                        allowed[index] = scope
            decisions.append(Decision(call.call_id, allowed))
        return tuple(decisions)

    async def _ask_one(self, action: Action) -> Scope | None:
        code = action.code
        if code is not None:
            self.term.dim(f"  {action.slug} would run:")
            self.term.line(inert(code))  # in full; control and direction marks written out
        self.term.write(
            f"Allow {inert(action.slug)}{_question_arguments(action)}? "
            "[y]es once / [c]onversation / [a]lways / [N]o: "
        )
        scope = ANSWERS.get((await self.reader.readline()).strip().lower())
        if scope is not None and granted_scope(action, scope) is not scope:
            unread = action.slug == MULTI_EXECUTE_TOOL
            self.term.dim(f"  ({ONCE_ONLY if unread else DESTRUCTIVE_ONCE})")
            return Scope.ONCE
        if scope is Scope.ALWAYS and action.kind is Kind.DESTRUCTIVE:
            self.term.write(
                f"Always allow {action.slug} without asking, from now on? "
                f'Type "{ALWAYS_WORD}" to confirm: '
            )
            if (await self.reader.readline()).strip().lower() != ALWAYS_WORD:
                self.term.dim("  (not made a rule: allowed once)")
                return Scope.ONCE
        return scope
