"""The status bar's model switcher (`modelSwitcher`): which model answers the next turn of the
open conversation; pick another (or type provider:name) and the conversation goes on with it."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QComboBox, QSizePolicy, QWidget

from desktop.core.config.providers import model_problem, picker_providers
from desktop.ui.tooltips import plain_tooltip

SMALLEST_WIDTH = 40

TIP = (
    "The model that answers the next turn of this conversation (its history goes along). "
    "Pick one, or type provider:name and press Enter; Settings' model is the default."
)


class ModelSwitcher(QComboBox):
    """Emits `model_chosen(model)` for a usable model other than the one shown; a model string
    the settings' check refuses is said in the tooltip and the field turns red."""

    model_chosen = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("modelSwitcher")
        self.setAccessibleName("Model")
        self.setEditable(True)
        self.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
        self.setMinimumContentsLength(14)
        # As wide as its model where there is room; on a small screen (1366x768 at scale 2) it
        # gives way rather than push the window past the screen.
        self.setMinimumWidth(SMALLEST_WIDTH)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        edit = self.lineEdit()
        if edit is not None:
            edit.setObjectName("modelSwitcherEdit")
            edit.setAccessibleName("Model")
            edit.returnPressed.connect(self._on_line_edit_return_pressed)
        self._model = ""
        self._default = ""
        # Each provider's first model, so a switch is one click; the models used come first.
        self._offered = [
            f"{spec.prefix}:{spec.suggestions[0]}"
            for spec in picker_providers()
            if spec.suggestions
        ]
        self.activated.connect(self._on_activated)
        self._refill()

    @property
    def current_model(self) -> str:
        return self._model

    def set_default(self, model: str) -> None:
        """Settings' model (new settings, or at start): shown, and the default of new chats."""
        self._default = model
        self.set_model(model)

    def set_model(self, model: str) -> None:
        """Show `model` as the one answering (without emitting)."""
        self._model = model
        if model and model not in self._offered:
            self._offered.insert(0, model)
        self._refill()
        self._mark(None)

    def _refill(self) -> None:
        self.blockSignals(True)
        self.clear()
        self.addItems(self._offered)
        self.setCurrentText(self._model)
        self.blockSignals(False)
        self.setAccessibleDescription(f"The model answering: {self._model or 'not set'}")

    def _mark(self, problem: str | None) -> None:
        if self.property("invalid") != bool(problem):
            self.setProperty("invalid", bool(problem))
            self.style().unpolish(self)
            self.style().polish(self)
        default = f" (Settings: {self._default})" if self._default else ""
        tip = problem or f"Model: {self._model or 'not set'}{default}. {TIP}"
        self.setToolTip(plain_tooltip(tip))

    def choose(self, text: str) -> bool:
        """Switch to `text` if it is a usable model string; False (and why, in the tooltip)
        when it is not."""
        model = text.strip()
        if not model or model == self._model:
            self.setCurrentText(self._model)
            self._mark(None)
            return False
        problem = model_problem(model)
        if problem:
            self._mark(problem)
            return False
        self.set_model(model)
        self.model_chosen.emit(model)
        return True

    def _on_activated(self, index: int) -> None:
        self.choose(self.itemText(index))

    def _on_line_edit_return_pressed(self) -> None:
        self.choose(self.currentText())
