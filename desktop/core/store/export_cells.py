"""Code cells in the Markdown export: the code and its outputs as code blocks, its images as
files beside the .md, linked relatively (`<name>_files/cell-3-1.png`).

Everything a run printed or returned is text from outside: it goes into fenced blocks
(`inert_markdown.fenced`, whose fence outlasts any inside), HTML and SVG included, so that a
Markdown viewer shows it and runs nothing. Images are written as the PNG or JPEG bytes they
came as; without a folder for them (`export_markdown` of the text alone) each is named in words
("[image: 640x480 PNG]"). Cells are numbered through the conversation, images within a cell.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from urllib.parse import quote

from desktop.core.agent.cell_outputs import (
    ImageOutput,
    JsonOutput,
    MarkupOutput,
    TextOutput,
    UnreadableOutput,
)
from desktop.core.agent.code_runs import CodeRun
from desktop.core.files import AtomicWriter, write_text_atomically
from desktop.core.router.mount_names import size_text
from desktop.core.store.inert_markdown import code_lines, code_span, fenced

INDENT = "  "  # inside the card's list item


@dataclass(frozen=True)
class ExportFile:
    """An image of a cell, to be written at `relative_path` beside the .md."""

    relative_path: str  # "<name>_files/cell-3-1.png", always below the .md's folder
    image: ImageOutput

    def data(self) -> bytes:
        return base64.b64decode(self.image.data_base64)


@dataclass(frozen=True)
class MarkdownExport:
    """The Markdown text and the image files it links to."""

    text: str
    files: tuple[ExportFile, ...] = ()


@dataclass
class CellImages:
    """Numbers the conversation's cells and collects their images (`folder` None: named in
    words, not written)."""

    folder: str | None = None
    files: list[ExportFile] = field(default_factory=list)
    cells: int = 0

    def link(self, cell: int, index: int, image: ImageOutput) -> str:
        """The image's line: a relative link to its file, or its name in words."""
        if self.folder is None:
            return f"[image: {image.label}]"
        path = f"{self.folder}/cell-{cell}-{index}{image.suffix}"
        self.files.append(ExportFile(path, image))
        return f"![image {cell}-{index}: {image.label}]({quote(path)})"


def cell_lines(run: CodeRun, heading: str, images: CellImages) -> list[str]:
    """A code cell as list-item lines: `heading` (its outcome, already inert), the code, what
    it printed, how it ended, its results and the files it left."""
    images.cells += 1
    cell = images.cells
    lines = [f"- {run.language_name} in the {run.where} {heading}", ""]
    lines += [*fenced(run.code or "(no code)", INDENT, run.language), ""]
    for label, text in (("Output", run.stdout), ("Errors (stderr)", run.stderr)):
        if text.strip():
            lines += [f"{INDENT}{label}:", "", *fenced(text.rstrip("\n"), INDENT), ""]
    if run.error is not None and run.error.traceback.strip():
        lines += [f"{INDENT}Traceback:", "", *fenced(run.error.traceback, INDENT), ""]
    lines += [*code_lines(f"{INDENT}Status:", run.status_text, INDENT), ""]
    number = 0
    for output in run.outputs:
        if isinstance(output, ImageOutput):
            number += 1
            lines += [INDENT + images.link(cell, number, output), ""]
        elif isinstance(output, TextOutput | JsonOutput):
            info = "json" if isinstance(output, JsonOutput) else "text"
            lines += [f"{INDENT}Result:", "", *fenced(output.text, INDENT, info), ""]
        elif isinstance(output, MarkupOutput):
            what = "HTML" if output.language == "html" else "SVG"
            lines += [f"{INDENT}Result ({what} source, not rendered):", ""]
            lines += [*fenced(output.text, INDENT, output.language), ""]
        elif isinstance(output, UnreadableOutput):
            lines += [*code_lines(f"{INDENT}Not shown:", output.reason, INDENT), ""]
    if run.omitted_outputs:
        lines += [f"{INDENT}({run.omitted_outputs} more outputs were not kept.)", ""]
    lines += _files_lines(run)
    return lines


def _files_lines(run: CodeRun) -> list[str]:
    if not run.output_files:
        return []
    lines = [f"{INDENT}Files it left in the workbench:", ""]
    for file in run.output_files:
        lines.append(f"{INDENT}- {code_span(file.sandbox_path)} ({size_text(file.size)})")
    if run.more_output_files:
        lines.append(f"{INDENT}- and {run.more_output_files} more")
    return [*lines, ""]


def write_markdown_export(path: Path, export: MarkdownExport) -> None:
    """Write the images (each atomically, below `path`'s folder), then the .md (atomically):
    a reader never finds the text linking to an image not written yet. Blocks: call it in a
    thread."""
    base = path.parent
    for file in export.files:
        relative = PurePosixPath(file.relative_path)
        if relative.is_absolute() or ".." in relative.parts:
            raise ValueError(f"an export file outside its folder: {file.relative_path!r}")
        with AtomicWriter(base.joinpath(*relative.parts)) as writer:
            writer.write(file.data())
    write_text_atomically(path, export.text)


def images_folder(markdown_path: Path) -> str:
    """The folder beside an export for its images: `<name>_files`."""
    return f"{markdown_path.stem or 'conversation'}_files"
