"""Code runs to draw in tests and benchmarks: a chart drawn by the fake workbench's own PNG
writer, and the start and end events of a cell."""

from __future__ import annotations

import base64
import functools
import importlib.util
from pathlib import Path
from types import ModuleType
from typing import Any

from desktop.core.agent.cell_outputs import ImageOutput, read_image
from desktop.core.agent.code_runs import CodeRun, OutputFile
from desktop.core.agent.events import ToolAction, ToolCallFinished, ToolCallStarted

KERNEL_LIB = Path(__file__).resolve().parents[2] / "fakes" / "kernel_lib"
WORKBENCH = "COMPOSIO_REMOTE_WORKBENCH"


@functools.cache
def _fake_png() -> ModuleType:
    # Loaded by path under its own name: the kernel's stand-ins stay off this process's path.
    spec = importlib.util.spec_from_file_location("_cells_fake_png", KERNEL_LIB / "fake_png.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def chart_png(
    width: int = 640, height: int = 480, bars: tuple[float, ...] = (100, 120, 95)
) -> bytes:
    """A bar chart as a real PNG, drawn as the fake workbench draws its charts."""
    fake_png = _fake_png()
    canvas = fake_png.Canvas(width, height)
    slot = width * 0.85 / len(bars)
    top = max(bars)
    for index, value in enumerate(bars):
        x = width * 0.1 + slot * index
        y = height * 0.88 - value / top * height * 0.75
        color = fake_png.color_of(None, index)
        canvas.rect(x + slot * 0.1, y, x + slot * 0.9, height * 0.88, color)
    canvas.line(width * 0.1, height * 0.88, width * 0.95, height * 0.88, fake_png.BLACK)
    png: bytes = canvas.png()
    return png


def chart(width: int = 640, height: int = 480) -> ImageOutput:
    image = read_image("png", base64.b64encode(chart_png(width, height)).decode("ascii"))
    assert isinstance(image, ImageOutput)
    return image


def cell_events(
    run: CodeRun, call_id: str = "cell-1", outcome: Any = "success"
) -> tuple[ToolCallStarted, ToolCallFinished]:
    """A cell's start (its code) and end (the whole run)."""
    tool = WORKBENCH if run.language == "python" else "COMPOSIO_REMOTE_BASH_TOOL"
    field = "code_to_execute" if run.language == "python" else "command"
    arguments = {field: run.code}
    started = ToolCallStarted(
        call_id,
        tool,
        arguments,
        (ToolAction(tool, arguments),),
        code_run=CodeRun(language=run.language, code=run.code),
    )
    finished = ToolCallFinished(call_id, tool, outcome, "{}", code_run=run)
    return started, finished


def summary_file(name: str = "summary.csv", size: int = 2048) -> OutputFile:
    return OutputFile(
        name=name, mount_relative_path=name, sandbox_path=f"/mnt/files/{name}", size=size
    )
