"""Streaming cut points from markdown-it-py's block map: where they go, and that rendering cut
text gives what rendering it whole gives."""

from __future__ import annotations

import pytest
from PySide6.QtGui import QTextDocument
from PySide6.QtWidgets import QApplication

from desktop.ui.chat import markdown_cuts
from desktop.ui.chat.markdown import MARKDOWN_FEATURES, MarkdownRenderer, SafeTextDocument
from desktop.ui.chat.markdown_cuts import CutFinder, Fence


def _cuts(source: str) -> list[tuple[int, str | None]]:
    """The cuts found while `source` streams in a character at a time."""
    finder = CutFinder()
    for end in range(1, len(source) + 1):
        finder.feed(source[:end])
    return [(cut.position, cut.fence.opener if cut.fence else None) for cut in finder.cuts]


def _at(source: str, *lines: str) -> list[int]:
    """Where each of `lines` starts in `source` (each must occur once)."""
    assert all(source.count(line) == 1 for line in lines)
    return [source.index(line) for line in lines]


def _nonblank(text: str) -> list[str]:
    return [line for line in text.split("\n") if line.strip()]


def _streamed(source: str) -> tuple[str, list[str]]:
    """Plain text and code blocks of `source` streamed a character at a time."""
    doc = SafeTextDocument()
    renderer = MarkdownRenderer(doc)
    for end in range(1, len(source) + 1):
        renderer.set_source(source[:end])
    code = [
        "\n".join(doc.findBlockByNumber(n).text() for n in range(first, last + 1))
        for first, last in renderer.code_blocks()
    ]
    return doc.toPlainText(), code


def _whole(source: str) -> str:
    doc = QTextDocument()
    doc.setMarkdown(source, MARKDOWN_FEATURES)
    return doc.toPlainText()


FENCED = "Intro\n\n```python\na = 1\n\nb = 2\n```\nafter the fence\n"
LISTS = "- a\n- b\n\n- c\n\n  more of c\n\nend\n"
QUOTES = "> a\n>\n> b\n\n> c\nlazy\n\nafter\n"
TABLE = "| a | b |\n|---|---|\n| 1 | 2 |\n| 3 | 4 |\n\nnext\n"
SETEXT = "para\n\nTitle\n-----\n\nAnother\n===\nnext\n"
UNCLOSED = "Text\n\n```bash\necho one\necho two"


def test_a_fenced_block_is_cut_before_after_each_line_and_after_its_close() -> None:
    fence, blank, line_b, closer, after = _at(
        FENCED, "```python", "\n\nb", "b = 2", "```\n", "after"
    )
    opener = "```python"
    assert _cuts(FENCED) == [
        (fence, None),
        (blank + 1, opener),  # after "a = 1"
        (line_b, opener),  # after the blank line inside the fence
        (closer, opener),  # after "b = 2"
        (after, None),  # after the closing line
    ]


def test_lists_are_cut_only_between_items_after_a_blank_line() -> None:
    item_c, end = _at(LISTS, "- c", "end")
    assert _cuts(LISTS) == [(item_c, None), (end, None)]  # never inside an item (its "more")


def test_a_block_quote_is_cut_only_where_it_ends() -> None:
    second, after = _at(QUOTES, "> c", "after")
    assert _cuts(QUOTES) == [(second, None), (after, None)]  # not at "lazy" (its continuation)


def test_a_table_is_never_cut_inside() -> None:
    assert _cuts(TABLE) == [(TABLE.index("next"), None)]
    # A table may take a paragraph's last line as its header: no cut without a blank line.
    assert _cuts("text\n| a |\n|---|\n| 1 |\n") == []


def test_setext_headings_are_never_cut_from_their_underline() -> None:
    title, another = _at(SETEXT, "Title", "Another")
    assert _cuts(SETEXT) == [(title, None), (another, None)]  # "next" directly follows "==="


def test_an_unclosed_fence_at_the_end_is_cut_after_each_complete_line() -> None:
    fence, two = _at(UNCLOSED, "```bash", "echo two")
    assert _cuts(UNCLOSED) == [(fence, None), (two, "```bash")]  # "echo two" is not complete
    finder = CutFinder()
    finder.feed(UNCLOSED)
    assert finder.cuts[-1].fence == Fence("```bash", "```")


def test_an_indented_fence_is_reopened_with_its_indentation() -> None:
    source = "text\n\n  ```py\n  a\n   b\n  ```\nafter\n"
    assert _cuts(source) == [
        (source.index("  ```py"), None),
        (source.index("   b"), "  ```py"),
        (source.index("  ```\n"), "  ```py"),
        (source.index("after"), None),
    ]


def test_carriage_returns_keep_the_cuts_on_line_starts() -> None:
    source = "one\r\n\r\ntwo\rstill two\n\nthree\n"
    assert _cuts(source) == [(source.index("two"), None), (source.index("three"), None)]


def test_the_paragraphs_of_one_list_item_are_not_parsed_again_and_again(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # No top-level cut can come inside the item: parsing from the last cut on at each of its
    # paragraphs was quadratic (40 s for a 74,000-character item).
    parser = markdown_cuts.block_parser()
    parses: list[int] = []

    class Counting:
        def parse(self, text: str) -> object:
            parses.append(len(text))
            return parser.parse(text)

    monkeypatch.setattr(markdown_cuts, "block_parser", Counting)
    paragraphs = [f"  paragraph {n} of the item, and some more words" for n in range(300)]
    code = [f"      code line {n}" for n in range(300)]
    source = "Intro\n\n- item\n\n" + "\n\n".join(paragraphs + code) + "\n\nafter\n"
    finder = CutFinder()
    for end in range(0, len(source), 7):
        finder.feed(source[:end])
    finder.feed(source)
    assert len(parses) <= 4
    assert [cut.position for cut in finder.cuts] == _at(source, "- item", "after")


@pytest.mark.parametrize(
    "source",
    [
        *(FENCED, LISTS, QUOTES, TABLE, SETEXT, UNCLOSED),
        "x\n\n1. a\n\n2. b\n\n    code\n\nz\n",
        "x\n\n  indented\n\n   more\n\nz\n",  # top-level paragraphs, cut when "z" comes
    ],
)
def test_streamed_text_is_cut_the_same_however_it_arrives(source: str) -> None:
    at_once = CutFinder()
    at_once.feed(source)
    assert [cut.position for cut in at_once.cuts] == [position for position, _ in _cuts(source)]


@pytest.mark.parametrize("source", [FENCED, LISTS, QUOTES, TABLE, SETEXT, UNCLOSED])
def test_cut_rendering_shows_what_a_whole_render_shows(
    styled_app: QApplication, source: str
) -> None:
    text, _code = _streamed(source)
    assert _nonblank(text) == _nonblank(_whole(source))


def test_an_unclosed_fence_streams_into_one_code_block(styled_app: QApplication) -> None:
    text, code = _streamed(UNCLOSED)
    assert code == ["echo one\necho two"]
    assert _nonblank(text) == ["Text", "echo one", "echo two"]
