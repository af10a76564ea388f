"""The code cell: language, where it ran, highlighted code and a live clock; then stdout, stderr
set apart, how it ended; long output folded; copy; images decoded off the UI thread, enlarged,
saved or refused; results never rendered as HTML; the files it left; the same cell reloaded."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, Qt, QThreadPool
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication, QFileDialog, QLabel
from pytestqt.qtbot import QtBot

from desktop.core.agent.cell_outputs import MarkupOutput, TextOutput, read_image
from desktop.core.agent.code_runs import CellError, CodeRun
from desktop.core.config.sandbox_rates import SandboxRates
from desktop.core.config.settings import Settings
from desktop.core.conversations.transcript import ToolCallItem
from desktop.ui.chat import image_work
from desktop.ui.chat.approval_card import ApprovalCardWidget
from desktop.ui.chat.chat_view import ChatView
from desktop.ui.chat.code_cell import CodeCellWidget
from desktop.ui.chat.code_view import CodeView
from desktop.ui.chat.display_blocks import PIECE_CHARS
from desktop.ui.chat.file_chips import OutputFileChip
from desktop.ui.chat.file_saves import FileSave
from desktop.ui.chat.folded_text import PREVIEW_LINES, FoldedText
from desktop.ui.chat.result_images import MAX_SHOWN_WIDTH, ImageDialog, ImageSaver
from desktop.ui.tooltips import plain_tooltip
from tests.ui.chat.cell_helpers import cell_events, chart, chart_png, summary_file
from tests.ui.chat.test_chat_view import timed_view
from tests.unit.agent.test_code_runs import b64

RATES = SandboxRates.of(Settings())  # E2B's published prices, the settings' default

CODE = "import pandas as pd\nprint(pd.read_csv('/mnt/files/sales.csv').describe())"
RUN = CodeRun(
    language="python",
    code=CODE,
    stdout="mean 98.75\n",
    stderr="FutureWarning: careful\n",
    outputs=(chart(), TextOutput(text="<Figure size 640x480>")),
    output_files=(summary_file(),),
)


def _cell(view: ChatView, run: CodeRun = RUN, call_id: str = "cell-1") -> CodeCellWidget:
    started, finished = cell_events(run, call_id)
    cell = view.add_tool_call(started)
    assert isinstance(cell, CodeCellWidget)
    view.finish_tool_call(finished)
    return cell


def _wait_images(qtbot: QtBot, cell: CodeCellWidget) -> None:
    qtbot.waitUntil(lambda: all(i.decoded is not None or i.problem for i in cell.images))


def test_a_running_cell_shows_its_language_place_code_and_seconds(
    qtbot: QtBot, styled_app: QApplication
) -> None:
    view, clock = timed_view(qtbot)
    started, finished = cell_events(RUN)
    cell = view.add_tool_call(started)
    assert isinstance(cell, CodeCellWidget) and cell.objectName() == "codeCell"
    assert cell.title_label.text() == "Python"
    assert cell.arguments_label.text() == "in the Composio workbench for this chat"
    assert "E2B" not in cell.arguments_label.text()
    assert isinstance(cell.code_view, CodeView) and cell.code_view.toPlainText() == CODE
    assert cell.code_view.language == "python"  # highlighted as the message view does
    assert cell.outcome_label.text() == "Running" and not cell.copy_output_button.isEnabled()
    clock.advance(3.2)
    view.running_clock.tick()  # the chat view's one clock
    assert cell.elapsed_label.text() == "3 s"
    clock.advance(1.0)
    view.finish_tool_call(finished)
    assert cell.elapsed_label.text() == "4.2 s" and not view.running_clock.active
    assert cell.outcome_label.text() == "Succeeded"


def test_stdout_and_stderr_show_apart_with_how_it_ended(
    qtbot: QtBot, styled_app: QApplication
) -> None:
    view, _ = timed_view(qtbot)
    failed = CodeRun(
        language="bash",
        code="make test",
        stdout="compiling\n",
        stderr="error: no rule\n",
        exit_code=2,
        failure="Command failed with exit code 2",
    )
    cell = _cell(view, failed)
    assert cell.title_label.text() == "Shell"
    assert cell.toggle_button.isHidden()  # finished, it still shows it all: nothing to unfold
    out, err = cell.texts
    assert (out.heading.text(), err.heading.text()) == ("Output", "Errors (stderr)")
    assert (out.view.objectName(), err.view.objectName()) == ("cellStdout", "cellStderr")
    assert (out.shown_text, err.shown_text) == ("compiling", "error: no rule")
    status = cell.outputs.findChild(QLabel, "cellStatus")
    assert status is not None and status.text() == "Exit status 2"
    assert status.property("ok") is False
    # Visibly distinct: stderr's box is drawn in another colour than stdout's.
    qtbot.waitUntil(lambda: out.view.isVisible() and err.view.isVisible())

    def background(widget: FoldedText) -> tuple[int, int, int]:
        image = widget.view.grab().toImage()
        color = image.pixelColor(image.width() - 8, image.height() // 2)
        return color.red(), color.green(), color.blue()

    assert background(out) != background(err)
    traceback = _cell(
        view,
        CodeRun(
            language="python",
            code="1/0",
            error=CellError(name="ZeroDivisionError", value="division by zero", traceback="T"),
        ),
        "cell-2",
    )
    assert [t.view.objectName() for t in traceback.texts] == ["cellTraceback"]
    assert traceback.outputs.findChild(QLabel, "cellStatus").text() == (  # type: ignore[union-attr]
        "ZeroDivisionError: division by zero"
    )


def test_long_output_is_folded_and_shown_all_a_slice_at_a_time(
    qtbot: QtBot, styled_app: QApplication
) -> None:
    view, _ = timed_view(qtbot)
    stdout = "".join(f"line {n:06} " + "x" * 40 + "\n" for n in range(20_000))  # ~1 MB
    cell = _cell(view, CodeRun(language="python", code="spam()", stdout=stdout))
    (out,) = cell.texts
    assert out.folded and out.shown_text.count("\n") == PREVIEW_LINES
    assert not out.show_all_button.isHidden()
    assert out.show_all_button.text() == "Show all (20,000 lines, 1,060,000 characters)"
    qtbot.mouseClick(out.show_all_button, Qt.MouseButton.LeftButton)
    assert out.filling  # the rest comes a slice per turn of the loop, not all at once
    assert len(out.shown_text) < len(stdout) // 10
    qtbot.waitUntil(lambda: not out.filling, timeout=20_000)
    assert out.shown_text == stdout.removesuffix("\n")
    assert out.show_all_button.isHidden()


def test_a_megabyte_on_one_line_is_broken_for_display_only(
    qtbot: QtBot, styled_app: QApplication
) -> None:
    line = "y" * 1_000_000
    folded = FoldedText(line, "Output", "stdout")
    qtbot.addWidget(folded)
    assert folded.folded and max(map(len, folded.shown_text.split("\n"))) <= PIECE_CHARS
    folded.show_all()
    qtbot.waitUntil(lambda: not folded.filling, timeout=20_000)
    shown = folded.shown_text
    assert shown.replace("\n", "") == line and max(map(len, shown.split("\n"))) == PIECE_CHARS
    assert folded.view.text() == line  # a selection copies it without the pieces' breaks
    hostile = FoldedText("a\u202eb\x1b[2J", "Output", "stdout")
    qtbot.addWidget(hostile)
    assert hostile.shown_text == "a\\u202eb\\u001b[2J"  # inert


def test_copy_code_and_output(qtbot: QtBot, styled_app: QApplication) -> None:
    view, _ = timed_view(qtbot)
    cell = _cell(view)
    qtbot.mouseClick(cell.copy_code_button, Qt.MouseButton.LeftButton)
    assert QGuiApplication.clipboard().text() == CODE
    qtbot.mouseClick(cell.copy_output_button, Qt.MouseButton.LeftButton)
    assert QGuiApplication.clipboard().text() == (
        "mean 98.75\n\nFutureWarning: careful\n\n<Figure size 640x480>"
    )


def test_images_are_decoded_off_the_ui_thread_and_scaled_to_the_column(
    qtbot: QtBot, styled_app: QApplication, monkeypatch: pytest.MonkeyPatch
) -> None:
    threads: list[bool] = []
    decode = image_work.decode_scaled

    def spying(image: object, width: int) -> object:
        threads.append(threading.current_thread() is threading.main_thread())
        return decode(image, width)  # type: ignore[arg-type]

    monkeypatch.setattr(image_work, "decode_scaled", spying)
    view, _ = timed_view(qtbot)
    wide = CodeRun(language="python", code="plot()", outputs=(chart(1600, 1000),))
    cell = _cell(view, wide)
    (image,) = cell.images
    assert image.objectName() == "resultImage"
    _wait_images(qtbot, cell)
    assert threads == [False]  # decoded once, and not on the UI thread
    assert image.decoded is not None and image.decoded.width() <= MAX_SHOWN_WIDTH
    assert image.width() <= MAX_SHOWN_WIDTH
    assert image.height() == image.heightForWidth(image.width())  # its own shape


def test_an_image_enlarges_in_a_dialog_and_saves(
    qtbot: QtBot, styled_app: QApplication, tmp_path: Path
) -> None:
    view, _ = timed_view(qtbot)
    cell = _cell(view)
    (image,) = cell.images
    _wait_images(qtbot, cell)
    qtbot.mouseClick(image, Qt.MouseButton.LeftButton, pos=QPoint(20, 20))
    dialog = view.window().findChild(ImageDialog, "resultImageDialog")
    assert dialog is not None
    qtbot.waitUntil(lambda: dialog.decoded is not None)
    assert dialog.decoded is not None and dialog.decoded.width() == 640  # its own size fits
    target = tmp_path / "chart.png"
    qtbot.mouseClick(dialog.saver.button, Qt.MouseButton.LeftButton)
    chooser = dialog.findChild(QFileDialog, "saveImageDialog")
    assert chooser is not None
    chooser.selectFile(str(target))
    chooser.accept()
    qtbot.waitUntil(lambda: dialog.saver.status.text().startswith("Saved the image to"))
    assert target.read_bytes() == chart_png()
    dialog.close()


def test_an_image_that_cannot_be_saved_says_why(
    qtbot: QtBot, styled_app: QApplication, tmp_path: Path
) -> None:
    view, _ = timed_view(qtbot)
    cell = _cell(view)
    (saver,) = cell.outputs.findChildren(ImageSaver)
    blocked = tmp_path / "file"
    blocked.write_text("not a folder")
    saver._on_dialog_file_selected(str(blocked / "chart.png"))
    qtbot.waitUntil(lambda: saver.status.text().startswith("The image was not saved:"))


def test_a_refused_image_says_why_and_is_never_decoded(
    qtbot: QtBot, styled_app: QApplication, monkeypatch: pytest.MonkeyPatch
) -> None:
    import struct

    header = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + struct.pack(">II", 6000, 4000) + bytes(5)
    refused = read_image("png", b64(header))
    lying = chart()
    lying = type(lying)(**{**lying.__dict__, "width": 10, "height": 10})
    decoded: list[object] = []

    class NeverRead:  # any decoding would start with a reader
        def __init__(self, *args: object) -> None:
            decoded.append(args)

    monkeypatch.setattr(image_work, "QImageReader", NeverRead)
    view, _ = timed_view(qtbot)
    cell = _cell(view, CodeRun(language="python", code="big()", outputs=(refused, lying)))
    note = cell.outputs.findChild(QLabel, "cellNotShown")
    assert note is not None
    assert note.text() == (
        "The PNG image is 6,000 by 4,000 pixels (24.0 megapixels): images over 20 megapixels "
        "are not shown."
    )
    (image,) = cell.images  # only the one whose record lies gets a place, and is refused
    _wait_images(qtbot, cell)
    assert "not the image its record describes" in image.problem
    assert decoded == [] and image.decoded is None


def test_html_and_svg_results_are_shown_as_source(qtbot: QtBot, styled_app: QApplication) -> None:
    view, _ = timed_view(qtbot)
    html = '<b>bold</b><img src="https://evil.example/x.png"><script>alert(1)</script>'
    run = CodeRun(
        language="python",
        code="df",
        outputs=(
            MarkupOutput(text=html, language="html"),
            MarkupOutput(text="<svg><circle r='4'/></svg>", language="svg"),
        ),
    )
    cell = _cell(view, run)
    first, second = cell.texts
    assert first.heading.text() == "Result (HTML source, not rendered)"
    assert first.shown_text == html
    assert second.heading.text() == "Result (SVG source, not rendered)"
    assert cell.images == []


def test_an_output_file_chip_asks_where_and_hands_over_the_save(
    qtbot: QtBot, styled_app: QApplication, tmp_path: Path
) -> None:
    view, _ = timed_view(qtbot)
    cell = _cell(view)
    (chip,) = cell.chips
    assert isinstance(chip, OutputFileChip) and chip.objectName() == "outputFileChip"
    assert chip.name_label.text() == "summary.csv" and chip.toolTip() == plain_tooltip(
        "/mnt/files/summary.csv"
    )
    requests: list[FileSave] = []
    view.cells.file_save_requested.connect(requests.append)
    qtbot.mouseClick(chip.save_button, Qt.MouseButton.LeftButton)
    chooser = chip.findChild(QFileDialog, "saveFileDialog")
    assert chooser is not None
    chooser.selectFile(str(tmp_path / "copy.csv"))
    chooser.accept()
    (request,) = requests
    assert (request.file, request.destination) == (summary_file(), tmp_path / "copy.csv")
    assert not chip.cancel_button.isHidden() and not chip.save_button.isEnabled()
    cancelled: list[bool] = []
    request.cancel_requested.connect(lambda: cancelled.append(True))
    qtbot.mouseClick(chip.cancel_button, Qt.MouseButton.LeftButton)
    assert cancelled == [True]
    request.progressed.emit(1024, 2048)
    assert chip.progress.value() == 500
    request.finished.emit(False, "Not saved: the download URL has expired.")
    assert chip.status.text() == "Not saved: the download URL has expired."
    assert chip.status.property("state") == "failed" and chip.save_button.isEnabled()


def test_a_reloaded_conversation_shows_the_cell_again(
    qtbot: QtBot, styled_app: QApplication
) -> None:
    view, _ = timed_view(qtbot)
    started, finished = cell_events(RUN)
    view.load_history([ToolCallItem.of(started, finished, 2.5)])
    cell = view.tool_card("cell-1")
    assert isinstance(cell, CodeCellWidget)
    assert cell.code_view.toPlainText() == CODE
    assert [t.heading.text() for t in cell.texts] == ["Output", "Errors (stderr)", "Result"]
    assert cell.elapsed_label.text() == "2.5 s"
    _wait_images(qtbot, cell)
    assert cell.images[0].decoded is not None
    assert [c.file.name for c in cell.chips] == ["summary.csv"]
    requests: list[object] = []
    view.cells.file_save_requested.connect(requests.append)
    cell.chips[0].save_to("/tmp/x.csv")
    assert len(requests) == 1  # a reloaded cell's chips reach the app too


def test_the_consent_card_shows_the_same_highlighted_code(
    qtbot: QtBot, styled_app: QApplication
) -> None:
    from pydantic_ai.messages import ToolCallPart

    from desktop.core.consent.approvals import ConsentState, pending_call

    view, _ = timed_view(qtbot)
    started, _ = cell_events(RUN)
    cell = view.add_tool_call(started)
    assert isinstance(cell, CodeCellWidget)
    part = ToolCallPart(started.tool_name, dict(started.arguments), tool_call_id=started.call_id)
    card = ApprovalCardWidget(
        (pending_call(part, ConsentState().grants, frozenset()),), view, rates=RATES
    )
    (code,) = card.findChildren(CodeView, "approvalCode")
    assert code.toPlainText() == cell.code_view.toPlainText() == CODE
    assert code.language == cell.code_view.language == "python"


@pytest.fixture(autouse=True)
def _no_job_left() -> object:
    yield None
    QThreadPool.globalInstance().waitForDone(5_000)  # no decode outlives its test


def test_an_interrupted_or_denied_cell_keeps_its_code_and_shows_no_result(
    qtbot: QtBot, styled_app: QApplication
) -> None:
    view, _ = timed_view(qtbot)
    started, _ = cell_events(RUN)
    cell = view.add_tool_call(started)
    assert isinstance(cell, CodeCellWidget)
    view.end_turn()  # stopped while it ran
    assert cell.outcome_label.text() == "Interrupted" and cell.code_view.toPlainText() == CODE
    assert cell.texts == [] and cell.images == [] and cell.outputs.isHidden()
    started, _ = cell_events(RUN, "cell-2")
    denied = view.add_tool_call(started)
    view.finish_tool_call(cell_events(CodeRun(language="python", code=CODE), "cell-2", "denied")[1])
    assert isinstance(denied, CodeCellWidget) and denied.outcome_label.text() == "Denied"
    assert denied.outputs.findChild(QLabel, "cellStatus") is None
