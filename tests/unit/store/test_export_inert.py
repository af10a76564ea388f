"""The Markdown export shows what tools and the model wrote, never runs it: no live HTML, no link
from a tool, no fence that escapes (issue 10, clean-up beside items 1 and 3)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from markdown_it import MarkdownIt

from desktop.core.agent.events import ConnectLink, ToolAction
from desktop.core.store.records import ToolCardRecord
from desktop.core.store.sqlite import ConversationStore
from tests.unit.store.test_store_messages import MODEL, FakeClock, answered, dump

SCRIPT = '<script>alert("x")</script>'
LINK = "[x](https://evil.example/steal)"
FENCE = "```\n</code></pre><img src=x onerror=alert(1)>\n````"
HOSTILE = f"{SCRIPT} {LINK} {FENCE} \x1b]52;c;ZXZpbA==\x07"


@pytest.fixture
def store(tmp_path: Path) -> Iterator[ConversationStore]:
    with ConversationStore(tmp_path / "c.sqlite3", clock=FakeClock()) as s:
        yield s


def _export(store: ConversationStore, replies: list[str]) -> str:
    cid = store.create_conversation(MODEL)
    hostile_card = ToolCardRecord(
        call_id="c1",
        tool_name="COMPOSIO_MULTI_EXECUTE_TOOL",
        actions=(ToolAction(f"E2B_{SCRIPT}", {"metadata": HOSTILE, LINK: FENCE}),),
        outcome="failed",
        result_text=HOSTILE,
        errors=(f"E2B_CREATE_SANDBOX: {HOSTILE}", f"one line {LINK}"),
        consent=f"Denied by you: {HOSTILE}",
        connect_links=(ConnectLink(f"e2b{SCRIPT}", "https://evil.example/e2b-login"),),
    )
    for number, reply in enumerate(replies):
        turn = store.begin_turn(cid, f"prompt {number} <b>bold</b>")
        cards = (hostile_card,) if number == 0 else ()
        store.complete_turn(turn, dump(answered("p", reply)), reply, cards)
    turn = store.begin_turn(cid, "last")
    store.complete_turn(turn, None, "", status="failed", error=f"The server said {HOSTILE}")
    return store.export_markdown(cid)


def _html(markdown: str) -> str:
    # CommonMark with raw HTML on, as Markdown viewers render it.
    return MarkdownIt("commonmark", {"html": True}).enable("table").render(markdown)


def test_tool_text_in_the_markdown_export_is_inert(store: ConversationStore) -> None:
    markdown = _export(store, ["Done."])
    html = _html(markdown)
    assert "<script" not in html and "<img" not in html and "<b>" not in html
    assert 'href="https://evil.example' not in html  # neither the argument's link nor the card's
    assert "\x1b" not in markdown and "\x07" not in markdown  # `cat` of it obeys no escape
    # Nothing is lost: the text is there to read, in code.
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html
    assert "[x](https://evil.example/steal)" in html
    assert "\\u001b]52;c;ZXZpbA==\\u0007" in html
    assert "<code>https://evil.example/e2b-login</code>" in html
    assert "Denied by you: " in html and "The server said " in html


def test_replies_stay_markdown_without_live_html(store: ConversationStore) -> None:
    first = (
        f"**Bold** and [docs](https://e2b.dev/docs). {SCRIPT} `<kbd>x</kbd>` and `x < 3`\n\n"
        "<div onclick=alert(1)>block</div>\n\n"
        "```python\nif a < b:\n    print('<ok>')\n```\n\n"
        "A fence left open:\n```\n"
    )
    # Had the first reply's fence stayed open, it would close at this one's opening fence and
    # its code would turn into live HTML.
    second = f"Code:\n```\n{SCRIPT}\n```\n\\`{SCRIPT}`"
    html = _html(_export(store, [first, second]))
    assert "<script" not in html and "<div onclick" not in html
    assert "<strong>Bold</strong>" in html and '<a href="https://e2b.dev/docs">docs</a>' in html
    assert "<code>&lt;kbd&gt;x&lt;/kbd&gt;</code>" in html  # code shows its < as it is
    assert "<code>x &lt; 3</code>" in html
    assert "if a &lt; b:\n    print('&lt;ok&gt;')" in html
    assert "&lt;/script&gt;" in html
