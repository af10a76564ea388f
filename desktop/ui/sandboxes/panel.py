"""The sandbox panel's widgets: a dock with the list, its buttons and what is wrong.

It only paints a `SandboxView` and says what the person clicked (signals); the presenter
(`desktop.ui.sandboxes.presenter`) asks the service and confirms.
"""

from __future__ import annotations

from collections.abc import Mapping

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QAction, QGuiApplication, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDockWidget,
    QHBoxLayout,
    QLabel,
    QMenu,
    QPushButton,
    QSplitter,
    QToolButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from desktop.core.errors import ErrorKind
from desktop.core.money import money_text
from desktop.core.sandboxes.shown import cell
from desktop.core.sandboxes.view import SandboxView
from desktop.core.sandboxes.words import (
    chat_text,
    countdown_text,
    list_summary,
    started_text,
)
from desktop.ui.sandboxes.columns import (
    CHAT_COLUMN,
    COST_COLUMN,
    ID_COLUMN,
    LEFT_COLUMN,
    METADATA_COLUMN,
    TEMPLATE_COLUMN,
    ColumnFit,
)
from desktop.ui.sandboxes.details import SandboxDetailsWidget
from desktop.ui.sandboxes.texts import metadata_tip, short_metadata
from desktop.ui.tooltips import plain_tooltip

TICKING = (LEFT_COLUMN, COST_COLUMN)  # set each second by `tick`
ID_ROLE = Qt.ItemDataRole.UserRole
CHAT_ROLE = Qt.ItemDataRole.UserRole + 1
EXTEND_CHOICES = ((15 * 60, "Extend by 15 min"), (60 * 60, "Extend by 1 hour"))


def _button(text: str, name: str, tip: str) -> QPushButton:
    button = QPushButton(text)
    button.setObjectName(name)
    button.setAccessibleName(text)
    button.setToolTip(tip)
    return button


