"""Code colours from Pygments: languages by alias, plain text otherwise, lines lexed from the
state the line above left, a huge block coloured over several turns, Pygments loaded late."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterable, Iterator
from typing import Any

import pytest
from PySide6.QtGui import QTextBlock
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from desktop.ui.chat import code_lexing, highlighter
from desktop.ui.chat.code_lexing import (
    BUNDLED_LEXER_MODULES,
    MAX_LINE_CHARS,
    LineLexer,
    Stack,
    language_of,
    lexer_for,
)
from desktop.ui.chat.highlighter import MAX_CONTINUED_CHARS, CodeHighlighter
from desktop.ui.chat.markdown import MarkdownRenderer, SafeTextDocument

KEYWORD, STRING, COMMENT, KEY, INSERTED = "#cf222e", "#0a3069", "#6e7781", "#0550ae", "#116329"


SLICE = highlighter.SLICE_SECONDS


@pytest.fixture(autouse=True)
def _one_slice_lexes_all(monkeypatch: pytest.MonkeyPatch) -> None:
    """These tests are about colours, not time: on a busy machine a 12 ms slice could end
    before a line is lexed. The test of slicing itself puts the real slice back."""
    monkeypatch.setattr(highlighter, "SLICE_SECONDS", 1_000.0)


@pytest.fixture
def fresh_lexers() -> Iterator[None]:
    code_lexing._lexer.cache_clear()
    yield
    code_lexing._lexer.cache_clear()


def _render(markdown: str) -> tuple[SafeTextDocument, CodeHighlighter]:
    doc = SafeTextDocument()
    highlight = CodeHighlighter(doc)
    MarkdownRenderer(doc).set_source(markdown)
    return doc, highlight


def _pieces(doc: SafeTextDocument, text: str) -> list[QTextBlock]:
    """The blocks that show `text`, one long line, in pieces."""
    block = doc.begin()
    while block.isValid() and not (block.text() and text.startswith(block.text())):
        block = block.next()
    pieces = [block]
    while "".join(piece.text() for piece in pieces) != text and block.next().isValid():
        block = block.next()
        pieces.append(block)
    assert "".join(piece.text() for piece in pieces) == text
    return pieces


def _line(doc: SafeTextDocument, text: str) -> QTextBlock:
    block = doc.begin()
    while block.isValid() and block.text() != text:
        block = block.next()
    assert block.isValid(), text
    return block


def _colours(block: QTextBlock) -> dict[str, str]:
    """Each coloured stretch of a line's text -> its colour."""
    text = block.text()
    return {
        text[r.start : r.start + r.length]: r.format.foreground().color().name()
        for r in block.layout().formats()
    }


@pytest.mark.parametrize(
    ("info", "language"),
    [
        ("py", "python"),
        ("sh", "bash"),
        ("bash", "bash"),
        ("js", "javascript"),
        ("ts", "typescript"),
        ("json", "json"),
        ("yaml", "yaml"),
        ("toml", "toml"),
        ("sql", "sql"),
        ("diff", "diff"),
        ("Python title='x'", "python"),  # the first word of the info string
        ("", None),
        ("klingon", None),
    ],
)
def test_fence_info_strings_name_pygments_languages(info: str, language: str | None) -> None:
    assert language_of(info) == language


COMMON_LANGUAGES = [
    *("python", "bash", "console", "json", "yaml", "javascript", "typescript", "toml", "ini"),
    *("dockerfile", "sql", "diff", "html", "xml", "css", "c", "cpp", "java", "kotlin"),
    *("csharp", "go", "rust", "ruby", "php", "swift", "lua", "markdown", "make", "text"),
]


@pytest.mark.parametrize("alias", COMMON_LANGUAGES)
def test_the_common_languages_are_bundled_in_the_frozen_app(alias: str) -> None:
    module, _class = code_lexing._lexer_classes()[alias]
    assert module in BUNDLED_LEXER_MODULES


