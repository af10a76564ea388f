"""Terminal chat over the same core: the guide's REPL, grown up."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from collections.abc import Callable, Mapping
from functools import partial
from pathlib import Path
from typing import TextIO, assert_never

from desktop.cli_attach import AttachCommand, is_attach_command
from desktop.cli_budget import BudgetCommand
from desktop.cli_cells import CellPrinter
from desktop.cli_consent import ConsentQuestions
from desktop.cli_files import FileCommands
from desktop.cli_model import COMMAND, ModelCommand, chosen_model, keys_wanted
from desktop.cli_sandboxes import SandboxCommands
from desktop.cli_tool_lines import compact, link_line
from desktop.cli_words import terminal_text
from desktop.core.agent.build import Endpoints
from desktop.core.agent.connect_links import ComposioHosts
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
from desktop.core.config.credentials import (
    Credentials,
    for_chat,
    keyring_problem,
    resolve_credentials,
)
from desktop.core.config.sandbox_rates import SandboxRates
from desktop.core.config.secrets import SecretStore, read_dotenv
from desktop.core.config.settings import Settings, keep_rule
from desktop.core.consent.approvals import ConsentState, Decision
from desktop.core.consent.words import title_of_slug
from desktop.core.conversations.budgets import ConversationBudgets
from desktop.core.conversations.memory_chat import MemoryChat, MemoryConversation
from desktop.core.conversations.transcript import shown_outcome
from desktop.core.errors import (
    ErrorKind,
    Fix,
    UserFacingError,
)
from desktop.core.inert import inert
from desktop.core.router.types import Timeouts
from desktop.core.sandboxes.service import SandboxService
from desktop.line_reader import LineReader
from desktop.terminal import Terminal

EXIT_WORDS = frozenset({"exit", "quit", "bye"})
NOT_SENT = "Not sent: set what the error above names, then start again."
USAGE_EXIT = 2  # as argparse's: the command line or its environment asks for what cannot be
KEYRING_UNREADABLE_EXIT = 75  # sysexits' EX_TEMPFAIL: a temporary failure, try again later


class ChatRepl:
    """Reads prompts and streams replies; Ctrl-C stops the reply in flight, back to the prompt."""

    def __init__(
        self,
        chat: MemoryChat,
        term: Terminal,
        *,
        keyring: bool = False,
        reader: LineReader | None = None,
        hosts: ComposioHosts | None = None,
        commands: SandboxCommands | None = None,
        cwd: Path | None = None,
    ) -> None:
        self.chat = chat  # the session, each turn checked against the conversation's budget
        self.commands = commands  # the sandbox commands, told of every event
        self.term = term
        self.files = AttachCommand(chat, term, self.error, cwd or Path.cwd())  # /attach
        self.hosts = hosts or ComposioHosts()  # whose Connect Links are Composio's own
        self.reader = reader or LineReader(sys.stdin)
        self.questions = ConsentQuestions(term, self.reader)
        self.cells = CellPrinter(term)  # workbench and bash calls, as code and what it printed
        self._asking: asyncio.Task[tuple[Decision, ...]] | None = None
        self.keyring = keyring  # a usable keyring: its command is offered to store a key
        self._at_line_start = True
        self._missing_key = False  # connecting said a key is missing: no turn can run
        self.connected = False

    def error(self, message: str, fix: Fix | None) -> None:
        self.term.error(terminal_text(message, fix, keyring=self.keyring))

    def report(self, problem: str | UserFacingError) -> None:
        """A command's failure, worded for the terminal."""
        if isinstance(problem, UserFacingError):
            self.error(problem.message, problem.fix)
        else:
            self.term.error(problem)

    def model_switched(self) -> None:
        """`/model` switched: a key missing for the model before may not be for this one."""
        self._missing_key = False

    def _end_line(self) -> None:
        if not self._at_line_start:
            self.term.line()
        self._at_line_start = True

    def _render(self, event: TurnEvent) -> None:
        if self.commands is not None:
            self.commands.observe(event)
        match event:
            case TextDelta():
                self.term.write(event.text)
                self._at_line_start = event.text.endswith("\n")
            case ToolCallStarted():
                self._end_line()
                if event.code_run is not None:
                    self.cells.started(event, event.code_run)
                for action in event.actions if event.code_run is None else ():
                    named = f"{title_of_slug(action.slug)} ({action.slug})"  # the card's title
                    self.term.dim(f"  -> {named} {compact(action.arguments)}")
            case ToolCallFinished() if event.code_run is not None:
                self.cells.finished(event, event.code_run)
            case ToolCallFinished():
                lines = [*event.errors, *event.result_text.strip().splitlines()]
                failed = event.outcome != "success" and lines
                offers = self.hosts.offers(event.connect_links)
                needed = shown_outcome(event, offers) == "action_needed"
                said = "action needed" if needed else event.outcome
                self.term.dim(f"  <- {said}" + (f": {lines[0][:160]}" if failed else ""))
                for offer in offers:
                    self.term.line(link_line(offer))
                    self.term.line(f"  {offer.url}")
            case TurnFinished():
                self._end_line()
                self.term.line()
            case TurnCancelled():
                self._end_line()
                self.term.dim("[stopped]")
                self.term.line()
            case TurnFailed():
                self._end_line()
                self.error(event.message, event.fix)
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

    async def _answers(self, request: ApprovalRequested) -> tuple[Decision, ...]:
        self._end_line()
        calls = request.calls
        self._asking = asyncio.ensure_future(self.questions.ask(calls, request.rates))
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
            info = await self.chat.connect()
        except UserFacingError as exc:
            self.error(exc.message, exc.fix)
            self._missing_key = exc.kind is ErrorKind.MISSING_KEY
            return
        self.connected = True
        self.term.dim(f"Ready: {len(info.tool_names)} tools (session {info.session_id}).")

    async def run_turn(self, prompt: str) -> None:
        if self._missing_key:  # the turn would fail the same way: point at the error once given
            self.term.dim(NOT_SENT)
            return
        turn = self.chat.run_turn(prompt, self.files.take())
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
                    turn.decide(await self._answers(event))
        finally:
            if handler_installed:
                loop.remove_signal_handler(signal.SIGINT)
        if self.commands is not None:
            await self.commands.after_turn()

    async def leave(self) -> None:
        """`exit` or the end of input: ask about the app's sandboxes left running."""
        if self.commands is not None and self.connected:
            await self.commands.at_exit()


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
    model: str | None = None,
    plain_http_model: bool = False,
) -> int:
    """The terminal face. `settings_file`: where an "always allow" a person chooses is kept
    (without one it lasts until the terminal closes); `model`: `--model`'s, for this run;
    `plain_http_model`: `--allow-plain-http-model`, for this run and its model's provider."""
    env = dict(os.environ if environ is None else environ)
    stdin = stdin or sys.stdin
    out = stdout or sys.stdout
    err = stderr or sys.stderr
    color = out.isatty() and "NO_COLOR" not in env and env.get("TERM") != "dumb"
    term = Terminal(out, err, color=color)
    dotenv = read_dotenv((cwd or Path.cwd()) / ".env")
    try:
        chosen = chosen_model(settings.model, model, env, dotenv)
    except ValueError as exc:  # as argparse refuses a bad --model
        term.error(inert(str(exc)))
        return USAGE_EXIT
    settings = settings.model_copy(update={"model": chosen.model})
    if plain_http_model:  # the provider the run starts on, not one /model switches to
        settings = settings.with_plain_http_for_model()

    def credentials_for(model: str) -> Credentials:
        # Only the keys this model needs: a locked keyring is not asked for others.
        wanted = keys_wanted(model)
        found = resolve_credentials(store, settings.user_id, env, dotenv, wanted=wanted)
        if known_secrets is not None:
            known_secrets(*found.secret_values())
        return found

    credentials = credentials_for(chosen.model)
    locked = keyring_problem(credentials, for_chat(chosen.model))
    if locked is not None:  # no turn could run: say so, end
        term.error(terminal_text(locked.message, locked.fix, keyring=store.is_secure))
        return KEYRING_UNREADABLE_EXIT
    consent = ConsentState(
        rules=settings.always_allowed,
        ask_for_reads=settings.ask_before_reads,
        on_rule=None if settings_file is None else partial(_keep_rule, settings_file, term),
    )
    session = ChatSession(
        settings, credentials, Endpoints.from_environ(env), Timeouts(), consent=consent
    )
    reader = LineReader(stdin)
    hosts = session.endpoints.composio_hosts
    memory = MemoryConversation()  # its id, its turns and own budget, in memory
    conversation = lambda: memory.conversation_id  # noqa: E731
    service = SandboxService(lambda: session, SandboxRates.of(settings))
    ledger = memory.ledger
    # The window's rules: its own budget, else the setting's; its turns and its sandboxes.
    spending = ConversationBudgets(
        ledger, lambda: settings.conversation_budget, service.conversation_cost
    )
    commands = SandboxCommands(
        service,
        term,
        reader,
        settings=settings,
        conversation_id=conversation,
        hosts=hosts,
        ledger=ledger,
        budgets=spending,
        model=lambda: session.model_name,
        settings_file=settings_file,
    )
    budgets = BudgetCommand(term, spending, conversation)
    repl = ChatRepl(
        MemoryChat(session, memory, spending),
        term,
        keyring=store.is_secure,
        reader=reader,
        hosts=hosts,
        commands=commands,
        cwd=cwd,
    )
    mount_files = FileCommands(session.shown_files, term, cwd or Path.cwd(), repl.report)
    term.line("E2B Agent (terminal). Type 'exit' to leave; Ctrl-C stops a reply.")
    term.dim(f"Model: {chosen.model} ({COMMAND} shows or switches it).")
    models = ModelCommand(
        session,
        term,
        chosen,
        credentials_for=credentials_for,
        error=repl.error,
        last_reply=lambda: ledger.last_reply(memory.conversation_id),
    )
    term.dim("Attach files with /attach PATH [PATH...] before your message.")
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
                    runner.run(repl.leave())
                    term.line("Goodbye!")
                    return 0
                if not prompt.strip():
                    continue
                if models.handles(prompt):
                    if models.run(prompt):
                        repl.model_switched()
                    continue
                if is_attach_command(prompt):
                    runner.run(repl.files.run(prompt))
                    continue
                if commands.is_command(prompt):
                    try:
                        runner.run(commands.run(prompt))
                    except KeyboardInterrupt:  # a slow E2B: the session goes on (and asks at exit)
                        term.dim("[stopped]")
                    continue
                if budgets.handles(prompt):
                    runner.run(budgets.run(prompt))
                    continue
                if mount_files.handles(prompt):
                    try:
                        runner.run(mount_files.run(prompt))
                    except KeyboardInterrupt:  # nothing is written by a cut-off download
                        term.dim("[stopped]")
                    continue
                problem = validate_prompt(prompt)
                if problem:
                    term.error(problem)
                    continue
                runner.run(repl.run_turn(prompt))
        finally:
            runner.run(session.aclose())
