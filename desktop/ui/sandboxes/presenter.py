"""The sandbox panel's presenter: builds the dock, its toggle (a button and Ctrl+Shift+B,
remembered across restarts), the status bar's `costLabel` and the conversation header's
"N sandboxes running from this chat"; refreshes on the schedule the service keeps (only while
the panel is on screen and the window not minimised); asks before Kill and before Pause all /
Kill all; asks at quit about the app's sandboxes still running.

Every decision is the service's (`desktop.core.sandboxes.service.SandboxService`); nothing here
asks the model anything.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Coroutine, Mapping, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

from PySide6.QtCore import QEvent, QObject, QSettings, Qt, QTimer
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QLabel, QMainWindow, QToolButton

from desktop.core.agent import events
from desktop.core.agent.connect_links import ComposioHosts
from desktop.core.money import money_text, spent_text
from desktop.core.sandboxes.calls import SandboxError
from desktop.core.sandboxes.leaving import LeaveOutcome, ResumeOutcome, remembered_choice
from desktop.core.sandboxes.service import SandboxService
from desktop.core.sandboxes.shown import cell
from desktop.core.sandboxes.view import SandboxView
from desktop.core.sandboxes.words import count_text, running_cost_text, running_from_chat
from desktop.ui.confirm import Choice, ask_to_confirm
from desktop.ui.links import Links, open_web_url
from desktop.ui.sandboxes.details import DetailsFollower
from desktop.ui.sandboxes.panel import SandboxPanel
from desktop.ui.sandboxes.quit_question import settle_before_quit

log = logging.getLogger(__name__)

SHORTCUT = "Ctrl+Shift+B"
TICK_MS = 1000
PANEL_WIDTH = 720  # what the dock asks for; a narrower window gives what it can spare
COST_MIN_WIDTH = 1
COST_ROOM = 900  # the window's width from which the status bar shows costLabel
_VISIBLE_KEY = "sandboxes/panel_visible"
ModelToday = Callable[[], Awaitable[tuple[Decimal | None, int]]]  # priced sum, unpriced turns
MakeRoom = Callable[[int], None]  # the window gives the panel that many pixels, or what it can


class SandboxPresenter(QObject):
    def __init__(
        self,
        service: SandboxService,
        window: QMainWindow,
        *,
        hosts: ComposioHosts,
        current_conversation: Callable[[], str | None],
        quit_setting: Callable[[], str],
        keep_quit_choice: Callable[[str], None],
        model_today: ModelToday | None = None,
        titles: Callable[[], Mapping[str, str]] | None = None,
        state_file: Path | None = None,
        links: Links | None = None,
        subtitle: QLabel | None = None,
        make_room: MakeRoom,
    ) -> None:
        super().__init__(window)
        self.service = service
        self.window = window
        self.hosts = hosts
        self._current = current_conversation
        self._quit_setting = quit_setting
        self._keep_quit_choice = keep_quit_choice
        self._model_today = model_today
        self._titles = titles or dict  # the app's conversations by id, as the sidebar has them
        self._state_file = state_file
        self.links = links or Links()  # the window's: its opener (a recorder in tests)
        self._make_room = make_room
        self.model_cost: Decimal | None = None  # today's, where a price was known
        self.model_unpriced = 0  # today's turns at a price nobody knew
        self._model_read = False
        self._sized = False
        self._problem = ""  # the last action's failure, as a sentence, until the next action
        self._tasks: set[asyncio.Task[Any]] = set()
        self.panel = panel = SandboxPanel(window)
        panel.hide()
        window.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, panel)
        self.toggle_action: QAction = panel.toggleViewAction()
        self.toggle_action.setObjectName("sandboxPanelAction")
        self.toggle_action.setText("Sandboxes")
        self.toggle_action.setShortcut(QKeySequence(SHORTCUT))
        self.toggle_action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        window.addAction(self.toggle_action)
        self.toggle_button = QToolButton()
        self.toggle_button.setObjectName("sandboxPanelButton")
        self.toggle_button.setDefaultAction(self.toggle_action)
        self.toggle_button.setToolTip(f"Show or hide your sandboxes ({SHORTCUT})")
        self.toggle_button.setAccessibleName("Sandboxes")
        self.cost_label = QLabel("Today: —")
        self.cost_label.setObjectName("costLabel")
        self.cost_label.setTextFormat(Qt.TextFormat.PlainText)
        self.cost_label.setAccessibleName("Cost")
        self.cost_label.setMinimumWidth(COST_MIN_WIDTH)  # a small screen cuts it, the window fits
        window.statusBar().addPermanentWidget(self.cost_label)
        if window.isVisible():  # else its first Resize decides
            self.cost_label.setVisible(window.width() >= COST_ROOM)
        self.subtitle = subtitle  # the chat header's second line, or None (no header)
        self._subtitle_text = self.subtitle.text() if self.subtitle is not None else ""
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.timeout.connect(self._on_timer)
        self.ticker = QTimer(self)
        self.ticker.setInterval(TICK_MS)
        self.ticker.timeout.connect(self._on_tick)
        panel.visibilityChanged.connect(self._on_visibility)
        panel.refresh_requested.connect(self.refresh_now)
        panel.pause_requested.connect(self.pause)
        panel.resume_requested.connect(self.resume)
        panel.kill_requested.connect(self.kill)
        panel.extend_requested.connect(self.extend)
        panel.connect_requested.connect(self.connect_e2b)
        window.installEventFilter(self)
        self.details = DetailsFollower(service, panel, self._run)
        self.render()

    # -- on screen or not --------------------------------------------------------------------
    def restore(self) -> None:
        """Show the panel if it was open when the app last closed."""
        if self._state_file is not None and self._state_file.is_file():
            settings = QSettings(str(self._state_file), QSettings.Format.IniFormat)
            if str(settings.value(_VISIBLE_KEY, "false")).lower() == "true":
                self.panel.show()

    def keep_state(self) -> None:
        """Keep whether the panel is open, for the next start (`restore`)."""
        if self._state_file is None:
            return
        settings = QSettings(str(self._state_file), QSettings.Format.IniFormat)
        settings.setValue(_VISIBLE_KEY, "true" if self.panel.isVisible() else "false")
        settings.sync()

    def on_screen(self) -> bool:
        return self.panel.isVisible() and not self.window.isMinimized()

    def _on_visibility(self, _visible: bool) -> None:
        self._follow_screen()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.window and event.type() == QEvent.Type.WindowStateChange:
            self._follow_screen()
        elif watched is self.window and event.type() == QEvent.Type.Resize:
            # A small screen's status bar has no room: the label steps aside (the panel says it).
            self.cost_label.setVisible(self.window.width() >= COST_ROOM)
        return False

    def _follow_screen(self) -> None:
        if self.on_screen():
            if not self._sized:  # wide enough for its columns the first time it opens
                self._sized = True
                self._make_room(PANEL_WIDTH)
            self.service.schedule.show()
            self.ticker.start()
            self.render()
        else:
            self.service.schedule.hide()
            self.ticker.stop()
        self.arm()

    # -- refreshing ----------------------------------------------------------------------------
    def arm(self) -> None:
        """Set the timer to the schedule's next refresh (none planned: stopped)."""
        delay = self.service.schedule.delay()
        if delay is None:
            self.timer.stop()
            return
        self.timer.start(int(delay * 1000))

    def refresh_now(self) -> None:
        """Read the list at once (the button), whatever the back-off says."""
        if not self.service.schedule.running:
            self.timer.stop()
            self._run(self._refresh())

    def _on_timer(self) -> None:
        self._run(self._refresh())

    async def _refresh(self) -> None:
        await self.service.refresh()
        self.render()
        self.arm()

    def _run(self, work: Coroutine[Any, Any, None]) -> None:
        task = asyncio.ensure_future(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def observe(self, event: events.TurnEvent) -> None:
        """A turn's event (the controller's `turn_event`)."""
        if self.service.observe(event):
            self.arm()
        elif isinstance(event, events.TurnFinished | events.TurnFailed | events.TurnCancelled):
            self.count_model_cost()  # a stopped or failed turn's requests cost too

    def count_model_cost(self) -> None:
        if self._model_today is None:
            return
        today = self._model_today

        async def read() -> None:
            try:
                self.model_cost, self.model_unpriced = await today()
                self._model_read = True
            except Exception:  # the label keeps its last figure; why goes to the log
                log.warning("today's model cost could not be read", exc_info=True)
            self.render_cost(self.service.view())

        self._run(read())

    # -- painting ------------------------------------------------------------------------------
    def on_titles_changed(self, _first: object, _last: object, roles: Sequence[int] = ()) -> None:
        """The sidebar's rows changed: the Chat column follows their titles, not the sidebar's
        clock ("5 min ago", every minute) nor its other roles."""
        display = Qt.ItemDataRole.DisplayRole
        if not roles or any(role in (display, display.value) for role in roles):
            self.render()

    def render(self, *_shown: object) -> None:
        view = self.service.view()
        if self.panel.isVisible():
            self.panel.set_titles(self._titles())
            self.panel.show_view(
                view, self._current(), busy=self.service.schedule.running, problem=self._problem
            )
        self.render_cost(view)
        self.render_header(view)

    def render_cost(self, view: SandboxView) -> None:
        read = self._model_today is not None and self._model_read
        model = spent_text(self.model_cost, self.model_unpriced) if read else "—"
        self.cost_label.setText(f"Today: {model} model · {running_cost_text(view)}")
        self.cost_label.setToolTip(
            f"{count_text(len(view.running))} running; the model's cost comes from its usage."
        )

    def render_header(self, view: SandboxView) -> None:
        if self.subtitle is None:
            return
        current = self._current()
        mine = view.for_conversation(current) if current else None
        text = self._subtitle_text
        if mine is not None and (mine.running or mine.paused):
            paused = f", {mine.paused} paused" if mine.paused else ""
            text = f"{running_from_chat(mine.running)}{paused} · {money_text(mine.cost)} so far"
        self.subtitle.setText(text)
        self.subtitle.setToolTip(text)  # whole, when a narrow window cuts the line

    def _on_tick(self) -> None:
        view = self.service.view()
        self.panel.tick(view)
        self.render_cost(view)

    # -- the person's actions ------------------------------------------------------------------
    def _act(self, work: Callable[[], Awaitable[object]]) -> None:
        async def act() -> None:
            self._say("")
            try:
                done = await work()
            except SandboxError as exc:
                self._say(exc.message)
            else:  # "Pause all" / "Kill all": some may have failed while the others went
                match done:
                    case (_, LeaveOutcome() | ResumeOutcome() as outcome) if outcome.failed:
                        self._say(outcome.text)
            self.render()
            self.arm()

        self._run(act())

    def _named(self, ids: list[str]) -> str:
        view = self.service.view()
        names = []
        for sandbox_id in ids:
            row = view.row(sandbox_id)
            # From E2B: cut and inert as in the list (a direction mark would reorder the question).
            shown = cell(sandbox_id)
            names.append(f"{shown} ({cell(row.sandbox.label)})" if row else shown)
        return ", ".join(names)

    def _say(self, problem: str) -> None:
        self._problem = problem
        self.panel.show_problem(problem)

    def pause(self, ids: list[str]) -> None:
        if len(ids) == 1:
            self._act(lambda: self.service.pause(ids[0]))
        elif ids:
            self._confirm(
                "pauseSandboxesConfirm",
                f"Pause {len(ids)} sandboxes?",
                f"{self._named(ids)}: their memory and files are kept, nothing is billed.",
                Choice("Pause all", "confirmPauseButton", "Pause all"),
                lambda: self.service.pause_all(ids),
            )

    def resume(self, ids: list[str]) -> None:
        if len(ids) == 1:
            self._act(lambda: self.service.resume(ids[0]))
        elif ids:
            self._act(lambda: self.service.resume_all(ids))

    def extend(self, sandbox_id: str, seconds: int) -> None:
        self._act(lambda: self.service.extend(sandbox_id, seconds))

    def kill(self, ids: list[str]) -> None:
        if not ids:
            return
        several = len(ids) > 1
        self._confirm(
            "killSandboxConfirm",
            f"Kill {len(ids)} sandboxes?" if several else f"Kill sandbox {self._named(ids)}?",
            (f"{self._named(ids)}: their" if several else "Its")
            + " files and memory are lost for good.",
            Choice("Kill all" if several else "Kill", "confirmKillButton", "Kill"),
            (lambda: self.service.kill_all(ids))
            if several
            else (lambda: self.service.kill(ids[0])),
        )

    def _confirm(
        self, name: str, text: str, detail: str, act: Choice, work: Callable[[], Awaitable[object]]
    ) -> None:
        def answered(yes: bool) -> None:
            if yes:
                self._act(work)

        ask_to_confirm(
            self.window,
            name=name,
            title=text,
            text=text,
            detail=detail,
            act=act,
            safe=Choice("Cancel", "cancelSandboxButton", "Cancel"),
            on_answer=answered,
        )

    def connect_e2b(self) -> None:
        async def connect() -> None:
            try:
                offers = await self.service.connect_links(self.hosts)
            except SandboxError as exc:
                self._say(exc.message)
                return
            if not offers:
                self._say("Composio gave no Connect Link for E2B: try again.")
                return
            if not open_web_url(offers[0].url, self.links.opener):
                self._say(f"No browser opened. To connect E2B, open this link: {offers[0].url}")

        self._run(connect())

    # -- quitting -----------------------------------------------------------------------------
    def before_quit(self, then: Callable[[], None]) -> None:
        """Ask about the app's sandboxes still running (or do the remembered answer), then
        `then()`; with none running, `then()` at once after a refresh."""
        remembered = remembered_choice(self._quit_setting())  # type: ignore[arg-type]

        async def check() -> None:
            try:
                await settle_before_quit(
                    self.service, self.window, remembered, self._keep_quit_choice
                )
            except Exception:  # quitting never stops on it; why goes to the log
                log.exception("the quit question failed")
            finally:
                then()

        self._run(check())

    async def aclose(self) -> None:
        """At shutdown, the window still open: keep whether the panel is, then stop."""
        self.keep_state()
        self.timer.stop()
        self.ticker.stop()
        for task in list(self._tasks):
            task.cancel()
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)
