"""A workbench or bash call as a code cell: the language, where it ran, the code highlighted,
its seconds counting while it runs; then what it printed (stdout, and stderr set apart), how it
ended, how long it took, its results (images, text, JSON; HTML and SVG as source, never
rendered) and the files it left in the mount, each with Save as….

The cell is a tool card (`ToolCardWidget`) in the chat view's eyes: the same running clock,
consent notes, "Waiting for you" and interruption; only its body differs. Everything it shows
is text from outside and is shown as plain, inert text.
"""

from __future__ import annotations

import functools

from PySide6.QtCore import Signal
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QHBoxLayout, QPushButton, QVBoxLayout, QWidget

from desktop.core.agent.cell_outputs import (
    ImageOutput,
    JsonOutput,
    MarkupOutput,
    TextOutput,
    UnreadableOutput,
)
from desktop.core.agent.code_runs import CodeRun
from desktop.core.agent.events import ToolCallFinished, ToolCallStarted
from desktop.core.inert import inert
from desktop.ui.chat.code_view import CodeView
from desktop.ui.chat.file_chips import OutputFileChip
from desktop.ui.chat.folded_text import FoldedText
from desktop.ui.chat.labels import keeps_focus, plain_label
from desktop.ui.chat.result_images import ImageSaver, ResultImageWidget, open_enlarged
from desktop.ui.chat.running_clock import RunningClock
from desktop.ui.chat.tool_card import ToolCardWidget
from desktop.ui.links import Links

CODE_LINES_SHOWN = 12


