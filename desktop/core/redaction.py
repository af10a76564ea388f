"""Keys out of every text from outside: known key values in each form they travel in, a URL's
user and password, and anything shaped like an API key, replaced by `MARK`.

What counts as a form of a key (`key_forms`): the value itself; percent-encoded (upper- and
lower-case hex) and form-encoded (`+` for a space); base64, standard and URL-safe, padded and not,
and the part of it that depends on the key alone when the key sits inside a longer encoded text
(a `Basic user:key` credential, a base64 request body): base64 of a substring depends on where
it starts modulo 3, so each of the three alignments gives its own core.

The forms of a set of keys are worked out once and cached; redacting a text is then one
substring search per form (and none of the rebuilding when nothing matches), cheap enough for
every tool result, 200,000 characters included.

Values shorter than `MIN_SECRET_CHARS` are never redacted: a short value (a test key, a
placeholder like "changeme") would match all over ordinary text and garble it, and no real API
key is that short.
"""

from __future__ import annotations

import base64
import functools
import re
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from urllib.parse import quote, quote_plus

MARK = "[redacted]"
MIN_SECRET_CHARS = 8
TOO_DEEP = "[a result nested too deeply to read]"

# Key-shaped strings even when their value is not known: OpenAI (`sk-...`), Composio (`ak_...`),
# E2B (`e2b_` and 40 hex digits). Not inside a word ("disk-usage1" is no key).
_KEYLIKE = re.compile(
    r"(?<![A-Za-z0-9])(?:sk-[A-Za-z0-9_\-]{6,}|ak_[A-Za-z0-9]{6,}|e2b_[0-9a-f]{20,})"
)
# A URL's userinfo (`scheme://user:pass@host`): found from its "://", so that a long text
# without any costs one substring search; bounded, so that no text costs more than linear time.
_USERINFO = re.compile(r"://[^\s/?#@\[\]\"'<>\\]{1,256}@")
_LOWER_HEX = re.compile(r"%[0-9A-F]{2}")
# Characters that JSON writes escaped: a form holding one is not found in a JSON text as it is.
_JSON_ESCAPED = re.compile(r"[\"\\\x00-\x1f\x7f-\x9f\u2028\u2029]")


def key_forms(secret: str) -> frozenset[str]:
    """The forms of `secret` that `redact` replaces (see the module), each of at least
    `MIN_SECRET_CHARS` characters; none for a shorter secret."""
    if len(secret) < MIN_SECRET_CHARS:
        return frozenset()
    forms = {secret, quote(secret), quote(secret, safe=""), quote_plus(secret)}
    forms |= {_LOWER_HEX.sub(lambda m: m.group().lower(), form) for form in tuple(forms)}
    raw = secret.encode("utf-8", "surrogatepass")
    for encode in (base64.b64encode, base64.urlsafe_b64encode):
        whole = encode(raw).decode("ascii")
        forms |= {whole, whole.rstrip("=")}
        for offset in range(3):
            # `offset` unknown bytes before the key: the characters that hold only its bits.
            text = encode(b"\0" * offset + raw).decode("ascii")
            start = -(-8 * offset // 6)
            end = 8 * (offset + len(raw)) // 6
            forms.add(text[start:end])
    return frozenset(form for form in forms if len(form) >= MIN_SECRET_CHARS)


@dataclass(frozen=True)
class _Forms:
    """Every form of a set of keys, longest first (a whole form goes before its core)."""

    forms: tuple[str, ...]
    json_plain: bool  # no form has a character that JSON escapes

    def apply(self, text: str) -> str:
        for form in self.forms:
            if form in text:
                text = text.replace(form, MARK)
        if "://" in text:
            text = _USERINFO.sub(f"://{MARK}@", text)
        return _KEYLIKE.sub(MARK, text)

    def found_in(self, text: str) -> bool:
        """Whether `apply` would change `text`."""
        return (
            any(form in text for form in self.forms)
            or ("://" in text and _USERINFO.search(text) is not None)
            or _KEYLIKE.search(text) is not None
        )


@functools.lru_cache(maxsize=16)
def _forms_of(secrets: frozenset[str]) -> _Forms:
    forms = set().union(*(key_forms(secret) for secret in secrets))
    ordered = tuple(sorted(forms, key=lambda form: (-len(form), form)))
    return _Forms(ordered, not any(_JSON_ESCAPED.search(form) for form in ordered))


def redact(text: str, secrets: Iterable[str] = ()) -> str:
    """`text` with each form of each of `secrets`, URL userinfo and key-shaped strings replaced."""
    return _forms_of(frozenset(secrets)).apply(text)


class Redactor:
    """The keys this process knows, and `redact` with them, for text and for JSON-like values.

    Keys are added wherever the app reads them (the keyring, the environment, `.env`, Settings
    as saved or tested); none is forgotten while the process runs, so that a key replaced in
    Settings is still hidden in what arrives afterwards. Safe to use from any thread.
    """

    def __init__(self, secrets: Iterable[str | None] = ()) -> None:
        self._lock = threading.Lock()
        self._secrets: frozenset[str] = frozenset()
        self.add(*secrets)

    def add(self, *values: str | None) -> None:
        """Know these values too (empty ones and those too short to redact are left out)."""
        new = {value for value in values if value and len(value) >= MIN_SECRET_CHARS}
        with self._lock:
            if not new <= self._secrets:
                self._secrets = self._secrets | new

    @property
    def secrets(self) -> frozenset[str]:
        return self._secrets

    def text(self, text: str) -> str:
        return _forms_of(self._secrets).apply(text)

    def value(self, value: object) -> object:
        """A JSON-like value (a tool result: strings, lists, tuples, dicts) with every string in
        it redacted, dict keys too; other objects are kept as they are. The value itself is
        returned when nothing in it needs redacting."""
        forms = _forms_of(self._secrets)
        if isinstance(value, str):
            return forms.apply(value)
        if forms.json_plain and not _needs_walk(value, forms):
            return value
        try:
            return _walk(value, forms)
        except RecursionError:  # nested deeper than Python recurses: kept as redacted text
            pass
        try:
            return forms.apply(repr(value))
        except RecursionError:  # no JSON parser lets one so deep through: nothing to keep
            return TOO_DEEP


def _needs_walk(value: object, forms: _Forms) -> bool:
    """One search over the value written as JSON (in C) instead of one per string in it."""
    import json

    try:
        text = json.dumps(value, ensure_ascii=False, default=lambda _: None)
    except (ValueError, TypeError, RecursionError):
        return True
    return forms.found_in(text)


def _walk(value: object, forms: _Forms) -> object:
    if isinstance(value, str):
        return forms.apply(value)
    if isinstance(value, Mapping):
        return {_walk(key, forms): _walk(item, forms) for key, item in value.items()}
    if isinstance(value, list):
        return [_walk(item, forms) for item in value]
    if isinstance(value, tuple):
        return tuple(_walk(item, forms) for item in value)
    return value
