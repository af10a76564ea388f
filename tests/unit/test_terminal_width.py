"""The terminal face knows its width on a terminal, and none on a pipe or in memory."""

from __future__ import annotations

import fcntl
import io
import os
import pty
import struct
import termios

from desktop.terminal import Terminal


def test_a_terminal_gives_its_columns_as_they_are_now() -> None:
    leader, follower = pty.openpty()
    try:
        with os.fdopen(follower, "w", closefd=False) as out:
            term = Terminal(out, io.StringIO(), color=False)
            for columns in (80, 132):
                fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 40, columns, 0, 0))
                assert term.width == columns  # a resize is seen at the next table
    finally:
        os.close(leader)
        os.close(follower)


def test_a_pipe_or_memory_has_no_width() -> None:
    assert Terminal(io.StringIO(), io.StringIO(), color=False).width is None
    read, write = os.pipe()
    try:
        with os.fdopen(write, "w", closefd=False) as out:
            assert Terminal(out, io.StringIO(), color=False).width is None
    finally:
        os.close(read)
        os.close(write)
