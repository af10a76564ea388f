"""Syntax colours for fenced code blocks (python, bash, json) inside a rendered message."""

from __future__ import annotations

import re
from dataclasses import dataclass

from PySide6.QtGui import (
    QColor,
    QFont,
    QSyntaxHighlighter,
    QTextCharFormat,
    QTextDocument,
    QTextFormat,
)

_ALIASES = {
    "py": "python",
    "python": "python",
    "python3": "python",
    "py3": "python",
    "sh": "bash",
    "bash": "bash",
    "shell": "bash",
    "zsh": "bash",
    "console": "bash",
    "shellsession": "bash",
    "json": "json",
    "jsonc": "json",
    "json5": "json",
}


def language_of(info: object) -> str | None:
    """The highlighter's name for a fence's info string ('py', 'Python3' ...), or None."""
    if not isinstance(info, str) or not info.strip():
        return None
    return _ALIASES.get(info.strip().split()[0].lower())


def _format(color: str, *, italic: bool = False, bold: bool = False) -> QTextCharFormat:
    fmt = QTextCharFormat()
    fmt.setForeground(QColor(color))
    if italic:
        fmt.setFontItalic(True)
    if bold:
        fmt.setFontWeight(QFont.Weight.DemiBold)
    return fmt


@dataclass(frozen=True)
class _Rule:
    pattern: re.Pattern[str]
    fmt: QTextCharFormat
    group: int = 0


_KEYWORD = _format("#cf222e")
_STRING = _format("#0a3069")
_COMMENT = _format("#6e7781", italic=True)
_NUMBER = _format("#0550ae")
_NAME = _format("#8250df")
_DECORATOR = _format("#953800")
_KEY = _format("#0550ae", bold=True)
_CONSTANT = _format("#0550ae", bold=True)

_PY_KEYWORDS = (
    "False|None|True|and|as|assert|async|await|break|class|continue|def|del|elif|else|except|"
    "finally|for|from|global|if|import|in|is|lambda|match|case|nonlocal|not|or|pass|raise|return|"
    "try|while|with|yield"
)
_BASH_KEYWORDS = (
    "if|then|else|elif|fi|for|in|do|done|while|until|case|esac|function|return|export|local|"
    "readonly|set|unset|source|exit"
)
_DQ_STRING = r"\"[^\"\\]*(?:\\.[^\"\\]*)*\""
_SQ_STRING = r"'[^'\\]*(?:\\.[^'\\]*)*'"

_RULES: dict[str, tuple[_Rule, ...]] = {
    "python": (
        _Rule(re.compile(rf"\b(?:{_PY_KEYWORDS})\b"), _KEYWORD),
        _Rule(re.compile(r"\b(?:def|class)\s+(\w+)"), _NAME, 1),
        _Rule(re.compile(r"\b(?:print|len|range|dict|list|set|str|int|float|open|super)\b"), _NAME),
        _Rule(re.compile(r"\b\d+(?:\.\d+)?\b"), _NUMBER),
        _Rule(re.compile(r"^\s*@[\w.]+"), _DECORATOR),
        _Rule(re.compile(rf"[rbfu]{{0,2}}(?:{_DQ_STRING}|{_SQ_STRING})"), _STRING),
        _Rule(re.compile(r"#.*$"), _COMMENT),
    ),
    "bash": (
        _Rule(re.compile(rf"\b(?:{_BASH_KEYWORDS})\b"), _KEYWORD),
        _Rule(re.compile(r"(?:^|\s)(--?[\w-]+)"), _NUMBER, 1),
        _Rule(re.compile(r"\$\{?\w+\}?"), _DECORATOR),
        _Rule(re.compile(r"\"[^\"\\]*(?:\\.[^\"\\]*)*\"|'[^']*'"), _STRING),
        _Rule(re.compile(r"(?:^|\s)(#.*)$"), _COMMENT, 1),
    ),
    "json": (
        _Rule(re.compile(r"-?\b\d+(?:\.\d+)?(?:[eE][+-]?\d+)?\b"), _NUMBER),
        _Rule(re.compile(r"\b(?:true|false|null)\b"), _CONSTANT),
        _Rule(re.compile(r"\"[^\"\\]*(?:\\.[^\"\\]*)*\""), _STRING),
        _Rule(re.compile(r"(\"[^\"\\]*(?:\\.[^\"\\]*)*\")\s*:"), _KEY, 1),
    ),
}

_TRIPLE_QUOTES = ('"""', "'''")


class CodeHighlighter(QSyntaxHighlighter):
    """Colours the code blocks of a markdown document; other blocks are left alone.

    Later rules win, so strings and comments are applied after keywords. Python triple-quoted
    strings carry over between lines through the block state (1 = inside \"\"\", 2 = inside ''').
    """

    def __init__(self, document: QTextDocument) -> None:
        super().__init__(document)

    def highlightBlock(self, text: str) -> None:
        self.setCurrentBlockState(0)
        block_format = self.currentBlock().blockFormat()
        if not block_format.hasProperty(QTextFormat.Property.BlockCodeFence):
            return
        language = language_of(block_format.property(QTextFormat.Property.BlockCodeLanguage))
        if language is None:
            stripped = text.lstrip()
            language = "json" if stripped[:1] in ("{", "[", '"') else None
        if language is None:
            return
        for rule in _RULES[language]:
            for match in rule.pattern.finditer(text):
                start, end = match.span(rule.group)
                if end > start:
                    self.setFormat(start, end - start, rule.fmt)
        if language == "python":
            self._triple_quoted(text)

    def _triple_quoted(self, text: str) -> None:
        position = 0
        state = self.previousBlockState()
        if state in (1, 2):
            quote = _TRIPLE_QUOTES[state - 1]
            end = text.find(quote)
            if end < 0:
                self.setFormat(0, len(text), _STRING)
                self.setCurrentBlockState(state)
                return
            self.setFormat(0, end + 3, _STRING)
            position = end + 3
        while True:
            starts = [(text.find(q, position), i) for i, q in enumerate(_TRIPLE_QUOTES)]
            found = [(s, i) for s, i in starts if s >= 0]
            if not found:
                return
            start, index = min(found)
            end = text.find(_TRIPLE_QUOTES[index], start + 3)
            if end < 0:
                self.setFormat(start, len(text) - start, _STRING)
                self.setCurrentBlockState(index + 1)
                return
            self.setFormat(start, end + 3 - start, _STRING)
            position = end + 3