class CodeCellWidget(ToolCardWidget):
    """One code run; see the module."""

    file_save_requested = Signal(object)  # FileSave: a chip's "Save as…", chosen

    def __init__(
        self,
        started: ToolCallStarted,
        *,
        links: Links | None = None,
        parent: QWidget | None = None,
        clock: RunningClock | None = None,
    ) -> None:
        super().__init__(started, links=links, parent=parent, clock=clock)
        self.setObjectName("codeCell")
        run = started.code_run or CodeRun(language="python", code="")
        self.run: CodeRun = run  # what it shows: the code until it ends, then the whole run
        language = run.language_name
        self.title_label.setText(language)
        self.arguments_label.setObjectName("cellWhere")
        self.arguments_label.setText(f"in the {run.where}")
        self.setAccessibleName(f"Code cell: {language} in the {run.where}")
        self.toggle_button.hide()  # the cell shows it all: nothing to unfold
        self.code_view = CodeView(
            run.code, run.language, self, object_name="cellCode", lines=CODE_LINES_SHOWN
        )
        self.code_view.setAccessibleName(f"{language} code")
        self.copy_code_button = self._button("Copy code", "copyCodeButton")
        self.copy_code_button.clicked.connect(self._on_copy_code_button_clicked)
        self.copy_output_button = self._button("Copy output", "copyOutputButton")
        self.copy_output_button.clicked.connect(self._on_copy_output_button_clicked)
        self.copy_output_button.setEnabled(False)
        buttons = QHBoxLayout()
        buttons.setSpacing(8)
        buttons.addWidget(self.copy_code_button)
        buttons.addWidget(self.copy_output_button)
        buttons.addStretch(1)
        self.outputs = QWidget(self)
        self.outputs.setObjectName("cellOutputs")
        self._outputs = QVBoxLayout(self.outputs)
        self._outputs.setContentsMargins(0, 2, 0, 0)
        self._outputs.setSpacing(6)
        self.outputs.hide()
        at = self._layout.indexOf(self.consent_label) + 1
        self._layout.insertWidget(at, self.code_view)
        self._layout.insertLayout(at + 1, buttons)
        self._layout.insertWidget(at + 2, self.outputs)
        self._ended = False
        self.texts: list[FoldedText] = []
        self.images: list[ResultImageWidget] = []
        self.chips: list[OutputFileChip] = []

    def _button(self, text: str, name: str) -> QPushButton:
        button = QPushButton(text, self)
        button.setObjectName(name)
        button.setAccessibleName(text)
        keeps_focus(button)
        return button

    # -- the run's end -----------------------------------------------------------------------
    def finish(self, finished: ToolCallFinished, *, elapsed: float | None = None) -> None:
        super().finish(finished, elapsed=elapsed)
        if finished.code_run is not None and not self._ended:
            self._ended = True  # its outputs are shown once
            self.run = finished.code_run
            self._show_run(finished.code_run, finished.outcome == "success")

    def _show_rich(self) -> None:
        """Nothing: a cell shows its run itself, and keeps its details toggle hidden (the card's
        rich view would show it again, as "Show result")."""

    def _show_run(self, run: CodeRun, succeeded: bool) -> None:
        if run.stdout:
            self._text(run.stdout, "Output", "stdout")
        if run.stderr:
            self._text(run.stderr, "Errors (stderr)", "stderr")
        if run.full_output_paths:
            kept = ", ".join(run.full_output_paths)
            self._note(f"The whole output is kept in the workbench: {kept}", "cellNote")
        if self.finished is not None and self.finished.outcome in ("success", "failed"):
            ok = succeeded and run.succeeded
            status = self._note(run.status_text, "cellStatus")
            status.setProperty("ok", ok)
        if run.error is not None and run.error.traceback.strip():
            self._text(run.error.traceback, "Traceback", "traceback")
        for output in run.outputs:
            self._output(output)
        if run.omitted_outputs:
            self._note(f"{run.omitted_outputs} more outputs were not kept.", "cellNote")
        if run.output_files:
            self._note("Files it left in the workbench", "cellFilesHeading")
            for file in run.output_files:
                chip = OutputFileChip(file, self.outputs)
                chip.file_save_requested.connect(self.file_save_requested)
                self.chips.append(chip)
                self._outputs.addWidget(chip)
        if run.more_output_files:
            self._note(f"…and {run.more_output_files} more files in the workbench.", "cellNote")
        self.copy_output_button.setEnabled(bool(self.output_text))
        self.outputs.setVisible(self._outputs.count() > 0)

    def _output(self, output: object) -> None:
        if isinstance(output, ImageOutput):
            image = ResultImageWidget(output, self.outputs)
            image.enlarge_requested.connect(functools.partial(self._enlarge, output))
            self.images.append(image)
            self._outputs.addWidget(image)
            self._outputs.addWidget(ImageSaver(output, self.outputs))
        elif isinstance(output, TextOutput):
            self._text(output.text, "Result", "result")
        elif isinstance(output, JsonOutput):
            self._text(output.text, "Result (JSON)", "result")
        elif isinstance(output, MarkupOutput):
            what = "HTML" if output.language == "html" else "SVG"
            self._text(output.text, f"Result ({what} source, not rendered)", "result")
        elif isinstance(output, UnreadableOutput):
            self._note(output.reason, "cellNotShown")

    def _text(self, text: str, heading: str, stream: str) -> FoldedText:
        view = FoldedText(text, heading, stream, self.outputs)
        self.texts.append(view)
        self._outputs.addWidget(view)
        return view

    def _note(self, text: str, name: str) -> QWidget:
        label = plain_label(inert(text), name, self.outputs)
        label.setWordWrap(True)
        self._outputs.addWidget(label)
        return label

    def _enlarge(self, image: ImageOutput) -> None:
        open_enlarged(image, self)

    # -- copying -----------------------------------------------------------------------------
    @property
    def output_text(self) -> str:
        """What "Copy output" copies: what the code printed, then its text results."""
        run = self.run
        results = [o.text for o in run.outputs if isinstance(o, TextOutput | JsonOutput)]
        return "\n".join(part for part in (run.stdout, run.stderr, *results) if part)

    def _on_copy_code_button_clicked(self) -> None:
        QGuiApplication.clipboard().setText(self.run.code)

    def _on_copy_output_button_clicked(self) -> None:
        QGuiApplication.clipboard().setText(self.output_text)
