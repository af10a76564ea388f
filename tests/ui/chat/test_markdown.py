"""Markdown rendering: incremental equals whole, HTML and images stay inert, code is found."""

from __future__ import annotations

import random

import pytest
from PySide6.QtGui import QTextDocument
from PySide6.QtWidgets import QApplication

from desktop.ui.chat.highlighter import CodeHighlighter, language_of
from desktop.ui.chat.markdown import MARKDOWN_FEATURES, MarkdownRenderer, SafeTextDocument

SAMPLE = """# Sandboxes

You have **3** running sandboxes. Inline `code` too:

```python
from e2b import Sandbox

def main():
    sbx = Sandbox()

    print(sbx.sandbox_id)
```

1. first item
2. second item

   continued paragraph

3. third

- a
- b

| id | state |
|----|-------|
| sbx1 | running |
| sbx2 | paused |

> quoted
> text

~~~bash
echo $HOME  # comment
~~~
Final words with a [link](https://e2b.dev).
"""


def _full_render(source: str) -> str:
    doc = QTextDocument()
    doc.setMarkdown(source, MARKDOWN_FEATURES)
    return _lines(doc.toPlainText())


def _lines(text: str) -> str:
    return "\n".join(line for line in text.split("\n") if line.strip())


@pytest.mark.parametrize("seed", range(8))
def test_streamed_rendering_matches_a_whole_render(styled_app: QApplication, seed: int) -> None:
    chooser = random.Random(seed)
    doc = SafeTextDocument()
    renderer = MarkdownRenderer(doc)
    position = 0
    while position < len(SAMPLE):
        step = chooser.randint(1, 12)
        renderer.append(SAMPLE[position : position + step])
        position += step
    assert renderer.source == SAMPLE
    assert _lines(doc.toPlainText()) == _full_render(SAMPLE)


def test_each_intermediate_state_shows_everything_received(styled_app: QApplication) -> None:
    doc = SafeTextDocument()
    renderer = MarkdownRenderer(doc)
    for end in range(1, len(SAMPLE), 7):
        renderer.set_source(SAMPLE[:end])
        assert _lines(doc.toPlainText()) == _full_render(SAMPLE[:end])


def test_code_blocks_are_located_and_split_fences_merge(styled_app: QApplication) -> None:
    doc = SafeTextDocument()
    renderer = MarkdownRenderer(doc)
    for char in SAMPLE:  # one character at a time: the python fence is cut many times
        renderer.append(char)
    code = [
        "\n".join(doc.findBlockByNumber(n).text() for n in range(first, last + 1))
        for first, last in renderer.code_blocks()
    ]
    assert code == [
        "from e2b import Sandbox\n\ndef main():\n    sbx = Sandbox()\n\n    print(sbx.sandbox_id)",
        "echo $HOME  # comment",
    ]


def test_raw_html_in_model_text_is_shown_as_text(styled_app: QApplication) -> None:
    doc = SafeTextDocument()
    MarkdownRenderer(doc).set_source(
        'Hi <script>alert("x")</script> and <img src=http://evil.example/x.png> '
        "<b>not bold</b>\n\n<div onclick='x()'>block</div>\n"
    )
    doc.setTextWidth(500)
    doc.size()  # lay out: any image would be requested now
    text = doc.toPlainText()
    assert '<script>alert("x")</script>' in text
    assert "<img src=http://evil.example/x.png>" in text
    assert "<b>not bold</b>" in text
    assert "<div onclick='x()'>block</div>" in text
    assert doc.refused_resources == []
    assert "<img" not in doc.toHtml().replace("&lt;img", "")


def test_markdown_images_become_links_and_are_never_fetched(styled_app: QApplication) -> None:
    doc = SafeTextDocument()
    MarkdownRenderer(doc).set_source("See ![a chart](http://evil.example/chart.png) here")
    doc.setTextWidth(500)
    doc.size()
    assert doc.toPlainText() == "See [image: a chart] here"
    assert doc.refused_resources == []
    block = doc.begin()
    hrefs = []
    it = block.begin()
    while not it.atEnd():
        fmt = it.fragment().charFormat()
        if fmt.isAnchor():
            hrefs.append(fmt.anchorHref())
        it += 1
    assert hrefs == ["http://evil.example/chart.png"]


def test_the_document_refuses_every_resource(styled_app: QApplication) -> None:
    doc = SafeTextDocument()
    doc.setHtml('<img src="http://evil.example/x.png"><img src="file:///etc/passwd">')
    doc.setTextWidth(300)
    doc.size()
    assert "http://evil.example/x.png" in doc.refused_resources
    assert doc.loadResource(2, "file:///etc/passwd") is None


def test_a_new_source_that_does_not_extend_the_old_one_rerenders(
    styled_app: QApplication,
) -> None:
    doc = SafeTextDocument()
    renderer = MarkdownRenderer(doc)
    renderer.set_source("First paragraph.\n\nSecond paragraph.\n\nThird")
    renderer.set_source("Something else entirely")
    assert doc.toPlainText() == "Something else entirely"


def test_highlighter_colours_code_but_not_prose(styled_app: QApplication) -> None:
    doc = SafeTextDocument()
    highlighter = CodeHighlighter(doc)
    MarkdownRenderer(doc).set_source("def is prose here\n\n```python\ndef f():\n    pass\n```\n")
    prose, code = doc.begin(), doc.begin().next()
    assert code.text() == "def f():"
    assert code.layout().formats() != []
    assert prose.layout().formats() == []
    assert highlighter.document() is doc


@pytest.mark.parametrize(
    ("info", "language"),
    [
        ("py", "python"),
        ("Python3", "python"),
        ("sh", "bash"),
        ("json", "json"),
        ("rust", "rust"),  # Pygments knows it (the regexes knew three languages)
        ("no-such-language", None),
    ],
)
def test_language_names(info: str, language: str | None) -> None:
    assert language_of(info) == language
