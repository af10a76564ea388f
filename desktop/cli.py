"""Terminal chat over the same core: the guide's REPL, grown up."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import sys
from collections.abc import Callable, Mapping
from functools import partial
from pathlib import Path
from typing import TextIO, assert_never

from desktop.core.agent.build import Endpoints
from desktop.core.agent.events import (
    ApprovalRequested,
    ApprovalResolved,
    TextDelta,
    ToolCallFinished,
    ToolCallStarted,
    TurnCancelled,
    TurnEvent,
    TurnFailed,
    TurnFinished,
)
from desktop.core.agent.prompt import validate_prompt
from desktop.core.agent.session import ChatSession
from desktop.core.config.credentials import resolve_credentials
from desktop.core.config.secrets import KEYRING_SERVICE, SecretStore, read_dotenv
from desktop.core.config.settings import Settings, keep_rule
from desktop.core.consent.approvals import ConsentState, Decision, PendingCall, Scope
from desktop.core.consent.policy import CODE_ARGUMENT, Action, Kind
from desktop.core.errors import (
    CredentialSpec,
    ErrorKind,
    Fix,
    Remedy,
    UserFacingError,
    join_labels,
)
from desktop.core.router.types import Timeouts
from desktop.line_reader import LineReader
from desktop.ui.action_words import shown_value, visible

EXIT_WORDS = frozenset({"exit", "quit", "bye"})
MAX_ARGS_SHOWN = 160
NOT_SENT = "Not sent: set what the error above names, then start again."
# Control characters of text from outside (the model, tools, links, errors): a terminal would
# obey them (ESC ]52 writes the clipboard, ESC [2J clears the screen, 0x9b is an 8-bit CSI).
# Only the app's own colour codes reach the terminal; newlines and tabs stay.
_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def printable(text: str) -> str:
    """`text` without the control characters a terminal would act on (but \\n and \\t)."""
    return _CONTROLS.sub("", text)


def _keyring_command(item: CredentialSpec) -> str:
    # keyring's own command line (installed with the package), on the entry the app reads.
    return f"`keyring set {KEYRING_SERVICE} {item.name}`"


def terminal_text(message: str, fix: Fix | None, *, keyring: bool) -> str:
    """The sentence the terminal prints: the remedy in what the terminal offers (environment
    variables, `.env`, the keyring's command when there is a usable keyring)."""
    if fix is None:
        return message
    env_vars = join_labels(item.env_var for item in fix.items)
    stored = [item for item in fix.items if item.in_keyring] if keyring else []
    commands = join_labels(_keyring_command(item) for item in stored)
    match fix.remedy:
        case Remedy.PROVIDE | Remedy.CONFIGURE:
            text = f"{fix.problem}: set {env_vars} in the environment or .env"
            if stored:
                key = "the key" if len(stored) == 1 else "the keys"
                key = "it" if len(fix.items) == 1 else key
                text += f", or store {key} in the keyring with {commands}"
            return text + "."
        case Remedy.CHECK_CREDENTIAL:
            text = f"{fix.problem}: check {env_vars} in the environment or .env"
            if stored:
                text += f", or store the right key in the keyring with {commands}"
            return text + "."
        case Remedy.CHOOSE_MODEL:
            return f'{fix.problem}: set another "model" in the settings file.'
        case Remedy.NEW_CONVERSATION:
            return f"{fix.problem}: type exit and start again for a new conversation."


def _compact(arguments: Mapping[str, object]) -> str:
    import json

    text = json.dumps(dict(arguments), ensure_ascii=False, separators=(", ", ": "), default=str)
    return text if len(text) <= MAX_ARGS_SHOWN else text[: MAX_ARGS_SHOWN - 1] + "…"


class Terminal:
    """Writes the conversation; ANSI styling only on a terminal and without NO_COLOR."""

    def __init__(self, out: TextIO, err: TextIO, *, color: bool) -> None:
        self.out = out
        self.err = err
        self.color = color

    def _style(self, code: str, text: str) -> str:
        return f"\033[{code}m{text}\033[0m" if self.color else text

    @staticmethod
    def _emit(stream: TextIO, text: str) -> None:
        stream.write(text)
        stream.flush()

    # Each takes text from outside: made printable before the app's own colours go around it.
    def write(self, text: str) -> None:
        self._emit(self.out, printable(text))

    def line(self, text: str = "") -> None:
        self._emit(self.out, printable(text) + "\n")

    def dim(self, text: str) -> None:
        self._emit(self.out, self._style("2", printable(text)) + "\n")

    def error(self, text: str) -> None:
        self._emit(self.err, self._style("31", f"Error: {printable(text)}") + "\n")


def _question_arguments(action: Action) -> str:
    """Every argument of the action asked about (but its code, printed above), each value cut
    on its own: a long first value cannot push the sandbox id out of the question."""
    import json

    code_key = CODE_ARGUMENT.get(action.slug)
    parts = [
        f"{json.dumps(visible(str(key))[:80])}: {_question_value(value)}"
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


class ChatRepl:
    """Reads prompts and streams replies; Ctrl-C stops the reply in flight, back to the prompt."""

    def __init__(
        self,
        session: ChatSession,
        term: Terminal,
        *,
        keyring: bool = False,
        reader: LineReader | None = None,
    ) -> None:
        self.session = session
        self.term = term
        self.reader = reader or LineReader(sys.stdin)
        self._asking: asyncio.Task[tuple[Decision, ...]] | None = None
        self.keyring = keyring  # a usable keyring: its command is offered to store a key
        self._at_line_start = True
        self._missing_key = False  # connecting said a key is missing: no turn can run

    def _error(self, message: str, fix: Fix | None) -> None:
        self.term.error(terminal_text(message, fix, keyring=self.keyring))

    def _end_line(self) -> None:
        if not self._at_line_start:
            self.term.line()
        self._at_line_start = True

    def _render(self, event: TurnEvent) -> None:
        match event:
            case TextDelta():
                self.term.write(event.text)
                self._at_line_start = event.text.endswith("\n")
            case ToolCallStarted():
                self._end_line()
                for action in event.actions:
                    self.term.dim(f"  -> {action.slug} {_compact(action.arguments)}")
            case ToolCallFinished():
                lines = [*event.errors, *event.result_text.strip().splitlines()]
                failed = event.outcome != "success" and lines
                self.term.dim(f"  <- {event.outcome}" + (f": {lines[0][:160]}" if failed else ""))
                for link in event.connect_links:
                    self.term.line(f"  Open this link to connect {link.toolkit}: {link.url}")
            case TurnFinished():
                self._end_line()
                self.term.line()
            case TurnCancelled():
                self._end_line()
                self.term.dim("[stopped]")
                self.term.line()
            case TurnFailed():
                self._end_line()
                self._error(event.message, event.fix)
                self.term.line()
            case ApprovalRequested():
                pass  # asked by `run_turn`, which waits for the answers
            case ApprovalResolved():
                # A call denied whole says so when it ends ("<- denied: ..."); one allowed in
                # part says here how much of it runs.
                for outcome in event.outcomes:
                    if outcome.ran and outcome.not_run:
                        ran, left = len(outcome.ran), len(outcome.not_run)
                        self.term.dim(f"  ({ran} of {ran + left} actions run, {left} denied)")
            case _:
                assert_never(event)

    async def _ask(self, calls: tuple[PendingCall, ...]) -> tuple[Decision, ...]:
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
        self._end_line()
        code = action.code
        if code is not None:
            self.term.dim(f"  {action.slug} would run:")
            self.term.line(visible(code))  # in full; control and direction marks written out
        self.term.write(
            f"Allow {visible(action.slug)}{_question_arguments(action)}? "
            "[y]es once / [c]onversation / [a]lways / [N]o: "
        )
        scope = ANSWERS.get((await self.reader.readline()).strip().lower())
        if scope is Scope.CONVERSATION and action.kind is Kind.DESTRUCTIVE:
            self.term.dim("  (a destructive action is asked every time: allowed once)")
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

    async def _answers(self, calls: tuple[PendingCall, ...]) -> tuple[Decision, ...]:
        self._asking = asyncio.ensure_future(self._ask(calls))
        try:
            return await self._asking
        except asyncio.CancelledError:
            current = asyncio.current_task()
            if current is not None and current.cancelling():
                raise  # this task itself is being cancelled, not only the question
            self.term.line()
            return tuple(Decision.deny(call) for call in calls)
        finally:
            self._asking = None

    def _interrupt(self, cancel: Callable[[], None]) -> None:
        """Ctrl-C: stop the reply; a question waiting for its answer is answered no."""
        cancel()
        if self._asking is not None:
            self._asking.cancel()

    async def connect(self) -> None:
        self.term.dim("Connecting to Composio's Tool Router…")
        try:
            info = await self.session.connect()
        except UserFacingError as exc:
            self._error(exc.message, exc.fix)
            self._missing_key = exc.kind is ErrorKind.MISSING_KEY
            return
        self.term.dim(f"Ready: {len(info.tool_names)} tools (session {info.session_id}).")

    async def run_turn(self, prompt: str) -> None:
        if self._missing_key:  # the turn would fail the same way: point at the error once given
            self.term.dim(NOT_SENT)
            return
        turn = self.session.run_turn(prompt)
        loop = asyncio.get_running_loop()
        handler_installed = False
        try:
            loop.add_signal_handler(signal.SIGINT, self._interrupt, turn.cancel)
            handler_installed = True
        except (NotImplementedError, RuntimeError):  # Windows: Ctrl-C ends the process instead
            pass
        self.term.write("Agent: ")
        self._at_line_start = False
        try:
            async for event in turn:
                self._render(event)
                if isinstance(event, ApprovalRequested):
                    turn.decide(await self._answers(event.calls))
        finally:
            if handler_installed:
                loop.remove_signal_handler(signal.SIGINT)


def _keep_rule(settings_file: Path, term: Terminal, slug: str) -> None:
    try:
        keep_rule(settings_file, slug)
    except OSError as exc:
        term.error(f"The rule for {slug} could not be saved ({exc.strerror or exc}).")
        return
    term.dim(f"  (always allowed from now on: {slug}; revoke it in the settings file)")


async def _read_prompt(term: Terminal, reader: LineReader) -> str | None:
    """One line from the user; None at end of input."""
    term.write("You: ")
    line = await reader.readline()
    if not line:
        return None
    return line.rstrip("\n")


def run_cli(
    settings: Settings,
    store: SecretStore,
    *,
    environ: Mapping[str, str] | None = None,
    cwd: Path | None = None,
    stdin: TextIO | None = None,
    stdout: TextIO | None = None,
    stderr: TextIO | None = None,
    known_secrets: Callable[..., object] | None = None,
    settings_file: Path | None = None,
) -> int:
    """The terminal face. `settings_file`: where an "always allow" a person chooses is kept
    (without one it lasts until the terminal closes)."""
    env = dict(os.environ if environ is None else environ)
    stdin = stdin or sys.stdin
    out = stdout or sys.stdout
    err = stderr or sys.stderr
    color = out.isatty() and "NO_COLOR" not in env and env.get("TERM") != "dumb"
    term = Terminal(out, err, color=color)
    credentials = resolve_credentials(
        store, settings.user_id, env, read_dotenv((cwd or Path.cwd()) / ".env")
    )
    if known_secrets is not None:
        known_secrets(*credentials.secret_values())
    consent = ConsentState(
        rules=settings.always_allowed,
        ask_for_reads=settings.ask_before_reads,
        on_rule=None if settings_file is None else partial(_keep_rule, settings_file, term),
    )
    session = ChatSession(
        settings, credentials, Endpoints.from_environ(env), Timeouts(), consent=consent
    )
    reader = LineReader(stdin)
    repl = ChatRepl(session, term, keyring=store.is_secure, reader=reader)
    term.line("E2B Agent (terminal). Type 'exit' to leave; Ctrl-C stops a reply.")
    with asyncio.Runner() as runner:
        try:
            runner.run(repl.connect())
            while True:
                try:
                    prompt = runner.run(_read_prompt(term, reader))
                except KeyboardInterrupt:
                    term.line()
                    term.dim("(type exit or press Ctrl-D to leave)")
                    continue
                if prompt is None or prompt.strip().lower() in EXIT_WORDS:
                    if prompt is None:
                        term.line()
                    term.line("Goodbye!")
                    return 0
                if not prompt.strip():
                    continue
                problem = validate_prompt(prompt)
                if problem:
                    term.error(problem)
                    continue
                runner.run(repl.run_turn(prompt))
        finally:
            runner.run(session.aclose())
