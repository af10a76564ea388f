"""Settings > Model: the consent to a plain-http model server on another machine, with its
warning, saved to the settings file and read back."""

from __future__ import annotations

from PySide6.QtWidgets import QCheckBox, QLabel
from pytestqt.qtbot import QtBot

from desktop.core.config.settings import Settings
from desktop.ui.messages import PLAIN_HTTP_CHECK
from desktop.ui.settings.endpoint_section import PLAIN_HTTP_WARNING
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


def test_the_consent_is_off_warned_about_and_round_trips_to_the_settings_file(
    qtbot: QtBot,
    flows: Flows,  # noqa: F811
) -> None:
    flow = flows.start(Settings(user_id="alice"))
    dialog = open_dialog(flow, qtbot)
    check = child(dialog, QCheckBox, "allowPlainHttpModelCheck")
    warning = child(dialog, QLabel, "plainHttpWarningLabel")
    assert check.text() == PLAIN_HTTP_CHECK and check.accessibleName() == PLAIN_HTTP_CHECK
    assert check.toolTip() == Settings.model_fields["allow_plain_http_model_endpoint"].description
    assert not check.isChecked() and not warning.isVisible()

    toggle(qtbot, check)
    assert warning.isVisible() and warning.text() == PLAIN_HTTP_WARNING
    assert "unencrypted" in warning.text()
    save(flow, qtbot, dialog)

    assert saved(flows.path)["allow_plain_http_model_endpoint"] is True
    assert flows.configuration.settings.allow_plain_http_model_endpoint
    # The next start reads it back, warning shown; turned off, it is saved off.
    flow = flows.start_on_file()
    dialog = open_dialog(flow, qtbot)
    check = child(dialog, QCheckBox, "allowPlainHttpModelCheck")
    assert check.isChecked() and child(dialog, QLabel, "plainHttpWarningLabel").isVisible()
    toggle(qtbot, check)
    save(flow, qtbot, dialog)
    assert saved(flows.path)["allow_plain_http_model_endpoint"] is False
