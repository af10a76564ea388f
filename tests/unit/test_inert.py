"""The one rule for text from outside: controls, escapes and direction marks written out."""

from __future__ import annotations

import pytest

from desktop.core.inert import inert, without_escapes


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("\x1b]52;c;ZXZpbA==\x07", "\\u001b]52;c;ZXZpbA==\\u0007"),  # a clipboard write
        ("\x1b]0;title\x1b\\", "\\u001b]0;title\\u001b\\"),
        ("\x1b[2J\x1b[3A", "\\u001b[2J\\u001b[3A"),
        ("\rYou: ", "\\u000dYou: "),
        ("\x9b31m\x85\x00\x7f", "\\u009b31m\\u0085\\u0000\\u007f"),  # C1, NUL, DEL
        ("a\u202eb\u2066c\u2069\u200fd\ufeff", "a\\u202eb\\u2066c\\u2069\\u200fd\\ufeff"),
        ("line\u2028next", "line\\u2028next"),
    ],
)
def test_what_a_terminal_or_a_reader_would_obey_is_written_out(text: str, shown: str) -> None:
    assert inert(text) == shown
    assert inert(shown) == shown  # idempotent: the written-out form has nothing left to escape


def test_newlines_tabs_and_text_stay() -> None:
    # The zero-width joiner is kept: emoji and several scripts need it.
    text = "Sandbox sb-1:\n\tläuft 🧑\u200d💻 مرحبا"
    assert inert(text) == text


@pytest.mark.parametrize(
    ("text", "left"),
    [
        ("\x1b[2Jcleared", "cleared"),
        ("\x1b[1;31mred\x1b[0m", "red"),
        ("\x1b]52;c;ZXZpbA==\x07copied", "copied"),  # the clipboard write, payload and all
        ("\x1b]0;pwned\x1b\\titled", "titled"),  # a title ended by ST
        ("\x1bMup", "up"),  # a two-character escape
        ("\x1b]0;never ended", "0;never ended"),  # no end: its start goes, the rest is text
        ("\x9b31m\r\u202e", "\x9b31m\r\u202e"),  # other controls: left for `inert`
    ],
)
def test_what_a_program_wrote_loses_its_escape_sequences_whole(text: str, left: str) -> None:
    assert without_escapes(text) == left


def test_one_line_keeps_a_name_or_a_cell_to_one_line_of_its_length() -> None:
    from desktop.core.inert import one_line

    assert one_line("a\nYou: exit\tb\r", 100) == "a You: exit b\\u000d"
    hostile = "\x1b" * 39 + "x"
    shown = one_line(hostile, 40)
    assert len(shown) == 40 and shown.endswith("…") and "\x1b" not in shown  # cut after inert
    assert one_line("short", 40) == "short"
    assert len(one_line("y" * 1_000_000, 40)) == 40
