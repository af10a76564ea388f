"""Settings > Model: the consent to a plain-http server on another machine, for the provider
picked, with its warning, saved to the settings file and read back, each provider's its own."""

from __future__ import annotations

from PySide6.QtWidgets import QCheckBox, QLabel
from pytestqt.qtbot import QtBot

from desktop.core.config.settings import Settings
from desktop.ui.messages import PLAIN_HTTP_CHECK
from desktop.ui.settings.endpoint_section import PLAIN_HTTP_WARNING
from desktop.ui.settings.settings_dialog import SettingsDialog
from tests.ui.settings.test_consent_section import (
    Flows,
    child,
    flows,  # noqa: F401 -- the fixture
    open_dialog,
    parent,  # noqa: F401 -- the fixture
    save,
    saved,
    toggle,
)
from tests.ui.settings.test_provider_picker import pick

OLLAMA = "ollama:llama3.1"


def _check(dialog: SettingsDialog) -> QCheckBox:
    return child(dialog, QCheckBox, "allowPlainHttpModelCheck")


def _warned(dialog: SettingsDialog) -> bool:
    return child(dialog, QLabel, "plainHttpWarningLabel").isVisible()


def test_the_consent_is_off_warned_about_and_round_trips_to_the_settings_file(
    qtbot: QtBot,
    flows: Flows,  # noqa: F811
) -> None:
    flow = flows.start(Settings(user_id="alice", model=OLLAMA))
    dialog = open_dialog(flow, qtbot)
    check = _check(dialog)
    warning = child(dialog, QLabel, "plainHttpWarningLabel")
    assert check.text() == PLAIN_HTTP_CHECK and check.accessibleName() == PLAIN_HTTP_CHECK
    assert check.toolTip() == Settings.model_fields["plain_http_model_providers"].description
    assert not check.isChecked() and not warning.isVisible()

    toggle(qtbot, check)
    assert warning.isVisible() and warning.text() == PLAIN_HTTP_WARNING
    assert "unencrypted" in warning.text()
    save(flow, qtbot, dialog)

    assert saved(flows.path)["plain_http_model_providers"] == ["ollama"]
    assert flows.configuration.settings.plain_http_model_providers == ("ollama",)
    # The next start reads it back, warning shown; turned off, it is saved off.
    flow = flows.start_on_file()
    dialog = open_dialog(flow, qtbot)
    assert _check(dialog).isChecked() and _warned(dialog)
    toggle(qtbot, _check(dialog))
    save(flow, qtbot, dialog)
    assert saved(flows.path)["plain_http_model_providers"] == []


def test_the_switch_is_the_picked_providers_and_saving_keeps_the_others(
    qtbot: QtBot,
    flows: Flows,  # noqa: F811
) -> None:
    flow = flows.start(
        Settings(user_id="alice", model=OLLAMA, plain_http_model_providers=("ollama", "lmstudio"))
    )
    dialog = open_dialog(flow, qtbot)
    check = _check(dialog)
    assert check.isChecked() and _warned(dialog)  # Ollama's consent

    pick(dialog, "Anthropic")  # not Ollama's: Anthropic has none
    assert not check.isChecked() and not _warned(dialog)
    toggle(qtbot, check)
    assert check.isChecked() and _warned(dialog)
    pick(dialog, "Ollama (local)")
    assert check.isChecked()
    toggle(qtbot, check)  # Ollama's withdrawn
    pick(dialog, "OpenAI (Chat Completions)")
    assert not check.isChecked()
    pick(dialog, "Anthropic")  # the edit is kept while the dialog is open
    assert check.isChecked()
    pick(dialog, "Ollama (local)")
    assert not check.isChecked() and not _warned(dialog)
    pick(dialog, "LM Studio (local)")  # never touched: as saved
    assert check.isChecked()
    save(flow, qtbot, dialog)

    assert saved(flows.path)["plain_http_model_providers"] == ["lmstudio", "anthropic"]
    assert flows.configuration.settings.model.startswith("lmstudio:")
