"""Code the agent ran, read from a COMPOSIO_REMOTE_WORKBENCH or COMPOSIO_REMOTE_BASH_TOOL call
and its result: the one `CodeRun` type that code cells show, the store keeps and exports write.

Both tools run in Composio's sandbox for this chat's Tool Router session, never in the user's
E2B sandboxes (the E2B toolkit's tools manage sandboxes and run no code): `where` says so.

The result is Composio's envelope `{"data", "error", "successful"}`. The workbench's `data` has
`stdout`, `stderr`, `results` (Jupyter display data: `cell_outputs`) and may have an `error`
(`name`, `value`, `traceback`); the bash tool's has `stdout`, `stderr`, `stdoutLines`,
`stderrLines` (lines before any cut) and, for a long output, `stdout_file_path` /
`stderr_file_path`. A command's exit status is read from `exit_code` when an answer has one,
else from the tool's error text ("... exit code 3"). Anything missing is empty, anything
unexpected kept as text; every text is kept as a result's text is (`cell_outputs.bounded_text`:
terminal escapes removed, bounded as tool results are).

The files a run left in the session's files mount (`OutputFile`, listed before and after it
without the model: `agent.output_files`) travel with it, so that its cell offers them.
"""

from __future__ import annotations

import dataclasses
import functools
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Annotated, Literal

from annotated_types import Ge
from pydantic import TypeAdapter

from desktop.core.agent.cell_outputs import (
    CellOutput,
    JsonOutput,
    MarkupOutput,
    TextOutput,
    bounded_text,
    outputs_of,
)
from desktop.core.agent.lone_surrogates import clean_text
from desktop.core.agent.tool_calls import RESULT_TEXT_LIMIT, result_text, truncate_result
from desktop.core.errors import quoted
from desktop.core.router.types import BASH_TOOL, WHERE_CODE_RUNS, WORKBENCH_TOOL

WHERE_CODE_RUNS_INSTRUCTION = (
    f"Code you run with {WORKBENCH_TOOL} (Python) or {BASH_TOOL} (shell) runs in the "
    f"{WHERE_CODE_RUNS} (Composio's sandbox for this Tool Router session), not in any of the "
    "user's E2B sandboxes: the E2B tools create and manage sandboxes but run no code in them. "
    "When you report what such code printed (installed packages, files, versions), say plainly "
    "that it comes from the workbench, not from an E2B sandbox."
)
"""What the agent is told, beside the user's instructions, so that its replies place code
where it ran."""

CODE_TOOLS = frozenset({WORKBENCH_TOOL, BASH_TOOL})
"""The tools whose calls are code cells."""

Language = Literal["python", "bash"]
_TOOLS: dict[str, tuple[Language, str]] = {
    WORKBENCH_TOOL: ("python", "code_to_execute"),
    BASH_TOOL: ("bash", "command"),
}
_EXIT = re.compile(r"\bexit (?:code|status)\D{0,3}(-?\d{1,4})\b", re.IGNORECASE)


@dataclass(frozen=True, kw_only=True)
class CellError:
    """The exception a cell raised, as Jupyter reports it."""

    name: str
    value: str
    traceback: str = ""


@dataclass(frozen=True, kw_only=True)
class OutputFile:
    """A file a run left in the session's files mount (new, or changed by it), as it is shown
    (`shown_files.shown_file`): its path may not be the real one."""

    name: str
    mount_relative_path: str
    sandbox_path: str  # where code in the workbench finds it: /mnt/files/<path>
    size: Annotated[int, Ge(0)]
    last_modified: str = ""


@dataclass(frozen=True, kw_only=True)
class CodeRun:
    """One run of code: what ran, where, what it printed, how it ended, what it showed."""

    language: Language
    code: str
    where: str = WHERE_CODE_RUNS
    stdout: str = ""
    stderr: str = ""
    stdout_lines: int | None = None  # as the tool counted them, before any cut
    stderr_lines: int | None = None
    full_output_paths: tuple[str, ...] = ()  # where the sandbox kept a long output whole
    error: CellError | None = None
    exit_code: int | None = None
    failure: str = ""  # the tool's own error message, when it reported one
    outputs: tuple[CellOutput, ...] = ()
    omitted_outputs: int = 0  # outputs past the limit, not kept
    output_files: tuple[OutputFile, ...] = ()  # what it left in the files mount
    more_output_files: Annotated[int, Ge(0)] = 0  # files it left past those kept

    @property
    def language_name(self) -> str:
        """The language as a cell names it: "Python", "Shell"."""
        return "Python" if self.language == "python" else "Shell"

    @property
    def succeeded(self) -> bool:
        return self.error is None and not self.failure and self.exit_code in (None, 0)

    @property
    def status_text(self) -> str:
        """How it ended, in a few words: "Finished", "Exit status 3", "NameError: ..."."""
        if self.error is not None:
            return quoted(f"{self.error.name}: {self.error.value}", limit=160)
        if self.exit_code not in (None, 0):
            return f"Exit status {self.exit_code}"
        if self.failure:
            return quoted(self.failure, limit=160)
        return "Finished"


