"""The question quitting asks while sandboxes this app created still run: Keep running, Pause
all or Kill all, naming how many and their $/hour; the answer can be made the rule."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QCheckBox, QMessageBox, QWidget

from desktop.core.sandboxes.leaving import CHOICE_LABELS, LeaveChoice, LeaveQuestion
from desktop.core.sandboxes.service import SandboxService

_NAMES = {
    LeaveChoice.KEEP: "keepSandboxesButton",
    LeaveChoice.PAUSE: "pauseAllSandboxesButton",
    LeaveChoice.KILL: "killAllSandboxesButton",
}
_ROLES = {
    LeaveChoice.KEEP: QMessageBox.ButtonRole.RejectRole,
    LeaveChoice.PAUSE: QMessageBox.ButtonRole.AcceptRole,
    LeaveChoice.KILL: QMessageBox.ButtonRole.DestructiveRole,
}


def ask_at_quit(
    parent: QWidget,
    question: LeaveQuestion,
    on_answer: Callable[[LeaveChoice, bool], None],
) -> QMessageBox:
    """Ask (non-blocking); `on_answer(choice, remember)`. Esc and Enter keep them running."""
    box = QMessageBox(parent)
    box.setObjectName("sandboxQuitQuestion")
    box.setIcon(QMessageBox.Icon.Question)
    box.setWindowTitle("Sandboxes still running")
    box.setTextFormat(Qt.TextFormat.PlainText)
    box.setText(question.text)
    box.setInformativeText(
        "Running sandboxes are billed by the second after the app closes. Paused ones keep "
        "their files and memory and cost nothing; killed ones are gone for good."
    )
    buttons = {}
    for choice in (LeaveChoice.KEEP, LeaveChoice.PAUSE, LeaveChoice.KILL):
        button = box.addButton(CHOICE_LABELS[choice], _ROLES[choice])
        button.setObjectName(_NAMES[choice])
        buttons[choice] = button
    remember = QCheckBox("Do the same each time I quit")
    remember.setObjectName("rememberQuitChoice")
    box.setCheckBox(remember)
    box.setDefaultButton(buttons[LeaveChoice.KEEP])
    box.setEscapeButton(buttons[LeaveChoice.KEEP])

    def _on_box_finished(_result: int) -> None:
        clicked = box.clickedButton()
        choice = next((c for c, b in buttons.items() if b is clicked), LeaveChoice.KEEP)
        on_answer(choice, remember.isChecked() and clicked is not None)
        box.deleteLater()

    box.finished.connect(_on_box_finished)
    box.open()
    return box


async def settle_before_quit(
    service: SandboxService,
    parent: QWidget,
    remembered: LeaveChoice | None,
    keep_choice: Callable[[str], None],
) -> None:
    """Read the list again (a few seconds at most); if the app's sandboxes still run, do the
    `remembered` answer or ask, keep the answer when asked to, and carry it out."""
    if remembered is LeaveChoice.KEEP:
        return  # the rule is to leave them running: no list to read
    question = await service.before_leaving()
    if question is None:
        return
    if remembered is None:
        answer: asyncio.Future[tuple[LeaveChoice, bool]]
        answer = asyncio.get_running_loop().create_future()
        ask_at_quit(parent, question, lambda choice, keep: answer.set_result((choice, keep)))
        remembered, keep = await answer
        if keep:
            keep_choice(remembered.value)
    await service.leave(remembered, question)
