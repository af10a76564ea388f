"""Text from outside (the model, tools, links) made inert for a face: the one rule for both.

A terminal obeys control characters: ESC ]52 writes the clipboard, ESC ]0 sets the title,
ESC [2J clears the screen, ESC [A and a carriage return move the cursor over what was printed
(a forged "You:" line), 0x9b is an 8-bit CSI. Direction overrides and isolates reorder what a
person reads in a terminal and in a window alike. Each such character is written out
(`\\u001b`, `\\u202e`), so that what is shown is what is there and nothing acts; the rest of an
escape sequence then reads as plain text. Newlines and tabs stay.

Zero-width joiners (U+200C, U+200D) stay: scripts and emoji need them, and they neither act
nor reorder.

What a program wrote (a run's stdout and stderr, a result's text) loses its escape sequences
first, whole (`without_escapes`): a coloured line or a cleared screen would otherwise read as
`\u001b[31m` noise. Code cells keep their texts that way, on both faces.
"""

from __future__ import annotations

import re

_UNSEEN = re.compile(
    "["
    "\x00-\x08\x0b-\x1f\x7f-\x9f"  # C0 (but \t and \n), DEL, C1
    "\u061c\u200b\u200e\u200f"  # the Arabic letter mark, zero-width space, LRM, RLM
    "\u2028\u2029"  # line and paragraph separators
    "\u202a-\u202e\u2066-\u2069"  # direction embeddings, overrides and isolates
    "\ufeff"  # zero-width no-break space (BOM)
    "]"
)

# CSI (colours, cursor moves, a cleared screen), OSC (titles, links, the clipboard: ended by
# BEL or ST) and the other two-character escapes of a terminal.
_ESCAPES = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[@-Z\\-_]")


def without_escapes(text: str) -> str:
    """`text` without its terminal escape sequences (CSI, OSC, two-character), each taken out
    whole; any other control stays, for `inert` to write out."""
    return _ESCAPES.sub("", text) if "\x1b" in text else text


def inert(text: str) -> str:
    """`text` with every control, direction and invisible formatting character written out as
    `\\uXXXX`; newlines and tabs kept. Idempotent: what it writes has none of them."""
    return _UNSEEN.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


ELLIPSIS = "…"


def one_line(text: str, most: int) -> str:
    """`text` as one line of at most `most` characters: inert, its newlines and tabs made
    spaces (a table cell, a name, an argument: a line break in it would forge the lines after
    it, a "You:" prompt among them), then cut, the cut marked (after `inert`, so that what it
    writes out counts too)."""
    shown = inert(text[: most * 8 + 1]).replace("\n", " ").replace("\t", " ")
    return shown if len(shown) <= most else shown[: most - 1] + ELLIPSIS
