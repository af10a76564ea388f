"""Code cells in the whole window, on the fakes: the guide's flows as a person sees them, a chart
and the file a run left (saved through its chip, and refused when the URL has expired), and the
same cells after a restart and in the Markdown export."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog, QLabel, QPushButton
from pytestqt.qtbot import QtBot

from desktop.desktop_app import DesktopApp
from desktop.ui.chat.code_cell import CodeCellWidget
from desktop.ui.chat.tool_card import ToolCardWidget
from tests.fakes.harness import FakeServices
from tests.fakes.openai_script import Reply
from tests.integration.test_code_cells import CHART_CODE, WORKBENCH
from tests.ui.app_support import WAIT_MS, AppHarness, shown_replies

needs_node = pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")


def _ask(qtbot: QtBot, app: DesktopApp, prompt: str) -> None:
    """Send `prompt` and allow, once, every action the reply waits for, until it has ended."""
    field = app.window.message_input
    field.setFocus()
    qtbot.keyClicks(field, prompt)
    with qtbot.waitSignal(app.controller.busy_changed, timeout=WAIT_MS):
        qtbot.keyClick(field, Qt.Key.Key_Return)

    def step() -> bool:
        for button in app.window.findChildren(QPushButton, "approveButton"):
            if button.isVisible() and button.isEnabled():
                qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
        return not app.controller.busy

    qtbot.waitUntil(step, timeout=WAIT_MS)


def _cards(app: DesktopApp) -> list[ToolCardWidget]:
    return [e for e in app.window.chat_view.entries() if isinstance(e, ToolCardWidget)]


def _cells(app: DesktopApp) -> list[CodeCellWidget]:
    return [c for c in _cards(app) if isinstance(c, CodeCellWidget)]


def _session_id(services: FakeServices) -> str:
    (session_id,) = services.composio.sessions
    return session_id


@needs_node
def test_the_javascript_check_runs_in_a_bash_cell_and_the_reply_uses_it(
    qtbot: QtBot, app_harness: AppHarness, fake_services: FakeServices
) -> None:
    app = app_harness.start()
    _ask(qtbot, app, "validate this email with JavaScript: a@b")
    (cell,) = _cells(app)
    assert cell.objectName() == "codeCell" and cell.title_label.text() == "Shell"
    assert cell.arguments_label.text() == "in the Composio workbench for this chat"
    assert cell.code_view.toPlainText().startswith("node -e ")
    (out,) = cell.texts
    assert '"valid":false' in out.shown_text
    sandbox = fake_services.composio.sandboxes.get(_session_id(fake_services))
    assert sandbox.commands == [cell.code_view.toPlainText()]
    (reply,) = shown_replies(app)
    assert "`a@b` is not a valid email address" not in reply  # rendered: no backticks
    assert "a@b is not a valid email address, because its domain has no dot" in reply


def test_listing_packages_after_a_new_sandbox_is_labelled_with_where_it_ran(
    qtbot: QtBot, app_harness: AppHarness, fake_services: FakeServices
) -> None:
    before = {box["sandboxID"] for box in fake_services.e2b.sandboxes()}
    app = app_harness.start()
    _ask(qtbot, app, "start a sandbox and list installed packages")
    card, cell = _cards(app)
    assert not isinstance(card, CodeCellWidget)
    assert card.title_label.text() == "E2B_CREATE_SANDBOX" and card.outcome == "success"
    assert isinstance(cell, CodeCellWidget) and cell.code_view.toPlainText() == "pip list"
    assert cell.arguments_label.text() == "in the Composio workbench for this chat"
    (created,) = {box["sandboxID"] for box in fake_services.e2b.sandboxes()} - before
    (reply,) = shown_replies(app)
    assert "come from the Composio workbench for this chat" in reply
    assert f"not from the new E2B sandbox {created}" in reply


def test_a_chart_and_a_file_left_in_the_mount_survive_a_restart_and_the_export(
    qtbot: QtBot, app_harness: AppHarness, fake_services: FakeServices, tmp_path: Path
) -> None:
    fake_services.openai.script.push(
        Reply.tool_call(WORKBENCH, {"code_to_execute": CHART_CODE}), Reply.text("Charted.")
    )
    app = app_harness.start()
    _ask(qtbot, app, "chart my sales")
    (cell,) = _cells(app)
    (image,) = cell.images
    qtbot.waitUntil(lambda: image.decoded is not None, timeout=WAIT_MS)
    (chip,) = cell.chips
    assert chip.name_label.text() == "summary.csv"

    # Save as…: downloaded through its presigned URL, written where the person chose.
    target = tmp_path / "saved" / "summary copy.csv"
    target.parent.mkdir()
    qtbot.mouseClick(chip.save_button, Qt.MouseButton.LeftButton)
    chooser = chip.findChild(QFileDialog, "saveFileDialog")
    assert chooser is not None
    chooser.selectFile(str(target))
    chooser.accept()
    qtbot.waitUntil(lambda: chip.status.property("state") == "saved", timeout=WAIT_MS)
    assert chip.status.text() == f"Saved summary.csv (22 bytes) to {target}."
    mount = fake_services.composio.files.files(_session_id(fake_services))
    assert target.read_bytes() == mount["summary.csv"] == b"month,revenue\nJan,100\n"
    assert all(not r.api_key_sent for r in fake_services.composio.files.presigned_requests)

    # An expired URL: a sentence on the chip, nothing written.
    fake_services.composio.files.behaviour.expired_urls = True
    chip.save_to(str(tmp_path / "again.csv"))
    qtbot.waitUntil(lambda: chip.status.property("state") == "failed", timeout=WAIT_MS)
    assert chip.status.text().startswith("Not saved: ")
    assert not (tmp_path / "again.csv").exists()

    # After a restart the conversation shows the same cell, chart and file.
    app_harness.close(app)
    again = app_harness.start()
    qtbot.waitUntil(lambda: len(_cells(again)) == 1, timeout=WAIT_MS)
    (reloaded,) = _cells(again)
    assert [t.heading.text() for t in reloaded.texts][:2] == ["Output", "Errors (stderr)"]
    qtbot.waitUntil(lambda: reloaded.images[0].decoded is not None, timeout=WAIT_MS)
    assert [c.file.name for c in reloaded.chips] == ["summary.csv"]
    status = reloaded.outputs.findChild(QLabel, "cellStatus")
    assert status is not None and status.text() == "Finished"

    # The Markdown export: the code and output in code blocks, the chart a file beside it.
    conversation_id = again.controller.conversation_id
    assert conversation_id is not None
    exported = tmp_path / "export" / "Sales.md"
    exported.parent.mkdir()
    with qtbot.waitSignal(again.conversations.exported, timeout=WAIT_MS):
        again.conversations.export(conversation_id, "markdown", str(exported))
    text = exported.read_text("utf-8")
    assert "```python" in text and "months: 3" in text
    assert "![image 1-1: " in text and "(Sales_files/cell-1-1.png)" in text
    chart = (tmp_path / "export" / "Sales_files" / "cell-1-1.png").read_bytes()
    assert chart[:8] == b"\x89PNG\r\n\x1a\n"
