"""Settings > Permissions: the ask-before-reads switch and the rules, listed, revoked, saved."""

from __future__ import annotations

import json
import threading
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

import pytest
import qasync
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QCheckBox, QLabel, QListWidget, QPushButton, QWidget
from pytestqt.qtbot import QtBot

from desktop.core.agent.service_check import ConnectionReport
from desktop.core.config.configuration import Configuration
from desktop.core.config.secrets import MemorySecretStore, SecretName
from desktop.core.config.settings import ApprovalRule, Settings, save_settings
from desktop.ui.settings.consent_section import NO_RULES
from desktop.ui.settings.settings_dialog import SettingsDialog
from desktop.ui.settings.settings_flow import SettingsFlow

W = TypeVar("W", bound=QWidget)
KEYS = {SecretName.OPENAI_API_KEY: "sk-test-openai", SecretName.COMPOSIO_API_KEY: "ak_test"}
# Local time, so that the list shows 13:40 whatever the machine's zone.
MADE = datetime(2026, 12, 1, 13, 40).astimezone()
LATER = datetime(2026, 12, 2, 9, 5).astimezone()


async def no_probe(settings: Settings, keys: Mapping[SecretName, str]) -> ConnectionReport:
    return ConnectionReport(())


@pytest.fixture
def parent(qtbot: QtBot) -> QWidget:
    widget = QWidget()
    qtbot.addWidget(widget)
    return widget


class Flows:
    """Settings flows over a real Configuration, its file in `path` and keys in memory."""

    def __init__(self, path: Path, parent: QWidget) -> None:
        self.path = path
        self.parent = parent
        self.store = MemorySecretStore()
        for name, value in KEYS.items():
            self.store.set(name, value)

    def start(self, settings: Settings) -> SettingsFlow:
        """The app started on a file holding `settings`."""
        save_settings(self.path, settings)
        return self.start_on_file()

    def start_on_file(self) -> SettingsFlow:
        self.configuration = Configuration(self.path, {}, self.path.parent, secret_store=self.store)
        return SettingsFlow(self.configuration, no_probe, self.parent)


@pytest.fixture
def flows(qasync_loop: qasync.QEventLoop, parent: QWidget, tmp_path: Path) -> Flows:
    return Flows(tmp_path / "settings.json", parent)


def saved(path: Path) -> dict[str, Any]:
    data = json.loads(path.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def open_dialog(flow: SettingsFlow, qtbot: QtBot) -> SettingsDialog:
    flow.open()
    qtbot.waitUntil(lambda: flow.dialog is not None and flow.dialog.isVisible())
    assert flow.dialog is not None
    return flow.dialog


def child(dialog: QWidget, kind: type[W], name: str) -> W:
    widget = dialog.findChild(kind, name)
    assert widget is not None, name
    return widget


def rows(dialog: SettingsDialog) -> list[str]:
    rules = child(dialog, QListWidget, "approvalRulesList")
    return [rules.item(row).text() for row in range(rules.count())]


def save(flow: SettingsFlow, qtbot: QtBot, dialog: SettingsDialog) -> None:
    with qtbot.waitSignal(flow.saved, timeout=5000):
        qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)


def revoke(qtbot: QtBot, dialog: SettingsDialog, slug: str) -> None:
    rules = child(dialog, QListWidget, "approvalRulesList")
    row = next(r for r in range(rules.count()) if f"— {slug} ·" in rules.item(r).text())
    rules.setCurrentRow(row)
    qtbot.mouseClick(child(dialog, QPushButton, "revokeRuleButton"), Qt.MouseButton.LeftButton)


def toggle(qtbot: QtBot, check: QCheckBox) -> None:
    """As a keyboard user does (a click at the middle of a wide check box misses its box)."""
    check.setFocus()
    qtbot.keyClick(check, Qt.Key.Key_Space)


def two_rules() -> Settings:
    return Settings(
        user_id="alice",
        approval_rules=(
            ApprovalRule(slug="E2B_CREATE_SANDBOX", made_at=MADE),
            ApprovalRule(slug="E2B_DELETE_SANDBOXES", made_at=LATER),
        ),
    )


def test_the_switch_round_trips_to_the_settings_file(qtbot: QtBot, flows: Flows) -> None:
    flow = flows.start(Settings(user_id="alice"))
    dialog = open_dialog(flow, qtbot)
    check = child(dialog, QCheckBox, "askBeforeReadsCheck")
    assert check.text() == "Ask before every action, reads too" and not check.isChecked()
    assert check.toolTip() == Settings.model_fields["ask_before_reads"].description

    toggle(qtbot, check)
    save(flow, qtbot, dialog)

    assert saved(flows.path)["ask_before_reads"] is True
    assert flows.configuration.settings.ask_before_reads
    # The next start reads it back; turned off, it is saved off.
    flow = flows.start_on_file()
    dialog = open_dialog(flow, qtbot)
    check = child(dialog, QCheckBox, "askBeforeReadsCheck")
    assert check.isChecked()
    toggle(qtbot, check)
    save(flow, qtbot, dialog)
    assert saved(flows.path)["ask_before_reads"] is False


