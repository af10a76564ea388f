"""The terminal's sandbox commands, none of which asks the model anything (no tokens):
`/sandboxes` (a table), `/pause ID`, `/resume ID`, `/kill ID` (asks first), `/extend ID
MINUTES`, `/cost`; and the question `exit` asks about the app's sandboxes still running.

An ID may be given whole or by a prefix that only one listed sandbox has. Everything comes from
`desktop.core.sandboxes.SandboxService` over the session's Tool Router connection.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from desktop.cli_table import fit_table
from desktop.core.agent.connect_links import ComposioHosts
from desktop.core.agent.events import TurnEvent
from desktop.core.config.settings import Settings, keep_quit_choice
from desktop.core.conversations.budgets import ConversationBudgets
from desktop.core.conversations.turn_ledger import LedgerTurn, TurnLedger
from desktop.core.errors import ErrorKind
from desktop.core.money import hourly_text, money_text, spent_text
from desktop.core.sandboxes.calls import SandboxError
from desktop.core.sandboxes.leaving import LeaveChoice, LeaveQuestion, remembered_choice
from desktop.core.sandboxes.service import SandboxService
from desktop.core.sandboxes.shown import cut
from desktop.core.sandboxes.view import SandboxRow, SandboxView
from desktop.core.sandboxes.words import (
    chat_text,
    count_text,
    list_summary,
    metadata_text,
    started_text,
    time_left_text,
)
from desktop.line_reader import LineReader
from desktop.terminal import Terminal

COMMANDS = ("/sandboxes", "/pause", "/resume", "/kill", "/extend", "/cost")
USAGE = {
    "/pause": "/pause ID",
    "/resume": "/resume ID",
    "/kill": "/kill ID",
    "/extend": "/extend ID MINUTES",
}
MAX_EXTEND_MINUTES = 24 * 60  # E2B's longest run (Pro); Hobby stops at 60
MIN_PREFIX = 4
ID_CHARS = 40  # an id shown in the table and the answers (E2B's are 20 characters)
QUIT_ANSWERS = {"": LeaveChoice.KEEP, "k": LeaveChoice.KEEP, "keep": LeaveChoice.KEEP}
QUIT_ANSWERS |= {"p": LeaveChoice.PAUSE, "pause": LeaveChoice.PAUSE, "kill": LeaveChoice.KILL}
HEADER = ("ID", "TEMPLATE", "STATE", "STARTED", "LEFT", "vCPU", "RAM", "COST", "CHAT", "METADATA")
# Left out in this order when the terminal is too narrow (METADATA is cut first, while it can be).
LEAVE_OUT_FIRST = (5, 3, 9, 6, 8)  # vCPU, STARTED, METADATA, RAM, CHAT


class SandboxCommands:
    """The commands and the quit question of one terminal session (its conversation is
    `conversation_id()`: the one kept in memory, `MemoryConversation`; its turns are kept in
    `ledger`, its budget is `budgets`' and `model()` is the model the next turn goes to)."""

    def __init__(
        self,
        service: SandboxService,
        term: Terminal,
        reader: LineReader,
        *,
        settings: Settings,
        conversation_id: Callable[[], str],
        hosts: ComposioHosts,
        ledger: TurnLedger,
        budgets: ConversationBudgets,
        model: Callable[[], str],
        settings_file: Path | None = None,
    ) -> None:
        self.service = service
        self.term = term
        self.reader = reader
        self.settings = settings
        self._conversation_id = conversation_id
        self.hosts = hosts
        self.settings_file = settings_file
        self.ledger = ledger
        self.budgets = budgets
        self._model = model
        self._changed = False  # an agent call that may change sandboxes ran since the list

    # -- what the chat tells it ----------------------------------------------------------------
    def observe(self, event: TurnEvent) -> None:
        """A turn's event: whether a call that changes sandboxes ran (its usage goes to
        `ledger` with the turn: `memory_chat.MemoryTurn`)."""
        self._changed |= self.service.observe(event)

    async def after_turn(self) -> None:
        """A turn changed sandboxes: read the list (no tokens) so their cost is counted."""
        if self._changed:
            self._changed = False
            await self.service.refresh()

    # -- commands ------------------------------------------------------------------------------
    @staticmethod
    def is_command(line: str) -> bool:
        words = line.split()
        return bool(words) and words[0].lower() in COMMANDS

    async def run(self, line: str) -> None:
        """Carry out one command line (`is_command` said it is one)."""
        name, *args = line.split()
        name = name.lower()
        try:
            if name == "/sandboxes":
                await self._list()
            elif name == "/cost":
                await self._cost()
            elif len(args) != (2 if name == "/extend" else 1):
                self.term.error(f"Type {USAGE[name]}.")
            elif name == "/extend":
                await self._extend(args[0], args[1])
            else:
                await self._act(name, args[0])
        except SandboxError as exc:
            await self._failed(exc)

    async def _failed(self, error: SandboxError) -> None:
        self.term.error(error.message)
        if error.kind is ErrorKind.NOT_CONNECTED:
            try:
                offers = await self.service.connect_links(self.hosts)
            except SandboxError as failure:  # no link to offer: say why
                self.term.error(failure.message)
                return
            for offer in offers:
                self.term.line(f"  To connect E2B, open this link in your browser ({offer.host}):")
                self.term.line(f"  {offer.url}")

    async def _listed(self) -> SandboxView:
        view = await self.service.refresh()
        if view.error is not None:
            raise view.error
        return view

    async def _list(self) -> None:
        view = await self._listed()
        if not view.rows:
            self.term.line("No running or paused sandboxes.")
            return
        table = [HEADER, *(self._cells(row, view.at) for row in view.rows)]
        fitted = fit_table(
            table, self.term.width, leave_out_first=LEAVE_OUT_FIRST, cuttable=len(HEADER) - 1
        )
        for line in fitted.lines:
            self.term.line(line)
        self.term.dim(list_summary(view))
        if fitted.left_out:
            self.term.dim(f"(Too narrow to show {', '.join(fitted.left_out)}.)")

    def _cells(self, row: SandboxRow, now: datetime) -> tuple[str, ...]:
        box = row.sandbox
        # What E2B sent is cut to a column's width here (and made inert): one sandbox with a
        # 200,000-character id widened every line of the table to it.
        return (
            cut(box.sandbox_id, ID_CHARS),
            cut(box.label, 24),
            cut(box.state, 10),
            started_text(box.started_at, now),
            time_left_text(row.seconds_left),
            str(box.cpu_count),
            f"{box.memory_mb} MiB",
            money_text(row.cost),
            cut(chat_text(box, self._conversation_id(), {}), 30),
            cut(metadata_text(box), 40),
        )

    async def _find(self, given: str) -> SandboxRow | None:
        """The listed sandbox `given` names (whole, or a prefix only one has); the list is
        read again when it does not have it."""
        for view in (self.service.view(), None):
            if view is None:
                view = await self._listed()
            exact = view.row(given)
            if exact is not None:
                return exact
            if len(given) >= MIN_PREFIX:
                found = [row for row in view.rows if row.sandbox_id.startswith(given)]
                if len(found) == 1:
                    return found[0]
        return None

    async def _act(self, name: str, given: str) -> None:
        row = await self._find(given)
        sandbox_id = row.sandbox_id if row else given
        shown = cut(sandbox_id, ID_CHARS)
        if name == "/pause":
            await self.service.pause(sandbox_id)
            self.term.line(f"Paused {shown}: memory and files kept, nothing billed.")
        elif name == "/resume":
            view = await self.service.resume(sandbox_id)
            resumed = view.row(sandbox_id)
            left = time_left_text(resumed.seconds_left if resumed else None)
            self.term.line(f"Resumed {shown}: it runs for {left} unless extended.")
        else:
            box = row.sandbox if row else None
            what = f"{shown} ({cut(box.label, 60)}, {cut(box.state, 10)})" if box else shown
            self.term.write(f"Kill sandbox {what}? Its files and memory are lost for good. [y/N]: ")
            if (await self.reader.readline()).strip().lower() not in ("y", "yes"):
                self.term.line("Not killed.")
                return
            await self.service.kill(sandbox_id)
            self.term.line(f"Killed {shown}.")

    async def _extend(self, given: str, minutes_text: str) -> None:
        try:
            minutes = int(minutes_text)
        except ValueError:
            minutes = 0
        if not 1 <= minutes <= MAX_EXTEND_MINUTES:
            self.term.error(f"MINUTES must be a whole number from 1 to {MAX_EXTEND_MINUTES}.")
            return
        row = await self._find(given)
        sandbox_id = row.sandbox_id if row else given
        shown = cut(sandbox_id, ID_CHARS)
        view = await self.service.extend(sandbox_id, minutes * 60)
        extended = view.row(sandbox_id)
        left = time_left_text(extended.seconds_left if extended else None)
        self.term.line(f"Extended {shown} by {minutes} min: it now ends in {left}.")

    async def _cost(self) -> None:
        conversation_id = self._conversation_id()
        turns = self.ledger.turns(conversation_id)
        spent = self.ledger.spending(conversation_id)
        tokens = spent.usage.input_tokens + spent.usage.output_tokens
        said = f"Model ({self._models(turns)}): {count_text(len(turns), 'turn')}, {tokens:,} "
        said += f"tokens, {spent_text(spent.priced_cost, spent.unpriced_turns)}"
        self.term.line(said + ".")
        if turns:
            last = ", ".join(money_text(turn.usage.cost) for turn in turns[-10:])
            self.term.dim(f"  per turn{' (the last 10)' if len(turns) > 10 else ''}: {last}")
        view = self.service.view()
        try:
            view = await self._listed()
        except SandboxError as exc:
            self.term.error(f"{exc.message} (the sandbox figures are from before)")
        mine = view.for_conversation(conversation_id)
        self.term.line(
            f"Sandboxes of this conversation: {mine.running} running, {mine.paused} paused, "
            f"{money_text(mine.cost)} so far."
        )
        running = count_text(len(view.running))
        self.term.line(f"Running now: {running} at {hourly_text(view.per_hour)}.")
        status = await self.budgets.status(conversation_id)  # what `/budget` says, and checks
        if status.limit is not None:
            self.term.dim(f"  budget: {money_text(status.spent)} of {money_text(status.limit)}")

    def _models(self, turns: tuple[LedgerTurn, ...]) -> str:
        """The model in use now (the person's choice: `/model`, `--model`...), and those its
        earlier turns went to, as the app names them."""
        now = self._model()
        earlier = list(dict.fromkeys(t.model for t in turns if t.model and t.model != now))
        return f"{now}; earlier turns: {', '.join(earlier)}" if earlier else now

    # -- leaving -------------------------------------------------------------------------------
    async def at_exit(self) -> None:
        """Before the terminal closes: the app's sandboxes still running are named with their
        $/hour and the person chooses (or their remembered choice applies)."""
        remembered = remembered_choice(self.settings.sandboxes_at_quit)
        if remembered is LeaveChoice.KEEP:
            return
        question = await self.service.before_leaving()
        error = self.service.view().error
        if question is None:
            if error is not None:
                self.term.error(f"Could not check for sandboxes left running: {error.message}")
            return
        if remembered is not None:
            self.term.dim(f"{question.text} Your setting says: {remembered.value} them.")
            await self._leave(remembered, question)
            return
        self.term.write(f"{question.text} [K]eep running / [p]ause all / kill all (type kill): ")
        line = await self.reader.readline()
        answer = line.strip().lower()
        choice = QUIT_ANSWERS.get(answer)
        if choice is None:
            self.term.dim("  (not an answer: they keep running)")
            choice = LeaveChoice.KEEP
        await self._leave(choice, question)
        # A choice typed out (not the default of an empty line or the end of input) may
        # become the rule.
        if answer in QUIT_ANSWERS and answer and self.settings_file is not None:
            self.term.write("Do the same each time you quit? [y/N]: ")
            if (await self.reader.readline()).strip().lower() in ("y", "yes"):
                keep_quit_choice(self.settings_file, choice.value)
                self.term.dim(f"  (saved: sandboxes_at_quit = {choice.value})")

    async def _leave(self, choice: LeaveChoice, question: LeaveQuestion) -> None:
        outcome = await self.service.leave(choice, question)
        self.term.line(outcome.text)