def test_only_the_languages_pygments_knows_are_kept() -> None:
    lexer_for("python")
    kept = code_lexing._lexer.cache_info().currsize
    for n in range(1_000):  # a model may write any word after a fence
        assert language_of(f"made-up-{n}") is None
    assert code_lexing._lexer.cache_info().currsize == kept
    assert lexer_for("py") is lexer_for("python3") is lexer_for("python")


def test_a_language_whose_lexer_is_not_shipped_shows_plain_text(
    styled_app: QApplication, fresh_lexers: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    # As in the frozen app, where build.spec leaves the module out: importing it fails.
    monkeypatch.setitem(sys.modules, "pygments.lexers.rust", None)
    assert language_of("rust") is None
    doc, _ = _render("```rust\nfn main() { let x = 1; }\n```\n")
    assert _line(doc, "fn main() { let x = 1; }").layout().formats() == []


def test_keywords_strings_and_comments_take_the_app_colours(styled_app: QApplication) -> None:
    doc, _ = _render('```python\ndef f(x):\n    return "s"  # note\n```\n')
    assert _colours(_line(doc, "def f(x):"))["def"] == KEYWORD
    line = _colours(_line(doc, '    return "s"  # note'))
    assert (line["return"], line['"s"'], line["# note"]) == (KEYWORD, STRING, COMMENT)


def test_unknown_languages_stay_plain_and_json_is_recognised(styled_app: QApplication) -> None:
    doc, _ = _render('```klingon\nif x then y\n```\n\n```\n$ curl api\n{"id": 1}\n```\n')
    assert _line(doc, "if x then y").layout().formats() == []
    assert _line(doc, "$ curl api").layout().formats() == []
    assert _colours(_line(doc, '{"id": 1}'))['"id"'] == KEY


def test_lines_continue_the_state_the_line_above_left(styled_app: QApplication) -> None:
    doc, _ = _render('```python\nx = """one\ntwo\nthree""" + 1\n```\n\n```diff\n+added\n```\n')
    assert _colours(_line(doc, "two")) == {"two": STRING}  # inside the triple-quoted string
    assert _colours(_line(doc, '    three""" + 1'.strip()))["1"] == KEY
    assert _colours(_line(doc, "+added")) == {"+added": INSERTED}


def test_a_comment_left_open_closes_on_a_later_line(styled_app: QApplication) -> None:
    doc, _ = _render("```c\nint a; /* one\ntwo\nthree */ int b;\n```\n")
    assert _colours(_line(doc, "two")) == {"two": COMMENT}
    closing = _colours(_line(doc, "three */ int b;"))
    assert (closing["three */"], closing["int"]) == (COMMENT, KEYWORD)


@pytest.fixture
def lexed(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The length of each text the highlighter gives a lexer."""
    lengths: list[int] = []

    def spying(name: str) -> LineLexer | None:
        real = lexer_for(name)
        if real is None:
            return None

        def lex(text: str, stack: Stack, ended: list[Stack]) -> Iterable[tuple[int, Any, str]]:
            lengths.append(len(text))
            return real._lex(text, stack, ended)

        return LineLexer(real.name, lex)

    monkeypatch.setattr(highlighter, "lexer_for", spying)
    return lengths


def test_a_very_long_line_shows_plain_text_without_lexing_it(
    styled_app: QApplication, lexed: list[int]
) -> None:
    # Java's lexer is quadratic on such a line (seconds): it is never given to Pygments.
    long_line = "a " * 25_000
    doc, highlight = _render(f"```java\nint a;\n{long_line}\nint b;\n```\n")
    assert not highlight.busy
    assert lexed and max(lexed) < MAX_LINE_CHARS
    pieces = _pieces(doc, long_line)  # laid out in pieces (display_blocks), each one plain
    assert len(pieces) > 1 and all(piece.layout().formats() == [] for piece in pieces)
    assert _colours(_line(doc, "int b;"))["int"] == KEYWORD


def test_a_long_line_inside_an_open_comment_lexes_the_line_below_from_root(
    styled_app: QApplication,
) -> None:
    doc, _ = _render("```c\nint a; /* open\n" + "x" * 5_000 + "\nint b;\n```\n")
    assert _colours(_line(doc, "int b;"))["int"] == KEYWORD


def test_a_token_left_open_is_followed_over_a_bounded_number_of_characters(
    styled_app: QApplication, lexed: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    # All of it in one slice, however slow the machine: this test is about characters, not time.
    lines = ["x" * (MAX_LINE_CHARS - 10)] * 40  # an open comment of 40 lines (40,000 chars)
    _render("```c\n/* open\n" + "\n".join(lines) + "\n*/ int b;\n```\n")
    assert len(lexed) > 40 and max(lexed) <= MAX_CONTINUED_CHARS + 2 * MAX_LINE_CHARS


def test_a_streamed_block_is_coloured_as_a_whole_one(styled_app: QApplication) -> None:
    source = '```python\nclass A:\n    """doc\n    more"""\n    def f(self): return 0x1F\n```\n'
    whole, _ = _render(source)
    doc = SafeTextDocument()
    CodeHighlighter(doc)
    renderer = MarkdownRenderer(doc)
    for end in range(1, len(source) + 1):
        renderer.set_source(source[:end])
    for text in ("class A:", '    """doc', '    more"""', "    def f(self): return 0x1F"):
        assert _colours(_line(doc, text)) == _colours(_line(whole, text)), text


def test_a_huge_block_is_coloured_over_several_turns(
    qtbot: QtBot, styled_app: QApplication, monkeypatch: pytest.MonkeyPatch
) -> None:
    lines = [f'def f{n}(x):\n    """doc {n}\n    """\n    return x + {n}  # c' for n in range(800)]
    source = "```python\n" + "\n".join(lines) + "\n```\n"
    lexer_for("python")  # Pygments loaded: its first import is not part of the slice
    monkeypatch.setattr(highlighter, "SLICE_SECONDS", SLICE)
    doc, highlight = _render(source)
    assert highlight.busy  # 3,200 lines: far more than a slice lexes
    assert _line(doc, "    return x + 799  # c").layout().formats() == []  # not yet
    qtbot.waitUntil(lambda: not highlight.busy, timeout=20_000)
    monkeypatch.setattr(highlighter, "SLICE_SECONDS", 1_000.0)
    expected, at_once = _render(source)
    assert not at_once.busy
    block, other = doc.begin(), expected.begin()
    while block.isValid():
        assert _colours(block) == _colours(other), block.text()
        block, other = block.next(), other.next()


def test_pygments_and_markdown_it_are_not_loaded_before_they_are_needed() -> None:
    script = (
        "import sys\n"
        "import desktop.gui, desktop.desktop_app\n"
        "from desktop.ui.chat import message_widget\n"
        "print(sorted({'pygments', 'markdown_it'} & set(sys.modules)))\n"
    )
    run = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=60
    )
    assert run.stdout.strip() == "[]"


def test_the_rendering_group_holds_what_a_first_code_block_imports() -> None:
    # What the window imports off the UI thread after its first paint (DesktopApp.start).
    script = (
        "import sys\n"
        "from PySide6.QtWidgets import QApplication\n"
        "from desktop.core.lazy_imports import RENDERING, start_import\n"
        "from desktop.ui.chat import code_lexing, markdown_cuts\n"
        "from desktop.ui.chat.message_widget import AssistantMessageWidget, prepare_rendering\n"
        "app = QApplication([])\n"
        "start_import(RENDERING, then=prepare_rendering).result(timeout=60)\n"
        "made = (markdown_cuts.block_parser.cache_info(), code_lexing._lexer.cache_info())\n"
        "before = set(sys.modules)\n"
        "widget = AssistantMessageWidget()\n"
        "source = 'Here:\\n\\n```python\\ndef f(x):\\n    return 1\\n```\\n\\nDone.\\n'\n"
        "for char in source:\n"
        "    widget.append(char)\n"
        "widget.plain_text()\n"
        "print(sorted(set(sys.modules) - before))\n"
        "print([info.currsize for info in made])\n"
    )
    run = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=60
    )
    assert run.stdout.split("\n")[:2] == ["[]", "[1, 1]"], run.stdout + run.stderr
