"""The conversation sidebar: search, the list of conversations, and what can be done to one."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import (
    QItemSelection,
    QModelIndex,
    QPoint,
    QSize,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QFrame,
    QLabel,
    QMenu,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from desktop.ui.sidebar.conversation_dialogs import (
    ExportFormat,
    choose_export_path,
    choose_import_path,
    confirm_delete,
)
from desktop.ui.sidebar.conversation_model import ConversationListModel, SearchResultsModel
from desktop.ui.sidebar.list_widgets import ConversationListView, SearchField

if TYPE_CHECKING:
    from desktop.core.store.records import ConversationSummary, SearchHit

SEARCH_DELAY_MS = 150  # typing pauses this long before a search runs
TIMES_REFRESH_MS = 60_000
EMPTY_LIST = "No conversations yet.\nWhat you ask is kept here."
NO_MATCHES = "No conversation mentions that."
HIT_REPEAT_S = 0.6  # a second open of the same search hit within this is the same click


class ConversationSidebar(QFrame):
    """Lists conversations (newest first, fetched page by page) or search results.

    Emits intents only; the window's owner answers them through the conversation controller.
    Selecting a row (mouse or keyboard) asks to open it; programmatic selection does not.
    """

    conversation_activated = Signal(str)
    search_hit_activated = Signal(str, int)  # conversation id, the turn that matched
    rename_requested = Signal(str, str)  # id, new title
    delete_requested = Signal(str)  # confirmed by the user already
    export_requested = Signal(str, str, str)  # id, "markdown" | "json", file path
    import_requested = Signal(str)  # file path
    search_requested = Signal(str)  # "" when the search was cleared
    page_requested = Signal(int, int)  # offset, limit

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("conversationSidebar")
        self.setAccessibleName("Conversations")
        self._quiet = 0  # >0 while the selection is set by code, not by the user
        # The conversation on screen, as its owner (the chat's `OpenConversation`) says.
        self._current: Callable[[], str | None] = lambda: None
        self._directory: str | None = None  # where the last export or import was

        self.model = ConversationListModel(self)
        self.model.page_requested.connect(self.page_requested)
        self.model.rename_requested.connect(self.rename_requested)
        self.results_model = SearchResultsModel(self)

        self.search_field = SearchField()
        self.search_field.setObjectName("conversationSearchField")
        self.search_field.setAccessibleName("Search conversations")
        self.search_field.setPlaceholderText("Search  (Ctrl+F)")
        self.search_field.setClearButtonEnabled(True)
        self.search_field.textChanged.connect(self._on_search_field_text_changed)
        self.search_field.escape_pressed.connect(self._on_search_field_escape_pressed)
        self.search_field.down_pressed.connect(self._on_search_field_down_pressed)
        self._search_timer = QTimer(self)
        self._search_timer.setSingleShot(True)
        self._search_timer.setInterval(SEARCH_DELAY_MS)
        self._search_timer.timeout.connect(self._on_search_timer_timeout)

        self.list_view = ConversationListView("conversationList", "Conversation list", search=False)
        self.list_view.setModel(self.model)
        self.results_view = ConversationListView(
            "conversationSearchResults", "Search results", search=True
        )
        self.results_view.setModel(self.results_model)
        for view in (self.list_view, self.results_view):
            view.selectionModel().selectionChanged.connect(self._on_view_selection_changed)
            view.activated.connect(self._on_view_activated)
            view.menu_requested.connect(self._on_view_menu_requested)
        # A hit already selected (the conversation on screen) still jumps to its match.
        self.results_view.clicked.connect(self._on_results_view_clicked)
        self._last_hit: tuple[str, int, float] | None = None  # what was opened, and when
        self.stack = QStackedWidget()
        self.stack.addWidget(self.list_view)
        self.stack.addWidget(self.results_view)

        self.placeholder = QLabel(EMPTY_LIST)
        self.placeholder.setObjectName("sidebarPlaceholder")
        self.placeholder.setTextFormat(Qt.TextFormat.PlainText)
        self.placeholder.setAlignment(Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop)
        self.placeholder.setWordWrap(True)
        self.model.rowsInserted.connect(self._update_placeholder)
        self.model.rowsRemoved.connect(self._update_placeholder)
        self.model.modelReset.connect(self._update_placeholder)
        self.results_model.modelReset.connect(self._update_placeholder)
        self.results_model.rowsRemoved.connect(self._update_placeholder)

        self._build_actions()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 10, 0, 0)
        layout.setSpacing(6)
        search_row = QVBoxLayout()
        search_row.setContentsMargins(10, 0, 10, 0)
        search_row.addWidget(self.search_field)
        layout.addLayout(search_row)
        layout.addWidget(self.placeholder)
        layout.addWidget(self.stack, 1)
        self._update_placeholder()

        self._times = QTimer(self)
        self._times.setInterval(TIMES_REFRESH_MS)
        self._times.timeout.connect(self.model.refresh_times)
        self._times.start()

    def sizeHint(self) -> QSize:
        return QSize(270, 600)

    # -- construction ------------------------------------------------------------------------
    def _view_action(self, text: str, name: str, shortcut: str | None) -> QAction:
        action = QAction(text, self)
        action.setObjectName(name)
        if shortcut:
            action.setShortcut(QKeySequence(shortcut))
            # Only while a list has focus: F2 and Delete mean other things elsewhere.
            action.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
            self.list_view.addAction(action)
            self.results_view.addAction(action)
        return action

    def _build_actions(self) -> None:
        self.rename_action = self._view_action("Rename", "renameConversationAction", "F2")
        self.rename_action.triggered.connect(self._on_rename_action_triggered)
        self.export_markdown_action = self._view_action(
            "Export as Markdown…", "exportConversationMarkdownAction", None
        )
        self.export_markdown_action.triggered.connect(self._on_export_markdown_action_triggered)
        self.export_json_action = self._view_action(
            "Export as JSON…", "exportConversationJsonAction", None
        )
        self.export_json_action.triggered.connect(self._on_export_json_action_triggered)
        self.delete_action = self._view_action("Delete…", "deleteConversationAction", "Delete")
        self.delete_action.triggered.connect(self._on_delete_action_triggered)

    # -- reading -----------------------------------------------------------------------------
    @property
    def searching(self) -> bool:
        return self.stack.currentWidget() is self.results_view

    @property
    def active_view(self) -> ConversationListView:
        return self.results_view if self.searching else self.list_view

    def current_conversation_id(self) -> str | None:
        """The conversation of the focused row in the list on show (what actions apply to)."""
        index = self.active_view.currentIndex()
        if not index.isValid():
            return self._current()
        if self.searching:
            return self.results_model.conversation_id(index.row())
        return self.model.conversation_id(index.row())

    def title_of(self, conversation_id: str) -> str | None:
        """The title of a listed conversation (None if it is not fetched or found)."""
        row = self.model.row_of(conversation_id)
        if row >= 0:
            return str(self.model.index(row).data())
        row = self.results_model.row_of(conversation_id)
        if row >= 0:
            return str(self.results_model.index(row).data())
        return None

    def _title_of(self, conversation_id: str) -> str:
        return self.title_of(conversation_id) or "this conversation"

    # -- what the owner tells it -------------------------------------------------------------
    def start(self) -> None:
        """A store is attached: list its conversations from the newest."""
        self.model.start()

    def add_page(self, offset: int, summaries: list[ConversationSummary]) -> None:
        self.model.add_page(offset, summaries)
        self.show_current()

    def put_first(self, summary: ConversationSummary) -> None:
        self._quiet += 1
        try:
            self.model.put_first(summary)
            self.results_model.set_title(summary.id, summary.title)
        finally:
            self._quiet -= 1
        self._update_placeholder()
        self.show_current()

    def set_title(self, conversation_id: str, title: str) -> None:
        self.model.set_title(conversation_id, title)
        self.results_model.set_title(conversation_id, title)

    def remove(self, conversation_id: str) -> None:
        # Qt moves the selection to a neighbour: that must not open it.
        self._quiet += 1
        try:
            self.model.remove(conversation_id)
            self.results_model.remove(conversation_id)
        finally:
            self._quiet -= 1
        self.show_current()

    def show_results(self, query: str, hits: list[SearchHit]) -> None:
        if query != self.search_field.text().strip():
            return  # typed on since: a newer search is on its way
        self.results_model.set_results(query, hits)
        self.stack.setCurrentWidget(self.results_view)
        self.show_current()
        self._update_placeholder()

    def follow(self, current: Callable[[], str | None]) -> None:
        """Mark the conversation `current()` names as the one on screen, now and whenever
        `show_current` is called (without asking to open it again)."""
        self._current = current
        self.show_current()

    def show_current(self, *_args: object) -> None:
        """The conversation on screen may have changed: mark it."""
        current = self._current()
        self._quiet += 1
        try:
            for view, model in (
                (self.list_view, self.model),
                (self.results_view, self.results_model),
            ):
                row = -1 if current is None else model.row_of(current)
                selection = view.selectionModel()
                if row < 0:
                    selection.clearSelection()
                    continue
                index = model.index(row)
                if not selection.isSelected(index):
                    selection.setCurrentIndex(index, selection.SelectionFlag.ClearAndSelect)
        finally:
            self._quiet -= 1

    def focus_search(self) -> None:
        self.search_field.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.search_field.selectAll()

    def clear_search(self) -> None:
        self.search_field.clear()

    # -- dialogs (opened with open(); their answers come back as signals) -----------------------
    def begin_rename(self, conversation_id: str | None = None) -> None:
        conversation_id = conversation_id or self.current_conversation_id()
        if conversation_id is None:
            return
        if self.searching:
            self.clear_search()  # titles are edited in the full list
        row = self.model.row_of(conversation_id)
        if row < 0:
            return
        index = self.model.index(row)
        self.list_view.scrollTo(index)
        self.list_view.setFocus()
        self.list_view.edit(index)

    def ask_delete(self, conversation_id: str | None = None) -> None:
        conversation_id = conversation_id or self.current_conversation_id()
        if conversation_id is None:
            return
        target = conversation_id
        confirm_delete(self, self._title_of(target), lambda: self.delete_requested.emit(target))

    def ask_export(self, fmt: ExportFormat, conversation_id: str | None = None) -> None:
        conversation_id = conversation_id or self.current_conversation_id()
        if conversation_id is None:
            return
        target = conversation_id

        def _on_chosen(path: str) -> None:
            self._directory = str(Path(path).parent)
            self.export_requested.emit(target, fmt, path)

        choose_export_path(self, self._title_of(target), fmt, _on_chosen, directory=self._directory)

    def ask_import(self) -> None:
        def _on_chosen(path: str) -> None:
            self._directory = str(Path(path).parent)
            self.import_requested.emit(path)

        choose_import_path(self, _on_chosen, directory=self._directory)

    # -- intents -----------------------------------------------------------------------------
    def _on_view_selection_changed(self, selected: QItemSelection, _deselected: object) -> None:
        if self._quiet or not selected.indexes():
            return
        self._open(selected.indexes()[0])

    def _on_view_activated(self, index: QModelIndex) -> None:
        self._open(index)

    def _on_results_view_clicked(self, index: QModelIndex) -> None:
        last = self._last_hit
        hit = (
            self.results_model.conversation_id(index.row()),
            self.results_model.turn_id(index.row()),
        )
        if last and last[:2] == hit and time.monotonic() - last[2] < HIT_REPEAT_S:
            return  # its press selected (and opened) it: the release is the same click
        self._open(index)

    def _open(self, index: QModelIndex) -> None:
        if not index.isValid():
            return
        model = index.model()
        turn_id = None
        if model is self.results_model:
            conversation_id = self.results_model.conversation_id(index.row())
            turn_id = self.results_model.turn_id(index.row())
        else:
            conversation_id = self.model.conversation_id(index.row())
        if conversation_id is None:
            return
        if turn_id is not None:  # a match inside the conversation: show it there
            self._last_hit = (conversation_id, turn_id, time.monotonic())
            self.search_hit_activated.emit(conversation_id, turn_id)
            return
        if conversation_id != self._current():
            self.conversation_activated.emit(conversation_id)

    def _on_view_menu_requested(self, pos: QPoint) -> None:
        menu = self.context_menu(pos)
        if menu is not None:
            menu.popup(self.active_view.viewport().mapToGlobal(pos))

    def context_menu(self, pos: QPoint) -> QMenu | None:
        """The menu for the row at `pos` in the list on show (or the current row, when the
        menu key asked); that row becomes current (not opened), so the actions apply to it."""
        view = self.active_view
        index = view.indexAt(pos)
        if not index.isValid():
            index = view.currentIndex()
            if not index.isValid():
                return None
        if view.currentIndex() != index:
            # Current without selecting: the actions apply to it, yet it does not open.
            view.selectionModel().setCurrentIndex(
                index, view.selectionModel().SelectionFlag.NoUpdate
            )
        menu = QMenu(self)
        menu.setObjectName("conversationMenu")
        menu.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        menu.addAction(self.rename_action)
        menu.addSeparator()
        menu.addAction(self.export_markdown_action)
        menu.addAction(self.export_json_action)
        menu.addSeparator()
        menu.addAction(self.delete_action)
        return menu

    def _on_rename_action_triggered(self) -> None:
        self.begin_rename()

    def _on_delete_action_triggered(self) -> None:
        self.ask_delete()

    def _on_export_markdown_action_triggered(self) -> None:
        self.ask_export("markdown")

    def _on_export_json_action_triggered(self) -> None:
        self.ask_export("json")

    def _on_search_field_text_changed(self, text: str) -> None:
        if text.strip():
            self._search_timer.start()
            return
        self._search_timer.stop()
        self.results_model.set_results("", [])
        self.stack.setCurrentWidget(self.list_view)
        self.show_current()
        self._update_placeholder()
        self.search_requested.emit("")

    def _on_search_timer_timeout(self) -> None:
        query = self.search_field.text().strip()
        if query:
            self.search_requested.emit(query)

    def _on_search_field_escape_pressed(self) -> None:
        if self.search_field.text():
            self.search_field.clear()
        else:
            self.list_view.setFocus(Qt.FocusReason.ShortcutFocusReason)

    def _on_search_field_down_pressed(self) -> None:
        view = self.active_view
        view.setFocus(Qt.FocusReason.TabFocusReason)
        # Focus alone makes the first row current without selecting it: select (open) it.
        if not view.selectionModel().hasSelection() and view.model().rowCount() > 0:
            view.setCurrentIndex(view.model().index(0, 0))
            view.selectionModel().select(
                view.currentIndex(), view.selectionModel().SelectionFlag.ClearAndSelect
            )
        elif view is self.results_view and view.currentIndex().isValid():
            self._open(view.currentIndex())  # the open conversation's hit: go to the match

    def _update_placeholder(self, *_args: object) -> None:
        if self.searching:
            empty = self.results_model.rowCount() == 0
            self.placeholder.setText(NO_MATCHES)
        else:
            empty = self.model.rowCount() == 0 and self.model.exhausted
            self.placeholder.setText(EMPTY_LIST)
        self.placeholder.setVisible(empty)
        self.stack.setVisible(not empty)
