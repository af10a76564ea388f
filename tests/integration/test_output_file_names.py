"""Files a run left under names that are not shown as they are (a control and a direction
character, a key, a path over 1,000 characters): both faces show them cleaned, cut and
redacted, and Save as… and `/save` still fetch the real file's bytes."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog
from pytestqt.qtbot import QtBot

from desktop.core.inert import inert
from desktop.core.redaction import MARK
from desktop.core.router.mount_names import safe_file_name
from desktop.desktop_app import DesktopApp
from desktop.ui.chat.code_cell import CodeCellWidget
from desktop.ui.chat.file_chips import OutputFileChip
from tests.fakes.harness import FakeServices
from tests.fakes.openai_script import Reply
from tests.integration.mount_helpers import mount_files
from tests.integration.test_cli import _run_cli
from tests.integration.test_code_cells import WORKBENCH
from tests.ui.app_support import WAIT_MS, AppHarness, send, wait_for

KEY = "sk-" + "abcdef123456"  # key-shaped: no code, screen, row or request may hold it
CONTROL = "note\x1b]0;pwned\x07\u202etxt.csv"  # a title escape and a direction override
KEYED = f"report-{KEY}.csv"
LONG = "/".join(["d" * 200] * 4 + ["long-" + "x" * 195 + ".txt"])  # 1,008 characters
NAMES = {CONTROL: b"control\n", KEYED: b"keyed\n", LONG: b"long\n"}
# The code builds each name from pieces, so that the key is in no code the model wrote.
CODE = f"""\
import os
key = "sk" + "-" + "abcdef123456"
names = {{{CONTROL!r}: b"control\\n", "report-" + key + ".csv": b"keyed\\n", {LONG!r}: b"long\\n"}}
for name, data in names.items():
    path = "/mnt/files/" + name
    os.makedirs(os.path.dirname(path), exist_ok=True)
    open(path, "wb").write(data)
"""
SHOWN = {CONTROL: CONTROL, KEYED: f"report-{MARK}.csv", LONG: LONG[:1000]}
"""Each file's path as its cell shows and the store keeps it."""


def _push_run(services: FakeServices) -> None:
    services.openai.script.push(
        Reply.tool_call(WORKBENCH, {"code_to_execute": CODE}), Reply.text("Written.")
    )


def _session_id(services: FakeServices) -> str:
    (session_id,) = services.composio.sessions
    return session_id


def _model_requests(services: FakeServices) -> str:
    return "\n".join(json.dumps(r.json) for r in services.openai.requests)


def _window_run(
    qtbot: QtBot, harness: AppHarness, services: FakeServices
) -> tuple[DesktopApp, CodeCellWidget, dict[str, OutputFileChip]]:
    """The window after the run: its cell, and the cell's chips by the path each shows."""
    _push_run(services)
    app = harness.start()
    send(qtbot, app, "write three files", approve=True)
    (cell,) = [e for e in app.window.chat_view.entries() if isinstance(e, CodeCellWidget)]
    return app, cell, {chip.file.mount_relative_path: chip for chip in cell.chips}


def test_save_as_fetches_the_real_file_of_a_name_shown_cleaned_cut_or_redacted(
    qtbot: QtBot, app_harness: AppHarness, fake_services: FakeServices, tmp_path: Path
) -> None:
    app, cell, chips = _window_run(qtbot, app_harness, fake_services)
    assert mount_files(fake_services) == NAMES  # the run left them under their real names
    assert set(chips) == set(SHOWN.values())
    keyed = chips[SHOWN[KEYED]]
    assert keyed.name_label.text() == f"report-{MARK}.csv"

    # Save as… through the dialog for one, straight to a path for the others.
    targets = {real: tmp_path / f"saved-{n}.bin" for n, real in enumerate(NAMES)}
    qtbot.mouseClick(keyed.save_button, Qt.MouseButton.LeftButton)
    chooser = keyed.findChild(QFileDialog, "saveFileDialog")
    assert chooser is not None
    chooser.selectFile(str(targets[KEYED]))
    chooser.accept()
    for real in (CONTROL, LONG):
        chips[SHOWN[real]].save_to(str(targets[real]))
    for real, shown in SHOWN.items():
        chip = chips[shown]
        qtbot.waitUntil(lambda c=chip: c.status.property("state") != "running", timeout=WAIT_MS)
        assert chip.status.property("state") == "saved", chip.status.text()
        assert targets[real].read_bytes() == NAMES[real]
    assert keyed.status.text() == f"Saved report-{MARK}.csv (6 bytes) to {targets[KEYED]}."
    assert inert(CONTROL) in chips[CONTROL].status.text()

    # The key reached no screen, row, export or model request; what is stored is as shown.
    screen = "\n".join(
        "\n".join((c.name_label.text(), c.status.text(), c.toolTip(), c.accessibleName()))
        for c in cell.chips
    )
    store, conversation_id = app.conversation_store, app.controller.conversation_id
    assert store is not None and conversation_id is not None
    exported = wait_for(qtbot, store.export_json(conversation_id))
    markdown = wait_for(qtbot, store.export_markdown(conversation_id))
    app_harness.close(app)
    with sqlite3.connect(app_harness.paths.database_file) as database:
        rows = "\n".join(database.iterdump())
    for where, text in {
        "screen": screen,
        "rows": rows,
        "JSON export": exported,
        "Markdown export": markdown,
        "model requests": _model_requests(fake_services),
    }.items():
        assert KEY not in text, where
    assert MARK in rows


