"""The budget of the chat on screen: the ⋯ menu's "Budget for this chat…", the "Raise budget…"
button on a budget-reached message, and the small dialog both open (pre-filled with a higher
amount when raising). Every rule is the core's (`desktop.core.agent.budget`); the budget is
kept with the conversation (`ConversationBudgets`), and its next model request is checked
against it."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine
from decimal import Decimal
from typing import Any

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desktop.core.agent.budget import MAX_BUDGET, NO_BUDGET, BudgetStatus, OwnBudget
from desktop.core.agent.events import TurnFailed
from desktop.core.conversations.budgets import ConversationBudgets
from desktop.core.errors import ErrorKind
from desktop.core.money import money_text
from desktop.core.store.records import StoreError
from desktop.ui.chat.controller import ChatController
from desktop.ui.chat.message_widget import ErrorWidget
from desktop.ui.messages import BUDGET_MENU_TEXT, RAISE_BUDGET_TEXT
from desktop.ui.window.main_window import MainWindow

log = logging.getLogger(__name__)

NOT_STORED = "A budget is kept with a saved chat: send its first message, then set one."


class BudgetDialog(QDialog):
    """What the chat has spent of its budget, and a new amount; `on_chosen` hears the choice
    (an amount, or "off" for none) once, and only if one was made."""

    def __init__(
        self,
        parent: QWidget,
        status: BudgetStatus,
        offered: Decimal,
        on_chosen: Callable[[OwnBudget], None],
    ) -> None:
        super().__init__(parent)
        self.setObjectName("budgetDialog")
        self.setWindowTitle("Budget for this chat")
        self._on_chosen = on_chosen
        self.status_label = QLabel(status.words())
        self.status_label.setObjectName("budgetStatus")
        self.status_label.setTextFormat(Qt.TextFormat.PlainText)
        self.status_label.setWordWrap(True)
        note = QLabel(
            "The agent stops before its next request to the model once the model and the "
            "sandboxes this chat created have cost this much."
        )
        note.setTextFormat(Qt.TextFormat.PlainText)
        note.setWordWrap(True)
        self.amount = QDoubleSpinBox()
        self.amount.setObjectName("budgetAmount")
        self.amount.setAccessibleName("Budget in US dollars")
        self.amount.setPrefix("$")
        self.amount.setDecimals(2)
        self.amount.setRange(0.01, float(MAX_BUDGET))
        self.amount.setValue(float(offered))
        buttons = QDialogButtonBox()
        self.set_button = buttons.addButton("Set budget", QDialogButtonBox.ButtonRole.AcceptRole)
        self.set_button.setObjectName("setBudgetButton")
        self.set_button.setDefault(True)
        self.none_button = buttons.addButton("No budget", QDialogButtonBox.ButtonRole.ActionRole)
        self.none_button.setObjectName("noBudgetButton")
        self.none_button.setToolTip("This chat spends without a limit")
        cancel = buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        cancel.setObjectName("cancelBudgetButton")
        self.set_button.clicked.connect(lambda: self._choose(self.chosen_amount()))
        self.none_button.clicked.connect(lambda: self._choose(NO_BUDGET))
        cancel.clicked.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.status_label)
        layout.addWidget(note)
        layout.addWidget(self.amount)
        layout.addWidget(buttons)

    def chosen_amount(self) -> Decimal:
        """The amount typed, in whole cents as shown (a float never reaches the store). Read
        from the box's value, not its text: in a locale that writes "12,50" the text read
        without its comma was 1250."""
        self.amount.interpretText()
        return Decimal(f"{self.amount.value():.2f}")

    def _choose(self, own: OwnBudget) -> None:
        self._on_chosen(own)
        self.accept()


class BudgetPresenter(QObject):
    """Offers the budget of the chat on screen in the ⋯ menu and on each budget-reached
    message; `budgets()` is the core's over the open store, or over the chat kept in memory
    without one (None: not known yet); `conversation_id()` names the chat (by default the
    stored one on screen: None for a new chat not stored yet)."""

    def __init__(
        self,
        window: MainWindow,
        controller: ChatController,
        budgets: Callable[[], ConversationBudgets | None],
        conversation_id: Callable[[], str | None] | None = None,
    ) -> None:
        super().__init__(window)
        self.window = window
        self.controller = controller
        self._budgets = budgets
        self._conversation_id = conversation_id or (lambda: controller.conversation_id)
        self._tasks: set[asyncio.Task[Any]] = set()
        self.dialog: BudgetDialog | None = None
        self.action = QAction(BUDGET_MENU_TEXT, window)
        self.action.setObjectName("budgetAction")
        self.action.setToolTip("The most this chat may spend, model and sandboxes together")
        self.action.triggered.connect(lambda: self.open_dialog(raising=False))
        window.header.menu.insertAction(window.settings_action, self.action)
        window.header.menu.insertSeparator(window.settings_action)
        controller.turn_event.connect(self._on_controller_turn_event)
        controller.history_loaded.connect(self._on_controller_history_loaded)

    # -- the raise button on each budget-reached message -----------------------------------
    def _on_controller_turn_event(self, event: object) -> None:
        if isinstance(event, TurnFailed) and event.kind is ErrorKind.BUDGET_REACHED:
            self.offer_raise()  # the window drew the message first

    def _on_controller_history_loaded(self, _items: object) -> None:
        self.offer_raise()

    def offer_raise(self) -> None:
        """A "Raise budget…" button on every budget-reached message shown that has none."""
        for entry in self.window.chat_view.entries():
            if not isinstance(entry, ErrorWidget) or entry.kind is not ErrorKind.BUDGET_REACHED:
                continue
            if entry.findChild(QPushButton, "raiseBudgetButton") is not None:
                continue
            button = QPushButton(RAISE_BUDGET_TEXT, entry)
            button.setObjectName("raiseBudgetButton")
            button.setAccessibleName("Raise budget")
            button.setToolTip("Set a higher budget for this chat; the next message then runs")
            button.clicked.connect(lambda: self.open_dialog(raising=True))
            layout = entry.layout()
            if layout is not None:
                layout.addWidget(button)

    # -- the dialog ------------------------------------------------------------------------
    def open_dialog(self, *, raising: bool) -> None:
        """Read the chat's budget, then ask (pre-filled higher when `raising`)."""
        conversation_id = self._conversation_id()
        budgets = self._budgets()
        if conversation_id is None or budgets is None:
            self.window.show_message(NOT_STORED)
            return

        async def read() -> None:
            try:
                status = await budgets.status(conversation_id)
            except StoreError as exc:
                self.window.show_message(str(exc))
                return
            self._ask(budgets, conversation_id, status, raising)

        self._run(read())

    def _ask(
        self,
        budgets: ConversationBudgets,
        conversation_id: str,
        status: BudgetStatus,
        raising: bool,
    ) -> None:
        def chosen(own: OwnBudget) -> None:
            self._run(self._keep(budgets, conversation_id, own))

        if self.dialog is not None:
            self.dialog.close()
        dialog = self.dialog = BudgetDialog(self.window, status, status.offered(raising), chosen)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.finished.connect(lambda _result: self._forget(dialog))
        dialog.open()

    def _forget(self, dialog: BudgetDialog) -> None:
        if self.dialog is dialog:
            self.dialog = None

    async def _keep(
        self, budgets: ConversationBudgets, conversation_id: str, own: OwnBudget
    ) -> None:
        try:
            status = await budgets.set(conversation_id, own)
        except StoreError as exc:
            self.window.show_message(f"The budget was not kept: {exc}")
            return
        said = "no budget" if status.limit is None else f"a budget of {money_text(status.limit)}"
        self.window.show_message(f"This chat has {said} now ({money_text(status.spent)} spent).")

    def _run(self, work: Coroutine[Any, Any, None]) -> None:
        task = asyncio.ensure_future(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def aclose(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)