def running_cell(tool_name: str, arguments: Mapping[str, object]) -> CodeRun | None:
    """The run as its cell shows it before it ends (its language and code); None for any
    other tool."""
    code = code_of(tool_name, arguments)
    return None if code is None else CodeRun(language=code[0], code=code[1])


def code_of(tool_name: str, arguments: Mapping[str, object]) -> tuple[Language, str] | None:
    """The language and code of a workbench or bash call (for its cell, or its consent card,
    before it runs); None for any other tool. Missing code is ""."""
    spec = _TOOLS.get(tool_name)
    if spec is None:
        return None
    language, field = spec
    code = arguments.get(field)
    return language, truncate_result(clean_text(code)) if isinstance(code, str) else ""


def _text(value: object) -> str:
    """A stream's text: a string, or the list of pieces some answers give; escapes removed."""
    if isinstance(value, list):
        value = "".join(str(piece) for piece in value)
    if not isinstance(value, str):
        return "" if value is None else result_text(value)
    return bounded_text(value)


def _count(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else None


def _cell_error(value: object) -> CellError | None:
    if isinstance(value, Mapping):
        trace = value.get("traceback")
        return CellError(
            name=_text(value.get("name") or value.get("ename") or "Error")[:200],
            value=_text(value.get("value") or value.get("evalue") or ""),
            traceback=_text("\n".join(map(str, trace)) if isinstance(trace, list) else trace),
        )
    if isinstance(value, str) and value.strip():
        return CellError(name="Error", value=_text(value))
    return None


def _exit_code(data: Mapping[str, object], failure: str) -> int | None:
    for key in ("exit_code", "exitCode", "returncode"):
        value = data.get(key)
        if isinstance(value, int) and not isinstance(value, bool):
            return value
    found = _EXIT.search(failure)
    return int(found.group(1)) if found else None


def _payload(content: object) -> tuple[Mapping[str, object], str]:
    """The run's `data` and the tool's own error message, from the result as it came (JSON
    text, or already parsed)."""
    if isinstance(content, str):
        try:
            content = json.loads(content)
        except (ValueError, RecursionError):
            return {}, _text(content) or "The tool answered nothing."
    if not isinstance(content, Mapping):
        return {}, result_text(content)
    data = content.get("data")
    if not isinstance(data, Mapping):  # no envelope: the data itself, or nothing
        data = content if "data" not in content else {}
    error = content.get("error")
    failed = content.get("successful") is False
    failure = _text(error) if failed and error else ""
    if failed and not failure:
        failure = "The tool reported a failure without saying why."
    return data, failure


def read_code_run(
    tool_name: str, arguments: Mapping[str, object], content: object
) -> CodeRun | None:
    """The run of a workbench or bash call from its arguments and its whole result (not the
    card's cut text: images live in it); None for any other tool. Never raises on odd input."""
    code = code_of(tool_name, arguments)
    if code is None:
        return None
    language, source = code
    data, failure = _payload(content)
    error = _cell_error(data.get("error"))
    if error is not None and failure == f"{error.name}: {error.value}":
        failure = ""  # the envelope only repeats the cell's own error
    exit_code = _exit_code(data, failure)
    outputs, omitted = outputs_of(data.get("results"))
    paths = tuple(
        _text(data[key])
        for key in ("stdout_file_path", "stderr_file_path")
        if isinstance(data.get(key), str)
    )
    return CodeRun(
        language=language,
        code=source,
        stdout=_text(data.get("stdout")),
        stderr=_text(data.get("stderr")),
        stdout_lines=_count(data.get("stdoutLines")),
        stderr_lines=_count(data.get("stderrLines")),
        full_output_paths=paths,
        error=error,
        exit_code=exit_code,
        failure=failure,
        outputs=outputs,
        omitted_outputs=omitted,
    )


def bounded_run(run: CodeRun) -> CodeRun:
    """The run with every text bounded as a live run's are (a run read from an imported file
    may hold longer ones); a run within the bounds is returned as it is."""
    error = run.error
    if error is not None:
        error = CellError(
            name=error.name[:200],
            value=truncate_result(error.value),
            traceback=truncate_result(error.traceback),
        )
    bounded = dataclasses.replace(
        run,
        code=truncate_result(run.code),
        stdout=truncate_result(run.stdout),
        stderr=truncate_result(run.stderr),
        failure=truncate_result(run.failure),
        error=error,
        outputs=tuple(_bounded_output(output) for output in run.outputs),
    )
    return run if bounded == run else bounded


def _bounded_output(output: CellOutput) -> CellOutput:
    if not isinstance(output, TextOutput | JsonOutput | MarkupOutput):
        return output  # an image is checked again when it is drawn
    if len(output.text) > RESULT_TEXT_LIMIT:
        return dataclasses.replace(output, text=truncate_result(output.text))
    return output


@functools.cache
def code_run_adapter() -> TypeAdapter[CodeRun]:
    """The run's JSON for the store and the export (images as their base64 text)."""
    return TypeAdapter(CodeRun)
