"""The main window: the conversation, the composer, actions and status; it never calls the core."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QMenu,
    QPushButton,
    QSplitter,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from desktop.core.events import (
    ToolCallFinished,
    ToolCallStarted,
    TurnCancelled,
    TurnFailed,
    TurnFinished,
)
from desktop.ui.backend import ConnectionStatus
from desktop.ui.chat_view import COLUMN_MAX_WIDTH, ChatView
from desktop.ui.links import UrlOpener
from desktop.ui.message_input import MessageInput
from desktop.ui.status_bar import ConnectionStatusWidget

STOPPED_NOTICE = "Stopped. What arrived is kept."


class MainWindow(QMainWindow):
    """Emits what the person wants (`*_requested`) and renders what it is told.

    The composition root connects the intents to the controller and the controller's signals to
    the `show_*` methods (see `desktop.ui.wiring`). Closing the window only asks: the root
    decides, then calls `close_for_good()`.
    """

    send_requested = Signal(str)
    stop_requested = Signal()
    new_chat_requested = Signal()
    settings_requested = Signal()
    quit_requested = Signal()
    close_requested = Signal()

    def __init__(
        self, parent: QWidget | None = None, *, url_opener: UrlOpener | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("mainWindow")
        self.setWindowTitle("E2B Agent")
        self.setAccessibleName("E2B Agent")
        self.resize(1040, 760)
        self._allow_close = False
        self._busy = False
        self._turn_has_text = False

        self._build_actions()
        self.chat_view = ChatView(url_opener=url_opener)
        self.chat_view.suggestion_chosen.connect(self._on_chat_view_suggestion_chosen)
        self.message_input = MessageInput()
        self.message_input.submitted.connect(self._on_message_input_submitted)
        self.message_input.textChanged.connect(self._on_message_input_text_changed)

        chat_panel = QWidget()
        chat_panel.setObjectName("chatPanel")
        panel_layout = QVBoxLayout(chat_panel)
        panel_layout.setContentsMargins(0, 0, 0, 0)
        panel_layout.setSpacing(0)
        panel_layout.addWidget(self._build_header())
        panel_layout.addWidget(self.chat_view, 1)
        panel_layout.addWidget(self._build_composer())

        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.setObjectName("mainSplitter")
        self.splitter.setChildrenCollapsible(False)
        self.splitter.addWidget(chat_panel)
        self.splitter.setStretchFactor(0, 1)
        self.setCentralWidget(self.splitter)

        self.model_label = QLabel()
        self.model_label.setObjectName("statusModelLabel")
        self.model_label.setTextFormat(Qt.TextFormat.PlainText)
        self.connection_status = ConnectionStatusWidget()
        status_bar = self.statusBar()
        status_bar.setObjectName("statusBar")
        status_bar.setSizeGripEnabled(False)
        status_bar.addWidget(self.connection_status)
        status_bar.addPermanentWidget(self.model_label)
        self.set_model_name("")

        self.setTabOrder(self.message_input, self.send_button)
        self.setTabOrder(self.send_button, self.stop_button)
        self.setTabOrder(self.stop_button, self.new_chat_button)
        self.setTabOrder(self.new_chat_button, self.settings_button)
        self.setTabOrder(self.settings_button, self.menu_button)
        self.setTabOrder(self.menu_button, self.chat_view)
        self.set_busy(False)
        self.message_input.setFocus()

    # -- construction ------------------------------------------------------------------------
    def _action(self, text: str, name: str, shortcut: QKeySequence | str) -> QAction:
        action = QAction(text, self)
        action.setObjectName(name)
        action.setShortcut(QKeySequence(shortcut))
        action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
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

    def _build_header(self) -> QWidget:
        header = QFrame()
        header.setObjectName("chatHeader")
        title = QLabel("E2B Agent")
        title.setObjectName("chatTitle")
        title.setTextFormat(Qt.TextFormat.PlainText)
        subtitle = QLabel("Your E2B sandboxes, by conversation")
        subtitle.setObjectName("chatSubtitle")
        subtitle.setTextFormat(Qt.TextFormat.PlainText)
        self.new_chat_button = QPushButton("New chat")
        self.new_chat_button.setObjectName("newChatButton")
        self.new_chat_button.setAccessibleName("New chat")
        self.new_chat_button.setToolTip("Start a new conversation (Ctrl+N)")
        self.new_chat_button.clicked.connect(self.new_chat_action.trigger)
        self.settings_button = QPushButton("Settings")
        self.settings_button.setObjectName("settingsButton")
        self.settings_button.setAccessibleName("Settings")
        self.settings_button.setToolTip("Keys, model and instructions (Ctrl+,)")
        self.settings_button.clicked.connect(self.settings_action.trigger)
        self.menu_button = QToolButton()
        self.menu_button.setObjectName("menuButton")
        self.menu_button.setText("⋯")
        self.menu_button.setAccessibleName("More")
        self.menu_button.setToolTip("More")
        self.menu_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        menu = QMenu(self.menu_button)
        menu.setObjectName("mainMenu")
        menu.addAction(self.new_chat_action)
        menu.addAction(self.settings_action)
        menu.addSeparator()
        menu.addAction(self.quit_action)
        self.menu_button.setMenu(menu)
        titles = QVBoxLayout()
        titles.setSpacing(0)
        titles.addWidget(title)
        titles.addWidget(subtitle)
        layout = QHBoxLayout(header)
        layout.setContentsMargins(20, 10, 12, 10)
        layout.setSpacing(8)
        layout.addLayout(titles)
        layout.addStretch(1)
        layout.addWidget(self.new_chat_button)
        layout.addWidget(self.settings_button)
        layout.addWidget(self.menu_button)
        return header

    def _build_composer(self) -> QWidget:
        area = QWidget()
        area.setObjectName("composerArea")
        composer = QFrame(area)
        composer.setObjectName("composer")
        composer.setMaximumWidth(COLUMN_MAX_WIDTH - 32)
        self.send_button = QPushButton("Send")
        self.send_button.setObjectName("sendButton")
        self.send_button.setAccessibleName("Send message")
        self.send_button.setToolTip("Send (Enter)")
        self.send_button.setDefault(False)
        self.send_button.clicked.connect(self._on_send_button_clicked)
        self.stop_button = QPushButton("Stop")
        self.stop_button.setObjectName("stopButton")
        self.stop_button.setAccessibleName("Stop the reply")
        self.stop_button.setToolTip("Stop the reply (Esc)")
        self.stop_button.clicked.connect(self._on_stop_action_triggered)
        buttons = QHBoxLayout()
        buttons.setSpacing(6)
        buttons.addWidget(self.stop_button)
        buttons.addWidget(self.send_button)
        row = QHBoxLayout(composer)
        row.setContentsMargins(12, 8, 8, 8)
        row.setSpacing(8)
        row.addWidget(self.message_input, 1)
        row.addLayout(buttons)
        row.setAlignment(buttons, Qt.AlignmentFlag.AlignBottom)
        self.composer_hint = QLabel(area)
        self.composer_hint.setObjectName("composerHint")
        self.composer_hint.setTextFormat(Qt.TextFormat.PlainText)
        self.composer_hint.setWordWrap(True)
        self.composer_hint.hide()
        column = QVBoxLayout()
        column.setSpacing(4)
        column.addWidget(composer)
        column.addWidget(self.composer_hint)
        outer = QHBoxLayout(area)
        outer.setContentsMargins(16, 6, 16, 12)
        outer.addStretch(0)
        outer.addLayout(column, 1)
        outer.addStretch(0)
        return area

    def set_sidebar(self, widget: QWidget, width: int = 260) -> None:
        """Put a panel (the conversation list, later) left of the chat."""
        self.splitter.insertWidget(0, widget)
        self.splitter.setStretchFactor(0, 0)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setSizes([width, max(self.width() - width, 400)])

    # -- intents -----------------------------------------------------------------------------
    def _on_message_input_submitted(self, text: str) -> None:
        if text.strip():
            self.send_requested.emit(text)

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
        self.stop_button.setEnabled(busy)
        self.stop_action.setEnabled(busy)
        self.send_button.setEnabled(not busy)
        self.send_button.setVisible(not busy)
        self.stop_button.setVisible(busy)

    def show_turn_started(self, prompt: str) -> None:
        """The prompt was accepted: move it from the input into the conversation."""
        if self.message_input.toPlainText() == prompt:
            self.message_input.clear()
        self.composer_hint.hide()
        self._turn_has_text = False
        self.chat_view.add_user_message(prompt)

    def show_send_refused(self, reason: str) -> None:
        self.composer_hint.setText(reason)
        self.composer_hint.show()

    def append_text(self, text: str) -> None:
        if text:
            self._turn_has_text = True
            self.chat_view.append_assistant_text(text)

    def show_tool_call_started(self, event: ToolCallStarted) -> None:
        self.chat_view.add_tool_call(event)

    def show_tool_call_finished(self, event: ToolCallFinished) -> None:
        self.chat_view.finish_tool_call(event)

    def show_turn_finished(self, event: TurnFinished) -> None:
        if not self._turn_has_text and event.text.strip():
            self.chat_view.append_assistant_text(event.text)
        self.chat_view.end_turn()

    def show_turn_cancelled(self, event: TurnCancelled) -> None:
        self.chat_view.end_turn()
        self.chat_view.add_notice(STOPPED_NOTICE)

    def show_turn_failed(self, event: TurnFailed) -> None:
        self.chat_view.end_turn()
        self.chat_view.add_error(event.message, event.kind)

    def clear_conversation(self) -> None:
        self.chat_view.clear()
        self.composer_hint.hide()
        self.message_input.setFocus()

    def set_connection_status(self, status: ConnectionStatus) -> None:
        self.connection_status.set_status(status)

    def set_model_name(self, model: str) -> None:
        self.model_label.setText(f"Model: {model}" if model else "Model: not set")
        self.model_label.setAccessibleName(self.model_label.text())
