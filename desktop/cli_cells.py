"""The terminal's code cells: a workbench or bash call printed as code and what it printed.

```
  -> Python in the Composio workbench for this chat
     | import pandas as pd
  <- Finished (1.2 s)
     stdout:
     | mean 98.75
     stderr:
     ! FutureWarning: careful
     [image: 640x480 PNG]
     file: summary.csv (2.0 KB), /save summary.csv to keep a copy
```

The code is printed when the call starts, unless a consent question is about to print it (a
call that runs without asking says why: `ToolCallStarted.consent`). stderr lines are marked
`!` (and coloured on a terminal), images named in words, HTML and SVG shown as source. All of
it goes through `Terminal`, which writes every text from outside inert.
"""

from __future__ import annotations

import time

from desktop.cli_words import command_word
from desktop.core.agent.cell_outputs import (
    ImageOutput,
    JsonOutput,
    MarkupOutput,
    TextOutput,
    UnreadableOutput,
)
from desktop.core.agent.code_runs import CodeRun
from desktop.core.agent.events import ToolCallFinished, ToolCallStarted
from desktop.core.conversations.transcript import format_elapsed
from desktop.core.router.mount_names import size_text
from desktop.terminal import Terminal

INDENT = "     "


class CellPrinter:
    """Prints each code call's start and end; remembers when each started."""

    def __init__(self, term: Terminal) -> None:
        self.term = term
        self._began: dict[str, float] = {}

    def started(self, event: ToolCallStarted, run: CodeRun) -> None:
        self._began[event.call_id] = time.monotonic()
        self.term.dim(f"  -> {run.language_name} in the {run.where}")
        if event.consent:  # it runs without a question: the code is not printed by one
            self._block("|", run.code or "(no code)")

    def finished(self, event: ToolCallFinished, run: CodeRun) -> None:
        began = self._began.pop(event.call_id, None)
        took = f" ({format_elapsed(time.monotonic() - began, precise=True)})" if began else ""
        if event.outcome in ("success", "failed"):
            self.term.dim(f"  <- {run.status_text}{took}")
        else:
            self.term.dim(f"  <- {event.outcome}")
        for label, text, mark in (("stdout", run.stdout, "|"), ("stderr", run.stderr, "!")):
            if text:
                self._heading(label, marked=mark == "!")
                self._block(mark, text.removesuffix("\n"))
        if run.error is not None and run.error.traceback.strip():
            self._heading("traceback", marked=True)
            self._block("!", run.error.traceback)
        for path in run.full_output_paths:
            self.term.dim(f"{INDENT}(the whole output is kept in the workbench: {path})")
        for output in run.outputs:
            self._output(output)
        if run.omitted_outputs:
            self.term.dim(f"{INDENT}({run.omitted_outputs} more outputs were not kept)")
        for file in run.output_files:
            self.term.line(
                f"{INDENT}file: {file.name} ({size_text(file.size)}), "
                f"/save {command_word(file.mount_relative_path)} to keep a copy"
            )
        if run.more_output_files:
            self.term.line(f"{INDENT}…and {run.more_output_files} more files (/files lists them)")

    def _output(self, output: object) -> None:
        if isinstance(output, ImageOutput):
            self.term.line(f"{INDENT}[image: {output.label}]")
        elif isinstance(output, TextOutput | JsonOutput):
            self._heading("result")
            self._block("|", output.text)
        elif isinstance(output, MarkupOutput):
            self._heading(f"result ({output.language.upper()} source, not rendered)")
            self._block("|", output.text)
        elif isinstance(output, UnreadableOutput):
            self.term.line(f"{INDENT}[not shown: {output.reason}]")

    def _heading(self, text: str, *, marked: bool = False) -> None:
        (self.term.marked if marked else self.term.dim)(f"{INDENT}{text}:")

    def _block(self, mark: str, text: str) -> None:
        write = self.term.marked if mark == "!" else self.term.line
        for line in text.split("\n"):
            write(f"{INDENT}{mark} {line}")
