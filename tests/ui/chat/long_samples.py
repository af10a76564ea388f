"""Long texts for the long-text tests, and what a document's blocks hold."""

from __future__ import annotations

import itertools

from PySide6.QtGui import QTextDocument

from desktop.ui.chat.markdown import MarkdownRenderer

_WORDS = itertools.cycle(["alpha", "beta", "gamma", "sandbox", "e2b", "the", "of", "running."])
PARAGRAPH = "".join(f"{next(_WORDS)} " for _ in range(6_000))  # ~40,000 characters, one block
UNBROKEN = "0123456789abcdef" * 9_400  # 150,400 characters without a break opportunity


def block_texts(doc: QTextDocument) -> list[str]:
    texts = []
    block = doc.begin()
    while block.isValid():
        texts.append(block.text())
        block = block.next()
    return texts


def stream(renderer: MarkdownRenderer, source: str, step: int) -> None:
    """`source` given to `renderer` as if it streamed in, `step` characters at a time."""
    for end in range(step, len(source) + step, step):
        renderer.set_source(source[:end])
