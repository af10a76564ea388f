"""The approval card of a sandbox creation shows the conversation tag the call will carry."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel
from pytestqt.qtbot import QtBot

from desktop.core.agent.sandbox_tag import CONVERSATION_KEY, tagged_arguments
from desktop.core.config.sandbox_rates import SandboxRates
from desktop.core.config.settings import Settings
from desktop.ui.chat.approval_card import ApprovalCardWidget
from tests.ui.chat.test_approval_card import MULTI, multi, pending

RATES = SandboxRates.of(Settings())  # E2B's published prices, the settings' default


def test_the_card_shows_the_tag_in_the_creates_arguments(qtbot: QtBot) -> None:
    arguments = tagged_arguments(MULTI, multi(("E2B_CREATE_SANDBOX", {"templateID": "base"})), "c7")
    assert arguments is not None
    card = ApprovalCardWidget((pending("c1", MULTI, arguments),), rates=RATES)
    qtbot.addWidget(card)
    shown = [label.text() for label in card.findChildren(QLabel, "approvalArguments")]
    assert len(shown) == 1
    assert CONVERSATION_KEY in shown[0].replace("\u200b", "") and "c7" in shown[0]
