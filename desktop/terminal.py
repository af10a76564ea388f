"""The terminal face's output: text from outside made inert, the app's own colours around it."""

from __future__ import annotations

import os
from typing import TextIO

from desktop.core.inert import inert


class Terminal:
    """Writes the conversation; ANSI styling only on a terminal and without NO_COLOR."""

    def __init__(self, out: TextIO, err: TextIO, *, color: bool) -> None:
        self.out = out
        self.err = err
        self.color = color

    @property
    def width(self) -> int | None:
        """The terminal's columns now (it may have been resized); None when the output is not
        a terminal (a pipe, a file: lines are not cut to any width)."""
        try:
            if not self.out.isatty():
                return None
            return os.get_terminal_size(self.out.fileno()).columns or None
        except (OSError, ValueError):  # no file number (a StringIO), or closed
            return None

    def _style(self, code: str, text: str) -> str:
        return f"\033[{code}m{text}\033[0m" if self.color else text

    @staticmethod
    def _emit(stream: TextIO, text: str) -> None:
        stream.write(text)
        stream.flush()

    # Each takes text from outside: its control and escape characters written out (`inert`)
    # before the app's own colours go around it, the only escapes that reach the terminal.
    def write(self, text: str) -> None:
        self._emit(self.out, inert(text))

    def line(self, text: str = "") -> None:
        self._emit(self.out, inert(text) + "\n")

    def dim(self, text: str) -> None:
        self._emit(self.out, self._style("2", inert(text)) + "\n")

    def marked(self, text: str) -> None:
        """A line set apart from the rest (what code wrote to stderr), on stdout."""
        self._emit(self.out, self._style("33", inert(text)) + "\n")

    def error(self, text: str) -> None:
        self._emit(self.err, self._style("31", f"Error: {inert(text)}") + "\n")
