"""Pygments lexers for fenced code, one line at a time, resuming where the previous line ended.

Qt-free. Pygments is imported on the first code block, never before the window's first paint.
A Pygments lexer is not incremental, but a `RegexLexer` is a stack of states: lexing line by line
and carrying the stack from one line to the next gives the tokens of lexing the whole block at
once (for rules that do not match across a line break), so a streamed block costs one line per
new line, never the whole block again. Lexers that are not plain `RegexLexer`s lex each line on
its own: the colours of a construct spanning lines (rare in those languages) may be lost.
"""

from __future__ import annotations

import functools
import importlib
import inspect
import logging
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple, TypeAlias, cast

log = logging.getLogger(__name__)

# The lexer modules the frozen app ships (build.spec keeps these and what they import, nothing
# else of pygments.lexers). From source every language Pygments knows is highlighted; in the
# frozen app a fence naming another language shows plain text. (Module: some of its languages.)
BUNDLED_LEXER_MODULES: tuple[str, ...] = (
    "pygments.lexers.python",  # python, py, python3, pycon, pytb
    "pygments.lexers.shell",  # bash, sh, zsh, console, powershell, bat
    "pygments.lexers.data",  # json, yaml
    "pygments.lexers.javascript",  # javascript, js, typescript, ts, jsx, tsx, coffeescript
    "pygments.lexers.configs",  # toml, ini, dockerfile, nginx, terraform, properties
    "pygments.lexers.sql",  # sql, postgresql, mysql, sqlite3
    "pygments.lexers.diff",  # diff, patch
    "pygments.lexers.html",  # html, xml
    "pygments.lexers.css",  # css, scss, sass, less
    "pygments.lexers.c_cpp",  # c, cpp, c++
    "pygments.lexers.jvm",  # java, kotlin, scala, groovy, clojure
    "pygments.lexers.dotnet",  # csharp, c#, fsharp, vb.net
    "pygments.lexers.go",  # go
    "pygments.lexers.rust",  # rust, rs
    "pygments.lexers.ruby",  # ruby, rb
    "pygments.lexers.php",  # php
    "pygments.lexers.objective",  # swift, objective-c
    "pygments.lexers.scripting",  # lua
    "pygments.lexers.perl",  # perl
    "pygments.lexers.r",  # r
    "pygments.lexers.erlang",  # elixir, erlang
    "pygments.lexers.haskell",  # haskell
    "pygments.lexers.markup",  # markdown, md, rst, tex
    "pygments.lexers.make",  # makefile, cmake
    "pygments.lexers.graphql",  # graphql
    "pygments.lexers.textfmts",  # http
    "pygments.lexers.special",  # text
)

# A code line longer than this is shown as plain text, and the line below lexes from "root":
# several lexers are quadratic on one long line (Java's on `"a " * 6000` took 2.9 s).
MAX_LINE_CHARS = 1_000

Stack: TypeAlias = tuple[str, ...]
ROOT: Stack = ("root",)
# (start, length, token type) of one token in a line; the type is a pygments.token._TokenType.
Token: TypeAlias = tuple[int, int, Any]
_Raw: TypeAlias = Iterable[tuple[int, Any, str]]


class Lexed(NamedTuple):
    """One line lexed: its tokens, the stack it ends in, and whether its last token may go on.

    `continues`: the last token took the line break too, as a comment that runs to the end of
    the text does (`/* ...` in C or JavaScript); the next line is then lexed together with this
    one, from where this one started, so that the token can close there.
    """

    tokens: list[Token]
    stack: Stack
    continues: bool


@dataclass(frozen=True)
class LineLexer:
    """A language's lexer that lexes a line given the stack the line above ended in."""

    name: str  # Pygments' first alias: "python", "bash", "json" ...
    _lex: Callable[[str, Stack, list[Stack]], _Raw]

    def lex(self, lines: Sequence[str], stack: Stack) -> Lexed:
        """Lex `lines` from `stack`; the tokens are those of the last line, at its offsets."""
        text = "\n".join(lines) + "\n"
        offset = len(text) - len(lines[-1]) - 1
        ended: list[Stack] = []
        tokens: list[Token] = []
        continues = False
        for start, ttype, value in self._lex(text, stack, ended):
            end = start + len(value)
            continues = start < len(text) - 1 and end == len(text)
            start, end = max(start, offset), min(end, len(text) - 1)
            if end > start:
                tokens.append((start - offset, end - start, ttype))
        return Lexed(tokens, ended[0] if ended else ROOT, continues)


def language_of(info: object) -> str | None:
    """The language a fence's info string names ('py', 'Python3', 'sh' ...), or None.

    None also when Pygments does not know it, or (frozen app) its lexer is not bundled.
    """
    if not isinstance(info, str) or not info.strip():
        return None
    lexer = lexer_for(info.strip().split()[0].lower())
    return lexer.name if lexer is not None else None