def test_save_as_of_a_file_gone_since_the_run_says_so_and_writes_nothing(
    qtbot: QtBot, app_harness: AppHarness, fake_services: FakeServices, tmp_path: Path
) -> None:
    _, _, chips = _window_run(qtbot, app_harness, fake_services)
    (fake_services.composio.files.sandbox(_session_id(fake_services)).mount / KEYED).unlink()
    chip = chips[SHOWN[KEYED]]
    chip.save_to(str(tmp_path / "gone.csv"))
    qtbot.waitUntil(lambda: chip.status.property("state") == "failed", timeout=WAIT_MS)
    assert chip.status.text() == (
        f"Not saved: 'report-{MARK}.csv' is not in the workbench's files: it may have been "
        "renamed or deleted."
    )
    assert not (tmp_path / "gone.csv").exists()


def test_save_in_the_terminal_fetches_the_real_file_of_a_name_shown_cleaned_cut_or_redacted(
    fake_services: FakeServices, tmp_path: Path
) -> None:
    _push_run(fake_services)
    (tmp_path / "copies").mkdir()
    # Each `/save` as the cell's line offers it: the shown path, written inert and quoted.
    control = "'note\\u001b]0;pwned\\u0007\\u202etxt.csv'"
    commands = [
        "write three files",
        "y",
        "/files",
        f"/save {control} copies/control.csv",
        f"/save report-{MARK}.csv",  # into the current folder, under its plain shown name
        f"/save {LONG[:1000]} copies/long.txt",
        "exit",
    ]
    result = _run_cli(fake_services.env(), "\n".join(commands) + "\n", tmp_path)
    out = result.stdout
    assert result.stderr == "", result.stderr
    assert f"file: {inert(CONTROL)} (8 bytes), /save {control} to keep a copy" in out
    assert f"file: report-{MARK}.csv (6 bytes), /save report-{MARK}.csv to keep a copy" in out
    assert f"/save {LONG[:1000]} to keep a copy" in out
    assert f"  report-{MARK}.csv (6 bytes, " in out  # /files lists them as shown too
    assert (tmp_path / "copies" / "control.csv").read_bytes() == NAMES[CONTROL]
    assert (tmp_path / safe_file_name(SHOWN[KEYED])).read_bytes() == NAMES[KEYED]
    assert (tmp_path / "copies" / "long.txt").read_bytes() == NAMES[LONG]
    assert mount_files(fake_services) == NAMES  # nothing changed in the mount
    assert KEY not in out and KEY not in _model_requests(fake_services)
    assert not any(KEY in path.name for path in tmp_path.rglob("*"))


@pytest.mark.parametrize(
    ("name", "problem"),
    [
        (
            "nothing.csv",
            "Error: 'nothing.csv' is not in the workbench's files: it may have been renamed or "
            "deleted. /files lists what there is.\n",
        ),
        (
            f"report-{MARK}.csv",
            f"Error: Several of the workbench's files are shown as 'report-{MARK}.csv', so "
            "which one is meant is not known: ask the agent to rename them, then try again.\n",
        ),
    ],
)
def test_save_in_the_terminal_refuses_a_name_for_no_file_or_several(
    fake_services: FakeServices, tmp_path: Path, name: str, problem: str
) -> None:
    _push_run(fake_services)
    commands = ["write three files", "y", f"/save {name}", "exit"]
    if "Several" in problem:  # another key-shaped name, shown as the first one is
        code = 'open("/mnt/files/report-sk" + "-xyzdef123456.csv", "w").write("x")'
        fake_services.openai.script.push(
            Reply.tool_call(WORKBENCH, {"code_to_execute": code}), Reply.text("One more.")
        )
        commands[2:2] = ["one more", "y"]
    result = _run_cli(fake_services.env(), "\n".join(commands) + "\n", tmp_path)
    assert result.stderr == problem
    assert sorted(p.name for p in tmp_path.iterdir()) == []  # nothing written


def test_a_failed_download_names_the_file_as_shown_never_by_its_key(
    qtbot: QtBot, app_harness: AppHarness, fake_services: FakeServices, tmp_path: Path
) -> None:
    # The Composio key is known to the app but not key-shaped: only the redactor knows it.
    assert fake_services.composio_api_key == "test-composio-key"
    code = 'open("/mnt/files/old-test-" + "composio-key.csv", "w").write("x")'
    fake_services.openai.script.push(
        Reply.tool_call(WORKBENCH, {"code_to_execute": code}), Reply.text("Written.")
    )
    app = app_harness.start()
    send(qtbot, app, "write a file", approve=True)
    (cell,) = [e for e in app.window.chat_view.entries() if isinstance(e, CodeCellWidget)]
    (chip,) = cell.chips
    assert chip.file.mount_relative_path == f"old-{MARK}.csv"
    fake_services.composio.files.behaviour.presigned_status = 403
    chip.save_to(str(tmp_path / "refused.csv"))
    qtbot.waitUntil(lambda: chip.status.property("state") == "failed", timeout=WAIT_MS)
    assert chip.status.text().startswith(
        f"Not saved: The file storage refused the download of 'old-{MARK}.csv' (403)"
    )
    assert not (tmp_path / "refused.csv").exists()
