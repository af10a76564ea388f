"""The fake workbench's kernel: a child Python process that runs cells as Jupyter does.

Run as `python -I workbench_kernel.py KERNEL_LIB_DIR`, one per Tool Router session (the parent is
`tests.fakes.workbench.Kernel`). It reads one JSON request per line on stdin, `{"code": ...}`,
runs the code in one namespace kept between cells, and writes one JSON answer per line on the
stdout it was started with: `{"stdout", "stderr", "results", "error"}`. Meanwhile the process's
own file descriptors 1 and 2 go to /dev/null, so nothing a cell (or a program it starts) prints
can break the protocol.

As in a Jupyter cell: the value of a last bare expression becomes a `text` result (with `html`
or `png` when the value has them), figures still open at the end are displayed, an exception
becomes an `error` (`name`, `value`, `traceback`) after whatever was printed before it, and
SIGINT (the parent's per-cell timeout) interrupts the cell with a KeyboardInterrupt.
"""

from __future__ import annotations

import ast
import contextlib
import io
import itertools
import json
import linecache
import os
import sys
import traceback
from typing import Any

OUTPUT_CAP = 8 * 1024 * 1024
"""Characters of stdout (and of stderr) kept per cell; a cell printing forever stops there."""


class _Capture(io.TextIOBase):
    """A text stream that keeps what is written to it, up to OUTPUT_CAP characters."""

    def __init__(self) -> None:
        self._parts: list[str] = []
        self._size = 0
        self.cut = False

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        room = OUTPUT_CAP - self._size
        if len(text) > room:
            text, self.cut = text[: max(room, 0)], True
        self._parts.append(text)
        self._size += len(text)
        return len(text)

    def value(self) -> str:
        tail = "\n[output cut by the workbench]\n" if self.cut else ""
        return "".join(self._parts) + tail


def _error(exc: BaseException, cell: str) -> dict[str, Any]:
    """Jupyter's error output: the traceback from the cell's own frames on."""
    frames = traceback.extract_tb(exc.__traceback__)
    first = next((i for i, f in enumerate(frames) if f.filename == cell), len(frames))
    lines = ["Traceback (most recent call last):\n"] if first < len(frames) else []
    lines += traceback.format_list(frames[first:])
    lines += traceback.format_exception_only(type(exc), exc)
    return {"name": type(exc).__name__, "value": str(exc), "traceback": "".join(lines)}


def _flush_figures() -> None:
    pyplot = sys.modules.get("matplotlib.pyplot")
    if pyplot is not None:
        pyplot.flush_figures()


def run_cell(code: str, namespace: dict[str, Any], cell: str) -> dict[str, Any]:
    import workbench_display

    stdout, stderr = _Capture(), _Capture()
    workbench_display.shown.clear()
    error = None
    linecache.cache[cell] = (len(code), None, code.splitlines(keepends=True), cell)
    try:
        with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
            tree = ast.parse(code, cell, "exec")
            last = tree.body.pop() if tree.body and isinstance(tree.body[-1], ast.Expr) else None
            exec(compile(tree, cell, "exec"), namespace)
            if last is not None:
                value = eval(compile(ast.Expression(last.value), cell, "eval"), namespace)
                if value is not None:
                    namespace["_"] = value
                    workbench_display.display(value)
            _flush_figures()
    except BaseException as exc:  # every failure is the cell's error output
        error = _error(exc, cell)
    return {
        "stdout": stdout.value(),
        "stderr": stderr.value(),
        "results": list(workbench_display.shown),
        "error": error,
    }


def main() -> None:
    sys.path[0] = sys.argv[1]  # the stand-ins, instead of this script's directory (the fakes)
    answers = os.fdopen(os.dup(1), "w", encoding="utf-8")
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    os.dup2(devnull, 2)
    import workbench_display

    namespace: dict[str, Any] = {"__name__": "__main__", "display": workbench_display.display}
    for number in itertools.count(1):
        try:
            line = sys.stdin.readline()
        except KeyboardInterrupt:  # an interrupt that came after its cell had ended
            continue
        if not line:
            return  # the parent has gone
        try:
            request = json.loads(line)
            answer = run_cell(str(request["code"]), namespace, f"<cell-{number}>")
        except KeyboardInterrupt:  # between two statements of the kernel itself
            answer = {"stdout": "", "stderr": "", "results": [], "error": None}
        answers.write(json.dumps(answer) + "\n")
        answers.flush()


if __name__ == "__main__":
    main()