class SandboxPanel(QDockWidget):
    refresh_requested = Signal()
    pause_requested = Signal(list)  # the selected ids
    resume_requested = Signal(list)
    kill_requested = Signal(list)
    extend_requested = Signal(str, int)  # id, seconds
    connect_requested = Signal()
    conversation_requested = Signal(str)
    view_shown = Signal(object)  # the SandboxView just painted (the details follow it)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Sandboxes", parent)
        self.setObjectName("sandboxPanel")
        self.setAllowedAreas(
            Qt.DockWidgetArea.RightDockWidgetArea | Qt.DockWidgetArea.BottomDockWidgetArea
        )
        body = QWidget()
        layout = QVBoxLayout(body)
        layout.setContentsMargins(8, 8, 8, 8)
        self.summary_label = QLabel("Not read yet.")
        self.summary_label.setObjectName("sandboxSummary")
        self.summary_label.setTextFormat(Qt.TextFormat.PlainText)
        self.summary_label.setWordWrap(True)
        self.error_label = QLabel()
        self.error_label.setObjectName("sandboxError")
        self.error_label.setTextFormat(Qt.TextFormat.PlainText)
        self.error_label.setWordWrap(True)
        self.error_label.hide()
        self.connect_button = _button("Connect E2B", "connectE2bButton", "Open E2B's Connect Link")
        self.connect_button.hide()
        self.connect_button.clicked.connect(self.connect_requested)
        self.list = QTreeWidget()
        self.list.setObjectName("sandboxList")
        self.columns = ColumnFit(self.list)
        self.list.setRootIsDecorated(False)
        self.list.setUniformRowHeights(True)
        self.list.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.list.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.list.customContextMenuRequested.connect(self._menu)
        self.list.itemSelectionChanged.connect(self._selection_changed)
        self.list.itemClicked.connect(self._clicked)
        copy = QAction("Copy ID", self.list)
        copy.setObjectName("copySandboxIdsAction")
        copy.setShortcut(QKeySequence.StandardKey.Copy)
        copy.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
        copy.triggered.connect(lambda: self.copy_id("\n".join(self.selected_ids())))
        self.list.addAction(copy)
        self.refresh_button = _button("Refresh", "refreshSandboxesButton", "Read the list again")
        self.pause_button = _button("Pause", "pauseSandboxButton", "Pause: memory and files kept")
        self.resume_button = _button("Resume", "resumeSandboxButton", "Resume a paused sandbox")
        self.extend_button = QToolButton()
        self.extend_button.setObjectName("extendSandboxButton")
        self.extend_button.setText("Extend")
        self.extend_button.setAccessibleName("Extend")
        self.extend_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        extend_menu = QMenu(self.extend_button)
        for seconds, label in EXTEND_CHOICES:
            action = extend_menu.addAction(label)
            action.setObjectName(f"extend{seconds // 60}Action")
            action.triggered.connect(lambda _=False, s=seconds: self._extend(s))
        self.extend_button.setMenu(extend_menu)
        self.kill_button = _button("Kill", "killSandboxButton", "Kill: its files and memory lost")
        self.refresh_button.clicked.connect(self.refresh_requested)
        self.pause_button.clicked.connect(lambda: self.pause_requested.emit(self.selected_ids()))
        self.resume_button.clicked.connect(lambda: self.resume_requested.emit(self.selected_ids()))
        self.kill_button.clicked.connect(lambda: self.kill_requested.emit(self.selected_ids()))
        buttons = QHBoxLayout()
        for widget in (
            self.refresh_button,
            self.pause_button,
            self.resume_button,
            self.extend_button,
            self.kill_button,
        ):
            buttons.addWidget(widget)
        buttons.addStretch(1)
        layout.addWidget(self.summary_label)
        layout.addWidget(self.error_label)
        layout.addWidget(self.connect_button)
        layout.addLayout(buttons)
        self.details = SandboxDetailsWidget()  # the one selected sandbox's, under the list
        split = QSplitter(Qt.Orientation.Vertical)
        split.setObjectName("sandboxSplit")
        split.setChildrenCollapsible(False)
        split.addWidget(self.list)
        split.addWidget(self.details)
        split.setSizes([300, 420])  # the details' chart, logs and events need the room
        layout.addWidget(split, 1)
        self.setWidget(body)
        self._titles: Mapping[str, str] = {}
        self._items: dict[str, QTreeWidgetItem] = {}  # by sandbox id: a refresh finds each at once
        self._selection_changed()

    # -- what it shows -----------------------------------------------------------------------
    def selected_ids(self) -> list[str]:
        return [str(item.data(0, ID_ROLE)) for item in self.list.selectedItems()]

    def item(self, sandbox_id: str) -> QTreeWidgetItem | None:
        return self._items.get(sandbox_id)

    def show_view(
        self, view: SandboxView, current: str | None, *, busy: bool = False, problem: str = ""
    ) -> None:
        """Paint the whole list (rows kept, by id, with their selection); `problem`: the last
        action's failure, shown when the list itself has none."""
        selected = set(self.selected_ids())
        wanted = {row.sandbox_id for row in view.rows}
        reshaped = False  # rows came or went, or a text other than a countdown or cost changed
        for index in reversed(range(self.list.topLevelItemCount())):
            item = self.list.topLevelItem(index)
            if item is not None and item.data(0, ID_ROLE) not in wanted:
                self._items.pop(str(item.data(0, ID_ROLE)), None)
                self.list.takeTopLevelItem(index)
                reshaped = True
        muted = self.palette().placeholderText()
        for position, row in enumerate(view.rows):
            box = row.sandbox
            item = self.item(row.sandbox_id)
            if item is None:
                item = QTreeWidgetItem()
                item.setData(0, ID_ROLE, row.sandbox_id)
                self._items[row.sandbox_id] = item
                self.list.insertTopLevelItem(position, item)
                reshaped = True
            chat = chat_text(box, current, self._titles)
            texts = (
                box.sandbox_id,
                box.label,
                box.state,
                started_text(box.started_at, view.at),
                countdown_text(row.seconds_left),
                str(box.cpu_count),
                f"{box.memory_mb} MiB",
                money_text(row.cost),
                chat,
                short_metadata(box),
            )
            for column, text in enumerate(map(cell, texts)):
                if item.text(column) != text:
                    item.setText(column, text)
                    reshaped |= column not in TICKING  # those two are cut if need be
            item.setData(CHAT_COLUMN, CHAT_ROLE, box.conversation_id)
            item.setSelected(row.sandbox_id in selected)
            # What a cut cell hides, whole, in its tooltip.
            item.setToolTip(
                ID_COLUMN,
                plain_tooltip(f"{cell(box.sandbox_id)}: right-click or Ctrl+C to copy it"),
            )
            item.setToolTip(TEMPLATE_COLUMN, plain_tooltip(cell(box.label)))
            opens = f"{cell(chat)}: click to open it" if box.conversation_id else chat
            item.setToolTip(CHAT_COLUMN, plain_tooltip(opens))
            item.setToolTip(METADATA_COLUMN, plain_tooltip(metadata_tip(box)))
            if box.conversation_id is None:
                item.setForeground(CHAT_COLUMN, muted)
        if reshaped:
            self.columns.fit()
        if view.read_at is None and view.error is None:
            summary = "Reading your sandboxes…"
        else:
            summary = list_summary(view)
        self.summary_label.setText(summary)
        error = view.error
        self.show_problem(error.message if error is not None else problem)
        self.connect_button.setVisible(error is not None and error.kind is ErrorKind.NOT_CONNECTED)
        self.refresh_button.setEnabled(not busy)
        self.view_shown.emit(view)

    def tick(self, view: SandboxView) -> None:
        """Once a second: the countdown and the cost so far, nothing else."""
        for row in view.rows:
            item = self.item(row.sandbox_id)
            if item is None:
                continue
            for column, text in (
                (LEFT_COLUMN, countdown_text(row.seconds_left)),
                (COST_COLUMN, money_text(row.cost)),
            ):
                if item.text(column) != text:
                    item.setText(column, text)

    def set_titles(self, titles: Mapping[str, str]) -> None:
        """The app's conversations by id (the Chat column names them)."""
        self._titles = titles

    def show_problem(self, message: str) -> None:
        self.error_label.setText(message)
        self.error_label.setVisible(bool(message))

    # -- what the person does ---------------------------------------------------------------
    def _selection_changed(self) -> None:
        chosen = bool(self.list.selectedItems())
        several = len(self.list.selectedItems()) > 1
        for button in (self.pause_button, self.resume_button, self.kill_button):
            button.setEnabled(chosen)
        self.extend_button.setEnabled(chosen and not several)
        self.pause_button.setText("Pause all" if several else "Pause")
        self.kill_button.setText("Kill all" if several else "Kill")

    def _extend(self, seconds: int) -> None:
        ids = self.selected_ids()
        if len(ids) == 1:
            self.extend_requested.emit(ids[0], seconds)

    def _clicked(self, item: QTreeWidgetItem, column: int) -> None:
        cid = item.data(CHAT_COLUMN, CHAT_ROLE)
        if column == CHAT_COLUMN and cid:
            self.conversation_requested.emit(str(cid))

    def _menu(self, position: object) -> None:
        item = self.list.currentItem()
        if item is None:
            return
        menu = QMenu(self.list)
        copy = menu.addAction("Copy ID")
        copy.setObjectName("copySandboxIdAction")
        sandbox_id = str(item.data(0, ID_ROLE))
        copy.triggered.connect(lambda: self.copy_id(sandbox_id))
        menu.popup(self.list.viewport().mapToGlobal(self.list.visualItemRect(item).center()))

    @staticmethod
    def copy_id(sandbox_id: str) -> None:
        clipboard = QGuiApplication.clipboard()
        clipboard.setText(sandbox_id)
