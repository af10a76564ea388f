"""The main window: the conversation, the composer, actions and status; it never calls the core."""

from __future__ import annotations

from itertools import pairwise
from typing import TYPE_CHECKING

from PySide6.QtCore import Signal
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import QMainWindow, QVBoxLayout, QWidget

from desktop.ui.chat.activity import Activity
from desktop.ui.chat.chat_view import ChatView
from desktop.ui.window.composer import EDIT_HINT, Composer
from desktop.ui.window.dock_room import SidebarSplitter
from desktop.ui.window.geometry import DEFAULT_SIZE
from desktop.ui.window.header import ChatHeader, window_title
from desktop.ui.window.status_bar import WindowStatusBar

if TYPE_CHECKING:  # the window paints before the core's event and record types are imported
    from desktop.core.agent import events
    from desktop.core.conversations.backend import ConnectionStatus
    from desktop.core.conversations.transcript import HistoryItem
    from desktop.ui.links import UrlOpener


__all__ = ["EDIT_HINT", "MainWindow"]


class MainWindow(QMainWindow):
    """Emits what the person wants (`*_requested`) and renders what it is told.

    The composition root connects the intents to the controller and the controller's signals to
    the `show_*` methods (see `desktop.ui.window.wiring`). Closing the window only asks: the root
    decides, then calls `close_for_good()`.

    The window paints before it is wired: a prompt sent before the root calls `set_ready()` is
    held (shown waiting, "Loading the agent…") and sent then, never dropped.
    """

    send_requested = Signal(str)
    stop_requested = Signal()
    new_chat_requested = Signal()
    settings_requested = Signal()
    quit_requested = Signal()
    close_requested = Signal()
    find_requested = Signal()
    regenerate_requested = Signal()
    edit_resend_requested = Signal(str)  # the edited last message, to replace the last turn
    export_requested = Signal(str)  # "markdown" | "json": the conversation on screen
    import_requested = Signal()
    composing_started = Signal()  # the message box got text: a prompt is on its way
    decision_made = Signal(object)  # tuple[Decision, ...]: a person answered an approval card

    def __init__(
        self,
        parent: QWidget | None = None,
        *,
        url_opener: UrlOpener | None = None,
        staged: bool = False,
    ) -> None:
        """`staged`: build only what the first paint shows; `complete()` builds the rest (the
        services in the status bar, the model switcher, the attached files' tray, the drop
        watching) once it has painted."""
        super().__init__(parent)
        self.setObjectName("mainWindow")
        self.setWindowTitle("E2B Agent")
        self.setAccessibleName("E2B Agent")
        self.resize(DEFAULT_SIZE)
        self._allow_close = False
        self._ready = False  # wired and started: until then a prompt is held
        self._held: str | None = None
        self._handing: str | None = None  # the held prompt, being sent
        self._activity: Activity | None = None
        self._busy = False
        self._turn_has_text = False
        self._editing = False
        self._rewind_available = False
        self._waiting = False  # a decision waits: the window title says so

        self._build_actions()
        self.chat_view = ChatView(url_opener=url_opener)
        self.chat_view.suggestion_chosen.connect(self._on_chat_view_suggestion_chosen)
        self.chat_view.regenerate_requested.connect(self.regenerate_action.trigger)
        self.chat_view.edit_last_requested.connect(self.edit_last_action.trigger)
        self.chat_view.decision_made.connect(self.decision_made)
        self.composer = composer = Composer()
        self.message_input = composer.message_input
        self.send_button, self.stop_button = composer.send_button, composer.stop_button
        self.composer_hint, self.edit_hint = composer.hint, composer.edit_hint
        self.send_button.clicked.connect(self._on_send_button_clicked)
        self.stop_button.clicked.connect(self._on_stop_action_triggered)
        self.message_input.submitted.connect(self._on_message_input_submitted)
        self.message_input.textChanged.connect(self._on_message_input_text_changed)
        self.message_input.edit_last_requested.connect(self._on_message_input_edit_last_requested)
        self.message_input.escape_pressed.connect(self._on_message_input_escape_pressed)

        chat_panel = QWidget()
        chat_panel.setObjectName("chatPanel")
        panel_layout = QVBoxLayout(chat_panel)
        panel_layout.setContentsMargins(0, 0, 0, 0)
        panel_layout.setSpacing(0)
        self.header = header = ChatHeader(self)
        self.title_label, self.menu_button = header.title_label, header.menu_button
        self.new_chat_button, self.settings_button = header.new_chat_button, header.settings_button
        panel_layout.addWidget(header)
        panel_layout.addWidget(self.chat_view, 1)
        panel_layout.addWidget(composer)

        self.splitter = SidebarSplitter()
        self.splitter.setObjectName("mainSplitter")
        self.splitter.setChildrenCollapsible(False)
        self.splitter.addWidget(chat_panel)
        self.splitter.setStretchFactor(0, 1)
        self.setCentralWidget(self.splitter)

        self.status_bar = WindowStatusBar()
        self.setStatusBar(self.status_bar)

        self.stop_action.setEnabled(False)
        self.composer.set_busy(False)
        self.set_rewind_available(False)
        self.set_has_conversation(False)
        self.message_input.setFocus()
        if not staged:
            self.complete()

    def complete(self) -> None:
        """What the first paint goes without (see `staged`); files dropped on the chat are
        attached too."""
        # How a turn's events are shown, imported now rather than at a turn's first event:
        # once the agent's libraries are in (fastmcp brings beartype's import hook, which
        # empties the path importer cache), that first import cost 30 ms mid-turn.
        from desktop.ui.window import turn_events

        self._show_turn_event = turn_events.show_turn_event
        self.composer.complete(drops_also_on=self.chat_view)
        self.status_bar.complete()
        self.connection_status = self.status_bar.connection
        self.model_switcher = self.status_bar.model_switcher
        self.set_busy(self._busy)
        tab_order: list[QWidget] = [self.message_input, self.send_button, self.stop_button]
        tab_order += [self.new_chat_button, self.settings_button, self.menu_button, self.chat_view]
        for first, then in pairwise(tab_order):
            self.setTabOrder(first, then)

    # -- construction ------------------------------------------------------------------------
    def _action(self, text: str, name: str, shortcut: QKeySequence | str | None) -> QAction:
        action = QAction(text, self)
        action.setObjectName(name)
        if shortcut is not None:
            # Qt's default context: this window. The list form: `setShortcut`'s overloads
            # would build the `Qt` namespace before the first paint (`desktop.ui.qt_values`).
            action.setShortcuts([QKeySequence(shortcut)])
        self.addAction(action)
        return action

    def _build_actions(self) -> None:
        self.new_chat_action = self._action("New chat", "newChatAction", "Ctrl+N")
        self.new_chat_action.triggered.connect(self.new_chat_requested)
        self.settings_action = self._action("Settings…", "settingsAction", "Ctrl+,")
        self.settings_action.triggered.connect(self.settings_requested)
        self.quit_action = self._action("Quit", "quitAction", "Ctrl+Q")
        self.quit_action.triggered.connect(self.quit_requested)
        self.stop_action = self._action("Stop", "stopAction", "Esc")
        self.stop_action.triggered.connect(self._on_stop_action_triggered)
        self.find_action = self._action("Search conversations", "findAction", "Ctrl+F")
        self.find_action.triggered.connect(self.find_requested)
        self.regenerate_action = self._action("Regenerate reply", "regenerateAction", "Ctrl+R")
        self.regenerate_action.triggered.connect(self.regenerate_requested)
        # Up in the empty message box does this too (a window-wide Up would steal the arrows).
        self.edit_last_action = self._action("Edit last message", "editLastAction", None)
        self.edit_last_action.triggered.connect(self.start_editing_last)
        self.export_markdown_action = self._action(
            "Export as Markdown…", "exportMarkdownAction", None
        )
        self.export_markdown_action.triggered.connect(
            lambda: self.export_requested.emit("markdown")
        )
        self.export_json_action = self._action("Export as JSON…", "exportJsonAction", None)
        self.export_json_action.triggered.connect(lambda: self.export_requested.emit("json"))
        self.import_action = self._action("Import conversation…", "importAction", "Ctrl+O")
        self.import_action.triggered.connect(self.import_requested)

    def set_sidebar(self, widget: QWidget, width: int = 260) -> None:
        """Put a panel (the conversation list) left of the chat."""
        self.splitter.insertWidget(0, widget)
        self.splitter.setHandleWidth(1)
        self.splitter.setStretchFactor(0, 0)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setSizes([width, max(self.width() - width, 400)])

    # -- intents -----------------------------------------------------------------------------
    def _on_message_input_submitted(self, text: str) -> None:
        if not text.strip():
            return
        if not self._ready:
            self._hold(text)
            return
        if self._editing:
            self.edit_resend_requested.emit(text)
        else:
            self.send_requested.emit(text)

    def _hold(self, text: str) -> None:
        """Sent before the app can send: kept and shown waiting, sent by `set_ready`."""
        if self._held is not None:
            return
        self._held = text
        self.message_input.clear()
        self.composer.set_holding(True)
        self.chat_view.show_activity(Activity.LOADING, text)

    @property
    def held_prompt(self) -> str | None:
        """The prompt sent before the app was ready, waiting to be sent."""
        return self._held

    def set_ready(self) -> None:
        """The app is wired and started: a prompt held meanwhile is sent now, as if just sent
        from the box (so a refusal leaves it in the box, with the reason)."""
        self._ready = True
        held, self._held = self._held, None
        if held is None:
            return
        self.composer.set_holding(False)
        self.chat_view.show_activity(self._activity)
        if not self.message_input.toPlainText().strip():
            self.message_input.setPlainText(held)
        self._handing = held
        try:
            self._on_message_input_submitted(held)
        finally:
            self._handing = None

    def _on_message_input_edit_last_requested(self) -> None:
        self.start_editing_last()

    def _on_message_input_escape_pressed(self) -> None:
        self.cancel_editing()

    def start_editing_last(self) -> bool:
        """Put the last message back in the box; sending it replaces the last turn."""
        prompt = self.chat_view.last_prompt()
        if not self._rewind_available or prompt is None:
            return False
        self._editing = True
        self.message_input.setPlainText(prompt)
        self.message_input.setFocus()
        self.message_input.moveCursor(self.message_input.textCursor().MoveOperation.End)
        self.composer_hint.hide()
        self.edit_hint.show()
        return True

    def cancel_editing(self, *, clear: bool = True) -> None:
        if not self._editing:
            return
        self._editing = False
        self.edit_hint.hide()
        if clear:
            self.message_input.clear()

    def _on_send_button_clicked(self) -> None:
        self._on_message_input_submitted(self.message_input.toPlainText())
        self.message_input.setFocus()

    def _on_stop_action_triggered(self) -> None:
        if self._busy:
            self.stop_requested.emit()

    def _on_chat_view_suggestion_chosen(self, text: str) -> None:
        self.message_input.setPlainText(text)
        self.message_input.setFocus()
        self.message_input.moveCursor(self.message_input.textCursor().MoveOperation.End)

    def _on_message_input_text_changed(self) -> None:
        self.composer_hint.hide()
        if self.message_input.document().characterCount() > 1:  # 1: the empty block's end
            self.composing_started.emit()

    def closeEvent(self, event: QCloseEvent) -> None:
        if self._allow_close:
            event.accept()
            return
        event.ignore()
        self.close_requested.emit()

    def close_for_good(self) -> None:
        """Close without asking again (the root calls this once it has shut down)."""
        self._allow_close = True
        self.close()

    # -- rendering ---------------------------------------------------------------------------
    @property
    def busy(self) -> bool:
        return self._busy

    def set_busy(self, busy: bool) -> None:
        self._busy = busy
        self.stop_action.setEnabled(busy)
        self.composer.set_busy(busy)
        self.model_switcher.setEnabled(not busy)  # a switch applies between turns

    def show_turn_started(self, prompt: str) -> None:
        """The prompt was accepted: move it from the input into the conversation."""
        self.cancel_editing(clear=False)
        if self.message_input.toPlainText() == prompt:
            self.message_input.clear()
        self.composer_hint.hide()
        self._turn_has_text = False
        self.chat_view.add_user_message(prompt)

    def show_send_refused(self, reason: str) -> None:
        typed = self.message_input.toPlainText()
        if self._handing is not None and typed != self._handing:  # back in the box, first
            self.message_input.setPlainText(f"{self._handing}\n\n{typed}")
        self.composer_hint.setText(reason)
        self.composer_hint.show()

    def show_activity(self, activity: Activity | None) -> None:
        """What the running turn awaits before it shows anything (the agent loading, the model
        thinking); None: nothing, or the turn shows its own progress."""
        self._activity = activity
        self.chat_view.show_activity(
            activity if self._held is None else Activity.LOADING, self._held
        )

    def show_turn_event(self, event: events.TurnEvent) -> None:
        """One event of the running turn, as the controller passes it on."""
        if self._show_turn_event(self.chat_view, event, text_shown=self._turn_has_text):
            self._turn_has_text = True

    def clear_conversation(self) -> None:
        self.cancel_editing()
        self.chat_view.clear()
        self.composer_hint.hide()
        self.message_input.setFocus()

    def show_history(self, items: list[HistoryItem]) -> None:
        """A stored conversation (or the current one, rebuilt): replaces what is shown."""
        self.cancel_editing()
        self.composer_hint.hide()
        self.chat_view.load_history(items)

    def reveal_history_entry(self, index: int) -> None:
        """Bring an entry of the history just shown (the turn a search found) into view."""
        self.chat_view.reveal(index)

    def show_history_failed(self, message: str) -> None:
        self.chat_view.clear()
        self.chat_view.add_error(message)

    def show_message(self, text: str) -> None:
        """A passing note in the status bar (e.g. where an export was written)."""
        self.status_bar.show_message(text)

    def set_rewind_available(self, available: bool) -> None:
        """Whether the last turn can be asked again or edited (stored, and nothing runs)."""
        self._rewind_available = available
        self.regenerate_action.setEnabled(available)
        self.edit_last_action.setEnabled(available)
        self.chat_view.set_turn_actions_visible(available)
        if not available and self._editing and not self._busy:
            self.cancel_editing()

    def set_conversation_title(self, title: str | None) -> None:
        """The open conversation's title in the header and the window title."""
        self.header.set_title(title)
        self.setWindowTitle(window_title(title, waiting=self._waiting))

    def set_waiting_for_decision(self, waiting: bool) -> None:
        """The running turn waits for a person's decision: the window title starts with it."""
        self._waiting = waiting
        self.setWindowTitle(window_title(self.header.title, waiting=waiting))

    def set_has_conversation(self, present: bool) -> None:
        """Export applies to a stored conversation only."""
        self.export_markdown_action.setEnabled(present)
        self.export_json_action.setEnabled(present)

    def set_connection_status(self, status: ConnectionStatus) -> None:
        self.connection_status.set_status(status)

    def set_model_name(self, model: str) -> None:
        self.status_bar.set_model_name(model)