def test_rules_are_listed_in_words_and_slugs_with_when_they_were_made(
    qtbot: QtBot, flows: Flows
) -> None:
    dialog = open_dialog(flows.start(two_rules()), qtbot)

    assert rows(dialog) == [
        "Start a sandbox — E2B_CREATE_SANDBOX · made 1 Dec 2026, 13:40",
        "Kill sandbox — E2B_DELETE_SANDBOXES · made 2 Dec 2026, 09:05",
    ]
    assert not child(dialog, QLabel, "approvalRulesEmptyLabel").isVisible()
    revoke_button = child(dialog, QPushButton, "revokeRuleButton")
    assert revoke_button.isVisible() and revoke_button.isEnabled()
    for label in dialog.consent.findChildren(QLabel):
        assert label.textFormat() == Qt.TextFormat.PlainText, label.objectName()


def test_revoking_one_of_two_keeps_the_other_once_saved(qtbot: QtBot, flows: Flows) -> None:
    flow = flows.start(two_rules())
    dialog = open_dialog(flow, qtbot)

    revoke(qtbot, dialog, "E2B_DELETE_SANDBOXES")
    assert [row.split(" · ")[0] for row in rows(dialog)] == ["Start a sandbox — E2B_CREATE_SANDBOX"]
    # Like the dialog's other fields, nothing is saved before Save.
    assert len(saved(flows.path)["approval_rules"]) == 2
    save(flow, qtbot, dialog)

    rules = saved(flows.path)["approval_rules"]
    assert [rule["slug"] for rule in rules] == ["E2B_CREATE_SANDBOX"]
    assert datetime.fromisoformat(rules[0]["made_at"]) == MADE
    assert flows.configuration.settings.always_allowed == {"E2B_CREATE_SANDBOX"}


def test_cancel_keeps_a_revoked_rule(qtbot: QtBot, flows: Flows) -> None:
    flow = flows.start(two_rules())
    dialog = open_dialog(flow, qtbot)
    revoke(qtbot, dialog, "E2B_CREATE_SANDBOX")
    revoke(qtbot, dialog, "E2B_DELETE_SANDBOXES")
    empty = child(dialog, QLabel, "approvalRulesEmptyLabel")
    assert empty.isVisible() and empty.text() == NO_RULES
    assert not child(dialog, QListWidget, "approvalRulesList").isVisible()

    qtbot.mouseClick(dialog.cancel_button, Qt.MouseButton.LeftButton)

    assert len(saved(flows.path)["approval_rules"]) == 2
    assert len(flows.configuration.settings.approval_rules) == 2


def test_a_rule_made_while_the_dialog_is_open_is_kept_on_save(qtbot: QtBot, flows: Flows) -> None:
    flow = flows.start(two_rules())
    dialog = open_dialog(flow, qtbot)
    revoke(qtbot, dialog, "E2B_CREATE_SANDBOX")
    dialog.keys.user_id_field.setText("bob")

    # A person chooses "always allow" in a conversation meanwhile (on the agent's thread).
    agent = threading.Thread(target=flows.configuration.keep_rule, args=("E2B_PAUSE_SANDBOX",))
    agent.start()
    agent.join()
    assert "E2B_PAUSE_SANDBOX" not in " ".join(rows(dialog))  # the dialog's copy is stale
    save(flow, qtbot, dialog)

    data = saved(flows.path)
    assert [rule["slug"] for rule in data["approval_rules"]] == [
        "E2B_DELETE_SANDBOXES",
        "E2B_PAUSE_SANDBOX",
    ]
    assert data["user_id"] == "bob"
    assert flows.configuration.settings.always_allowed == {
        "E2B_DELETE_SANDBOXES",
        "E2B_PAUSE_SANDBOX",
    }


def test_a_damaged_files_rules_show_no_rules_and_the_switch_on(qtbot: QtBot, flows: Flows) -> None:
    flows.path.write_text(
        json.dumps(
            {
                "user_id": "alice",
                "approval_rules": [{"slug": "<b>E2B_DELETE_SANDBOXES</b>", "made_at": "soon"}],
                "ask_before_reads": "sometimes",
            }
        ),
        encoding="utf-8",
    )
    dialog = open_dialog(flows.start_on_file(), qtbot)

    assert rows(dialog) == []
    empty = child(dialog, QLabel, "approvalRulesEmptyLabel")
    assert empty.isVisible() and empty.text() == NO_RULES
    assert empty.textFormat() == Qt.TextFormat.PlainText
    assert not child(dialog, QPushButton, "revokeRuleButton").isVisible()
    assert child(dialog, QCheckBox, "askBeforeReadsCheck").isChecked()
    assert dialog.keys.user_id_field.text() == "alice"
