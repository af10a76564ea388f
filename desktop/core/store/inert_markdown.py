"""Text from outside made inert in a Markdown export: what a Markdown viewer shows, never obeys.

Tool names, arguments, errors and notes go into code (a span, or a fenced block whose fence is
longer than any run of backticks inside), so that a link or HTML in them reads as text. The
prompts and replies stay Markdown, but their raw HTML does not: every `<` outside code is
written `&lt;` (code shows it as it is), and a fence a reply leaves open is closed, so that it
cannot swallow the export's own lines and turn the next reply's code into live HTML. Control
and direction characters are written out everywhere (`desktop.core.inert`): `cat` of an export
in a terminal obeys no escape.
"""

from __future__ import annotations

import re

from desktop.core.inert import inert

_BACKTICKS = re.compile(r"`+")


def _fence_for(text: str, char: str = "`") -> str:
    longest = max((len(run) for run in re.findall(re.escape(char) + "+", text)), default=0)
    return char * max(3, longest + 1)


def code_span(text: str) -> str:
    """One line of text as an inline code span (newlines become spaces)."""
    line = " ".join(inert(text).splitlines())
    longest = max((len(run) for run in _BACKTICKS.findall(line)), default=0)
    fence = "`" * (longest + 1)
    # CommonMark takes one space off each end when both ends have one: padded, a backtick at
    # an end stays out of the fence, and spaces at both ends stay.
    padded = line.startswith("`") or line.endswith("`") or line[:1] == line[-1:] == " "
    return f"{fence} {line} {fence}" if padded or not line else f"{fence}{line}{fence}"


def code_lines(lead: str, text: str, indent: str, after: str = "") -> list[str]:
    """`lead` and `text` in code: on one line as a span, else as a fenced block below `lead`,
    indented by `indent` (the list item's own), so that no line of it is lost."""
    if "\n" not in text.strip():
        return [f"{lead} {code_span(text.strip())}{after}"]
    return [f"{lead}{after}", *fenced(text.strip("\n"), indent)]


def fenced(text: str, indent: str = "", info: str = "text") -> list[str]:
    """`text` as a fenced code block, each line indented by `indent` (inside a list item)."""
    body = inert(text)
    fence = _fence_for(body)
    return [
        f"{indent}{fence}{info}",
        *(f"{indent}{line}" for line in body.split("\n")),
        indent + fence,
    ]


def _escape_html(text: str) -> str:
    return text.replace("<", "&lt;")


def _escape_outside_spans(block: str) -> str:
    """`<` written `&lt;` except inside the block's code spans, paired as CommonMark pairs them:
    a backslash makes the first backtick of a run literal, and a run opens a span that the
    next run of the same length closes (none: the run is literal)."""
    if "|" in block:  # a table's cells split before its code spans pair: trust no span
        return _escape_html(block)
    runs = [(m.start(), len(m.group())) for m in _BACKTICKS.finditer(block)]
    out: list[str] = []
    position = index = 0
    while index < len(runs):
        start, length = runs[index]
        before = block[position:start]
        if (len(before) - len(before.rstrip("\\"))) % 2:  # escaped: the rest is a run
            runs[index] = (start + 1, length - 1)
            if length == 1:
                index += 1
            continue
        closing = next((j for j in range(index + 1, len(runs)) if runs[j][1] == length), None)
        if closing is None:
            index += 1
            continue
        end = runs[closing][0] + length
        out += [_escape_html(block[position:start]), block[start:end]]
        position, index = end, closing + 1
    out.append(_escape_html(block[position:]))
    return "".join(out)


def prose(text: str) -> str:
    """A prompt or reply as Markdown without live HTML, its open fence closed."""
    from markdown_it import MarkdownIt

    text = inert(text)
    lines = text.split("\n")
    kept = [False] * len(lines)  # inside a code block: as it is
    spans: list[tuple[int, int]] = []  # a paragraph's or heading's lines: code spans kept
    unclosed = ""
    for token in MarkdownIt("commonmark").parse(text):
        if token.map is None:
            continue
        start, end = token.map
        if token.type in ("fence", "code_block"):
            kept[start:end] = [True] * (end - start)
            if (
                token.type == "fence"
                and end == len(lines)
                and not _closes(lines, token.markup, start, end)
            ):
                unclosed = token.markup
        elif token.type == "inline":
            spans.append((start, end))
    out = [line if keep else _escape_html(line) for line, keep in zip(lines, kept, strict=True)]
    for start, end in spans:
        out[start:end] = _escape_outside_spans("\n".join(lines[start:end])).split("\n")
    if unclosed:
        out.append(unclosed)
    return "\n".join(out)


def _closes(lines: list[str], markup: str, start: int, end: int) -> bool:
    last = lines[end - 1].strip()
    return end - 1 > start and len(last) >= len(markup) and set(last) == {markup[0]}


def plain(text: str) -> str:
    """A line of text (a title) with no HTML and no control characters."""
    return _escape_html(" ".join(inert(text).splitlines()))
