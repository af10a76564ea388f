"""The whole app on the fakes, attaching files: flow 1 of issue 11 as a person tries it (attach
`sales.csv`, ask "analyze this csv", allow the cell; the chip on the message, the numbers in the
reply; again on reopening), and a big upload cancelled from its progress bar."""

from __future__ import annotations

import json
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QWidget
from pytestqt.qtbot import QtBot

from desktop.desktop_app import DesktopApp
from desktop.ui.chat.message_widget import UserMessageWidget
from desktop.ui.messages import UPLOAD_CANCELLED
from tests.fakes.harness import FakeServices
from tests.fakes.openai_conversation import parse_conversation, user_messages
from tests.integration.mount_helpers import SALES_CSV as SALES
from tests.integration.mount_helpers import mount_files
from tests.ui.app_support import (
    WAIT_MS,
    AppHarness,
    agent_tool_calls,
    click_approve,
    shown_replies,
    wait_idle,
)
from tests.ui.window.test_attach_files import chips


def _ready(qtbot: QtBot, app: DesktopApp) -> None:
    qtbot.waitUntil(
        lambda: app.controller.connection_status.state.value == "ready", timeout=WAIT_MS
    )


def _bubbles(app: DesktopApp) -> list[UserMessageWidget]:
    return app.window.chat_view.findChildren(UserMessageWidget, "userMessage")


def test_flow_1_in_the_window(
    qtbot: QtBot, app_harness: AppHarness, fake_services: FakeServices, tmp_path: Path
) -> None:
    sales = tmp_path / "sales.csv"
    sales.write_text(SALES)
    app = app_harness.start()
    _ready(qtbot, app)
    app.window.composer.attachments.add_paths([sales])
    field = app.window.message_input
    field.setFocus()
    qtbot.keyClicks(field, "analyze this csv")
    qtbot.keyClick(field, Qt.Key.Key_Return)
    click_approve(qtbot, app)  # the workbench cell runs code: a person allows it
    wait_idle(qtbot, app)

    (bubble,) = _bubbles(app)
    assert bubble.text == "analyze this csv"
    assert chips(bubble) == [("sales.csv", f"{len(SALES)} bytes")]
    assert chips(app.window.composer.attachments) == []
    reply = "\n".join(shown_replies(app))
    assert "The mean of the first numeric column is 98.750000." in reply
    assert "The largest total is North (220)." in reply
    assert mount_files(fake_services) == {"sales.csv": SALES.encode()}
    assert not any(r.api_key_sent for r in fake_services.composio.files.presigned_requests)
    asked = user_messages(parse_conversation(fake_services.openai.requests[0].json))[-1]
    assert "- /mnt/files/sales.csv (sales.csv, " in asked
    (call,) = agent_tool_calls(fake_services)
    assert "pd.read_csv('/mnt/files/sales.csv')" in call.arguments["code_to_execute"]

    app.window.close()
    app_harness.close(app)
    again = app_harness.start()  # the conversation reopens with the chip on its message
    _ready(qtbot, again)
    qtbot.waitUntil(lambda: len(_bubbles(again)) == 1, timeout=WAIT_MS)
    assert chips(_bubbles(again)[0]) == [("sales.csv", f"{len(SALES)} bytes")]
    record = _bubbles(again)[0].attachments[0]
    assert (record.sandbox_path, record.mimetype) == ("/mnt/files/sales.csv", "text/csv")


def test_a_big_upload_cancelled_from_its_progress_bar_sends_nothing(
    qtbot: QtBot, app_harness: AppHarness, fake_services: FakeServices, tmp_path: Path
) -> None:
    big = tmp_path / "big.bin"
    with big.open("wb") as handle:
        handle.truncate(40 * 1024 * 1024)
    # The storage takes the connection and reads nothing: the bytes pile up in the sockets
    # until the upload stalls part of the way through.
    fake_services.composio.files.behaviour.presigned_delay = 60
    app = app_harness.start()
    _ready(qtbot, app)
    app.window.composer.attachments.add_paths([big])
    field = app.window.message_input
    qtbot.keyClicks(field, "what is in it?")
    qtbot.keyClick(field, Qt.Key.Key_Return)
    tray = app.window.composer.attachments
    qtbot.waitUntil(lambda: tray.progress_bar.isVisible(), timeout=WAIT_MS)
    assert 0 < tray.progress_bar.value() < tray.progress_bar.maximum()
    assert tray.progress_label.text().startswith("Uploading big.bin: ")
    assert tray.progress_label.text().endswith(" of 40.0 MB")
    qtbot.mouseClick(app.window.findChild(QWidget, "cancelUploadButton"), Qt.MouseButton.LeftButton)
    wait_idle(qtbot, app)
    assert app.window.findChild(QLabel, "composerHint").text() == UPLOAD_CANCELLED
    assert field.toPlainText() == "what is in it?"
    assert [name for name, _ in chips(tray)] == ["big.bin"]
    assert fake_services.openai.requests == []
    assert mount_files(fake_services) == {}
    assert _bubbles(app) == []
    put = [r for r in fake_services.composio.files.presigned_requests if r.method == "PUT"]
    assert len(put) == 1 and not put[0].api_key_sent
    assert json.dumps(put[0].headers).count(fake_services.composio_api_key) == 0