def lexer_for(name: str) -> LineLexer | None:
    """The lexer for a language name or alias (lower case), None when there is none.

    Looked up in Pygments' own table of lexers, not through `get_lexer_by_name`: that also asks
    every installed distribution for plugin lexers, 20-70 ms for each name it does not know.
    Only the lexers of that table are kept (`_lexer`): a fence may name any word at all.
    """
    try:
        found = _lexer_classes().get(name)
    except ImportError:  # no Pygments at all
        log.debug("no lexer module for %r", name)
        return None
    return _lexer(*found) if found is not None else None


@functools.cache
def _lexer(module_name: str, class_name: str) -> LineLexer | None:
    """The lexer of a class in Pygments' table, made once."""
    try:
        lexer = getattr(importlib.import_module(module_name), class_name)()
    except ImportError:  # a lexer module the frozen app does not ship
        log.debug("no lexer module %s for %s", module_name, class_name)
        return None
    except Exception:  # a lexer that cannot be made: its code shows as plain text
        log.exception("the lexer %s failed to load", class_name)
        return None
    aliases = cast("list[str]", lexer.aliases)
    return LineLexer(aliases[0] if aliases else class_name.lower(), _line_lexer(lexer))


@functools.cache
def _lexer_classes() -> dict[str, tuple[str, str]]:
    """Alias -> (module, class) of every lexer Pygments has (importing none of them)."""
    from pygments.lexers import LEXERS

    table = cast("dict[str, tuple[str, str, tuple[str, ...], Any, Any]]", LEXERS)
    classes: dict[str, tuple[str, str]] = {}
    for class_name, (module_name, _name, aliases, *_rest) in table.items():
        for alias in aliases:
            classes.setdefault(alias.lower(), (module_name, class_name))
    return classes


_JSON_START = re.compile(r"\s*[\[{\"]")


def sniff_language(first_line: str) -> str | None:
    """A language for a line of a fence without a known one: JSON if it looks like JSON."""
    return "json" if _JSON_START.match(first_line) else None


def _line_lexer(lexer: Any) -> Callable[[str, Stack, list[Stack]], _Raw]:
    from pygments.lexer import RegexLexer

    method = type(lexer).get_tokens_unprocessed
    if isinstance(lexer, RegexLexer):
        if method is RegexLexer.get_tokens_unprocessed:
            return functools.partial(_regex_tokens, lexer)
        if "stack" in inspect.signature(method).parameters:
            return functools.partial(_post_processed, lexer)
    return functools.partial(_alone, lexer)


def _alone(lexer: Any, text: str, stack: Stack, ended: list[Stack]) -> _Raw:
    """Not a plain RegexLexer (JSON, YAML ...): no stack to carry, each line starts afresh."""
    return cast("_Raw", lexer.get_tokens_unprocessed(text))


def _post_processed(lexer: Any, text: str, stack: Stack, ended: list[Stack]) -> _Raw:
    """A RegexLexer that reworks its tokens (C, C++ ...): its tokens, the stack from ours."""
    for _ in _regex_tokens(lexer, text, stack, ended):
        pass
    return cast("_Raw", lexer.get_tokens_unprocessed(text, stack=stack))


def _regex_tokens(
    lexer: Any, text: str, stack: Stack, ended: list[Stack]
) -> Iterator[tuple[int, Any, str]]:
    """`RegexLexer.get_tokens_unprocessed` of Pygments 2.x, which also tells where it ends."""
    from pygments.token import Error, Whitespace, _TokenType

    tokendefs = lexer._tokens  # noqa: SLF001 - RegexLexer's compiled table, stable across 2.x
    pos = 0
    statestack = list(stack)
    if statestack[-1] not in tokendefs:
        statestack = list(ROOT)
    statetokens = tokendefs[statestack[-1]]
    while True:
        for rexmatch, action, new_state in statetokens:
            m = rexmatch(text, pos)
            if m:
                if action is not None:
                    if type(action) is _TokenType:
                        yield pos, action, m.group()
                    else:
                        yield from action(lexer, m)
                pos = m.end()
                if new_state is not None:
                    _transition(statestack, new_state)
                    statetokens = tokendefs[statestack[-1]]
                break
        else:
            if pos >= len(text):
                break
            if text[pos] == "\n":  # at the end of a line Pygments goes back to "root"
                statestack = list(ROOT)
                statetokens = tokendefs["root"]
                yield pos, Whitespace, "\n"
            else:
                yield pos, Error, text[pos]
            pos += 1
    ended.append(tuple(statestack))


def _transition(statestack: list[str], new_state: object) -> None:
    if isinstance(new_state, tuple):
        for state in new_state:
            if state == "#pop":
                if len(statestack) > 1:
                    statestack.pop()
            elif state == "#push":
                statestack.append(statestack[-1])
            else:
                statestack.append(state)
    elif isinstance(new_state, int):
        # Pop, but keep at least one state on the stack (as Pygments does).
        if abs(new_state) >= len(statestack):
            del statestack[1:]
        else:
            del statestack[new_state:]
    elif new_state == "#push":
        statestack.append(statestack[-1])
