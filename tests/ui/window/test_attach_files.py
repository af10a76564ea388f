"""Attaching files in the window: the Attach button, a drop onto the message box or the chat, a
paste; chips with name and size, removable before sending; the upload's progress and Cancel;
the 100 MB limit refused at once; after sending, the chips on the message."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from pathlib import Path

import pytest
from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent, QGuiApplication
from PySide6.QtWidgets import QApplication, QFileDialog, QLabel, QToolButton, QWidget
from pytestqt.qtbot import QtBot

from desktop.core.agent.attachments import Attachment, AttachProgress
from desktop.core.router.transfer_errors import MAX_MOUNT_FILE_BYTES, FileTransferError
from desktop.ui.chat.attachment_chips import AttachmentChip
from desktop.ui.chat.controller import ChatController
from desktop.ui.chat.message_widget import UserMessageWidget
from desktop.ui.messages import UPLOAD_CANCELLED
from desktop.ui.window.main_window import MainWindow
from desktop.ui.window.wiring import connect_window
from tests.ui.fakes import FakeBackend

MB = 1024 * 1024


class UploadingBackend(FakeBackend):
    """A FakeBackend whose uploads the test drives: each reports the progress it is told to and
    waits at `gate`; `fail_with` makes the next one fail."""

    def __init__(self) -> None:
        super().__init__()
        self.uploads: list[tuple[Path, ...]] = []
        self.gate: asyncio.Event | None = None
        self.cancelled = False
        self.fail_with: Exception | None = None
        self.turn_attachments: list[tuple[Attachment, ...]] = []

    async def attach(
        self, paths: Sequence[Path], progress: AttachProgress | None = None
    ) -> tuple[Attachment, ...]:
        self.uploads.append(tuple(paths))
        assert progress is not None
        for index, path in enumerate(paths):
            size = path.stat().st_size
            progress(index, size // 2, size)
            if self.gate is not None:
                try:
                    await self.gate.wait()
                except asyncio.CancelledError:
                    self.cancelled = True
                    raise
            if self.fail_with is not None:
                raise self.fail_with
            progress(index, size, size)
        return tuple(_record(path) for path in paths)

    def run_turn(
        self, prompt: str, attachments: Sequence[Attachment] = (), **_run: object
    ) -> object:
        self.turn_attachments.append(tuple(attachments))
        return super().run_turn(prompt)


def _record(path: Path) -> Attachment:
    return Attachment(
        name=path.name,
        size=path.stat().st_size,
        mimetype="text/csv",
        sha256="00" * 32,
        remote_path=path.name,
        sandbox_path=f"/mnt/files/{path.name}",
    )


@pytest.fixture
def backend() -> UploadingBackend:
    return UploadingBackend()


@pytest.fixture
def wired(
    qtbot: QtBot, window: MainWindow, qasync_loop: object, backend: UploadingBackend
) -> MainWindow:
    controller = ChatController(lambda: backend)
    connect_window(window, controller)
    controller.connect_backend()
    qtbot.waitUntil(lambda: controller.connection_status.state.value == "ready")
    window.setProperty("test_controller", controller)  # kept alive with the window
    return window


def _file(tmp_path: Path, name: str, size: int = 0, text: str = "") -> Path:
    path = tmp_path / name
    if text:
        path.write_text(text)
    else:
        with path.open("wb") as handle:
            handle.truncate(size)
    return path


def chips(widget: QWidget) -> list[tuple[str, str]]:
    return [
        (chip.name, chip.size_label.text())
        for chip in widget.findChildren(AttachmentChip, "attachmentChip")
        if chip.isVisibleTo(widget)
    ]


def _tray_chips(window: MainWindow) -> list[tuple[str, str]]:
    return chips(window.composer.attachments)


def _file_mime(*paths: Path) -> QMimeData:
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(path)) for path in paths])
    return mime


def _drop(target: QWidget, mime: QMimeData) -> tuple[bool, bool]:
    """A drag entering `target` and dropped there: whether each was accepted."""
    point = QPoint(target.width() // 2, target.height() // 2)
    actions = Qt.DropAction.CopyAction
    enter = QDragEnterEvent(point, actions, mime, Qt.MouseButton.LeftButton, Qt.KeyboardModifier(0))
    QApplication.sendEvent(target, enter)
    drop = QDropEvent(
        QPointF(point), actions, mime, Qt.MouseButton.LeftButton, Qt.KeyboardModifier(0)
    )
    QApplication.sendEvent(target, drop)
    return enter.isAccepted(), drop.isAccepted()


def test_the_attach_button_opens_a_dialog_and_its_files_become_chips(
    qtbot: QtBot, window: MainWindow, tmp_path: Path
) -> None:
    sales = _file(tmp_path, "sales.csv", text="region,revenue\nNorth,220\n")
    big = _file(tmp_path, "big.bin", 3 * MB)
    button = window.findChild(QWidget, "attachButton")
    assert button is not None and button.isVisible() and button.accessibleName()
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    dialog = window.findChild(QFileDialog, "attachDialog")
    assert dialog is not None
    qtbot.waitUntil(dialog.isVisible)
    assert dialog.isModal() and dialog.fileMode() == QFileDialog.FileMode.ExistingFiles
    dialog.filesSelected.emit([str(sales), str(big)])  # what choosing them and Open do
    dialog.close()
    assert _tray_chips(window) == [("sales.csv", "25 bytes"), ("big.bin", "3.0 MB")]


def test_files_dropped_on_the_box_or_the_chat_become_chips(
    qtbot: QtBot, window: MainWindow, tmp_path: Path
) -> None:
    first = _file(tmp_path, "a.csv", text="x\n")
    second = _file(tmp_path, "b.json", text="{}")
    assert _drop(window.message_input.viewport(), _file_mime(first)) == (True, True)
    assert _drop(window.chat_view.viewport(), _file_mime(second, first)) == (True, True)
    assert _tray_chips(window) == [("a.csv", "2 bytes"), ("b.json", "2 bytes")]  # once each
    assert window.message_input.toPlainText() == ""  # no path pasted as text


def test_a_drop_of_text_or_a_web_link_is_not_an_attachment(
    qtbot: QtBot, window: MainWindow
) -> None:
    mime = QMimeData()
    mime.setUrls([QUrl("https://example.com/report.csv")])
    mime.setText("https://example.com/report.csv")
    _drop(window.message_input.viewport(), mime)
    assert _tray_chips(window) == []
    assert not window.composer.attachments.isVisible()


def test_a_pasted_file_becomes_a_chip_and_pasted_text_stays_text(
    qtbot: QtBot, window: MainWindow, tmp_path: Path
) -> None:
    sales = _file(tmp_path, "sales.csv", text="a,b\n")
    clipboard = QGuiApplication.clipboard()
    clipboard.setMimeData(_file_mime(sales))
    window.message_input.setFocus()
    qtbot.keyClick(window.message_input, Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)
    assert _tray_chips(window) == [("sales.csv", "4 bytes")]
    assert window.message_input.toPlainText() == ""
    clipboard.setText("just words")
    qtbot.keyClick(window.message_input, Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)
    assert window.message_input.toPlainText() == "just words"
    assert len(_tray_chips(window)) == 1


def test_a_file_over_the_limit_is_refused_at_once_with_a_sentence(
    qtbot: QtBot, wired: MainWindow, backend: UploadingBackend, tmp_path: Path
) -> None:
    huge = _file(tmp_path, "huge.bin", MAX_MOUNT_FILE_BYTES + 1)
    _drop(wired.message_input.viewport(), _file_mime(huge))
    assert _tray_chips(wired) == []
    hint = wired.findChild(QLabel, "composerHint")
    assert hint.isVisible()
    assert hint.text().startswith("'huge.bin' (104,857,601 bytes) is over the 100 MB limit")
    assert backend.uploads == []  # no request of any kind


def test_a_chip_removed_before_sending_does_not_go(
    qtbot: QtBot, wired: MainWindow, backend: UploadingBackend, tmp_path: Path
) -> None:
    keep = _file(tmp_path, "keep.csv", text="1\n")
    drop = _file(tmp_path, "drop.csv", text="2\n")
    wired.composer.attachments.add_paths([keep, drop])
    (chip,) = [
        c for c in wired.findChildren(AttachmentChip, "attachmentChip") if c.name == "drop.csv"
    ]
    remove = chip.findChild(QToolButton, "removeAttachmentButton")
    assert remove.accessibleName() == "Remove drop.csv"
    qtbot.mouseClick(remove, Qt.MouseButton.LeftButton)
    assert [name for name, _ in _tray_chips(wired)] == ["keep.csv"]
    qtbot.keyClicks(wired.message_input, "analyze this csv")
    qtbot.keyClick(wired.message_input, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: bool(backend.streams))
    assert backend.uploads == [(keep,)]
    assert [[a.name for a in t] for t in backend.turn_attachments] == [["keep.csv"]]
    # Sent: the tray is empty, the message shows its chip.
    assert _tray_chips(wired) == []
    (bubble,) = wired.chat_view.findChildren(UserMessageWidget, "userMessage")
    assert bubble.text == "analyze this csv"
    assert chips(bubble) == [("keep.csv", "2 bytes")]
    backend.stream.finish("Done.")
    qtbot.waitUntil(lambda: not wired.busy)


def test_a_big_upload_shows_progress_and_cancel_keeps_the_message(
    qtbot: QtBot, wired: MainWindow, backend: UploadingBackend, tmp_path: Path
) -> None:
    small = _file(tmp_path, "small.csv", text="1\n")
    big = _file(tmp_path, "big.bin", 4 * MB)
    backend.gate = asyncio.Event()
    wired.composer.attachments.add_paths([big, small])
    qtbot.keyClicks(wired.message_input, "look at these")
    qtbot.keyClick(wired.message_input, Qt.Key.Key_Return)
    tray = wired.composer.attachments
    qtbot.waitUntil(tray.progress_bar.isVisible)
    assert tray.progress_bar.value() == tray.progress_bar.maximum() // 2
    assert tray.progress_label.text() == "Uploading big.bin: 2.0 MB of 4.0 MB"
    assert not wired.findChild(QWidget, "attachButton").isEnabled()
    assert wired.chat_view.findChildren(UserMessageWidget, "userMessage") == []  # not sent
    cancel = wired.findChild(QWidget, "cancelUploadButton")
    assert cancel.isVisible()
    qtbot.mouseClick(cancel, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not wired.busy)
    assert backend.cancelled
    assert backend.streams == []  # nothing reached the model
    assert wired.message_input.toPlainText() == "look at these"  # still the person's, to edit
    assert [name for name, _ in _tray_chips(wired)] == ["big.bin", "small.csv"]
    assert not tray.progress_bar.isVisible()
    assert wired.findChild(QWidget, "attachButton").isEnabled()
    hint = wired.findChild(QLabel, "composerHint")
    assert hint.isVisible() and hint.text() == UPLOAD_CANCELLED
    assert wired.chat_view.findChildren(UserMessageWidget, "userMessage") == []


def test_a_failed_upload_says_why_and_the_message_can_be_sent_again(
    qtbot: QtBot, wired: MainWindow, backend: UploadingBackend, tmp_path: Path
) -> None:
    sales = _file(tmp_path, "sales.csv", text="a\n")
    backend.fail_with = FileTransferError(
        "expired", "The upload link for 'sales.csv' had expired: try again."
    )
    wired.composer.attachments.add_paths([sales])
    qtbot.keyClicks(wired.message_input, "analyze this csv")
    qtbot.keyClick(wired.message_input, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: bool(backend.uploads) and not wired.busy)
    hint = wired.findChild(QLabel, "composerHint")
    assert hint.text() == (
        "The upload link for 'sales.csv' had expired: try again. Nothing was sent: your "
        "message and its files are still here."
    )
    assert backend.streams == []
    assert wired.message_input.toPlainText() == "analyze this csv"
    backend.fail_with = None
    qtbot.mouseClick(wired.send_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: bool(backend.streams))
    assert len(backend.uploads) == 2 and wired.message_input.toPlainText() == ""
    backend.stream.finish("Done.")
    qtbot.waitUntil(lambda: not wired.busy)
