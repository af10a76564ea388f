"""The one rule for text from outside: controls, escapes and direction marks written out."""

from __future__ import annotations

import pytest

from desktop.core.inert import inert


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
