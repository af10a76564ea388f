"""The one redactor: each form a known key travels in, URL passwords and key-shaped strings, in
text and in tool results; short values left alone; keys learnt while the app runs."""

from __future__ import annotations

import base64
import json
import re
from urllib.parse import quote, quote_plus

import pytest

from desktop.core.errors import quoted
from desktop.core.redaction import MARK, MIN_SECRET_CHARS, TOO_DEEP, Redactor, key_forms

OPENAI = "sk-proj-Zx81/qq+Lw==Yt7 Rb&m"
COMPOSIO = "ak_3bT9xQ2mZr7Lp4Kd"


def _lower_hex(text: str) -> str:
    """Percent-encoding as some encoders write it: `%2f`."""
    return re.sub(r"%[0-9A-F]{2}", lambda match: match.group().lower(), text)


def _b64(data: bytes, urlsafe: bool) -> str:
    return (base64.urlsafe_b64encode if urlsafe else base64.b64encode)(data).decode()


@pytest.mark.parametrize(
    "form",
    [
        OPENAI,
        quote(OPENAI, safe=""),
        _lower_hex(quote(OPENAI, safe="")),
        quote(OPENAI),
        quote_plus(OPENAI),
        _b64(OPENAI.encode(), urlsafe=False),
        _b64(OPENAI.encode(), urlsafe=False).rstrip("="),
        _b64(OPENAI.encode(), urlsafe=True),
        _b64(OPENAI.encode(), urlsafe=True).rstrip("="),
    ],
    ids=[
        "as it is",
        "percent-encoded",
        "percent-encoded, lower-case hex",
        "a path",
        "form-encoded",
        "base64",
        "base64 unpadded",
        "URL-safe base64",
        "URL-safe base64 unpadded",
    ],
)
def test_each_form_of_a_known_key_is_replaced(form: str) -> None:
    redactor = Redactor([OPENAI])
    text = f"the server said: {form} (request 7)"
    assert redactor.text(text) == f"the server said: {MARK} (request 7)"


@pytest.mark.parametrize("before", range(6))
@pytest.mark.parametrize("after", [0, 1, 2, 5])
@pytest.mark.parametrize("urlsafe", [False, True], ids=["standard", "URL-safe"])
def test_a_key_inside_a_longer_base64_text_is_replaced_at_every_alignment(
    before: int, after: int, urlsafe: bool
) -> None:
    """Base64 of a substring depends on where it starts modulo 3: a `Basic user:key`
    credential, a base64 body with the key in it. What stays is only the characters that also
    hold bits of the bytes around the key."""
    prefix, suffix = b"u" * before, b"}" * after
    encoded = _b64(prefix + OPENAI.encode() + suffix, urlsafe)
    redacted = Redactor([OPENAI]).text(f"Authorization: Basic {encoded}")
    assert redacted.count(MARK) == 1
    left, right = redacted.removeprefix("Authorization: Basic ").split(MARK)
    # At most the characters of the bytes around the key, one shared with the key at each
    # end, and the padding.
    assert len(left) <= -(-8 * before // 6)
    assert len(right) <= -(-8 * after // 6) + 1 + 2


def test_a_urls_user_and_password_are_replaced_in_any_url() -> None:
    text = (
        "proxy https://agent:hunter2@proxy.example:8443/route and "
        "postgres://admin:pw@db.internal/app, but not https://example.com/@user or a@b.example"
    )
    assert Redactor().text(text) == (
        f"proxy https://{MARK}@proxy.example:8443/route and "
        f"postgres://{MARK}@db.internal/app, but not https://example.com/@user or a@b.example"
    )


def test_key_shaped_strings_are_replaced_but_not_inside_words() -> None:
    text = (
        "keys sk-abcdefgh12 ak_ZZZZZZZZ e2b_" + "0a" * 20 + " but disk-usage1234 and break_points1"
    )
    assert Redactor().text(text) == (
        f"keys {MARK} {MARK} {MARK} but disk-usage1234 and break_points1"
    )


def test_short_values_are_never_redacted() -> None:
    short = "x" * (MIN_SECRET_CHARS - 1)
    redactor = Redactor([short, "", None])
    assert redactor.secrets == frozenset()
    assert key_forms(short) == frozenset()
    assert redactor.text(f"the value {short} stays") == f"the value {short} stays"


def test_a_key_added_later_is_redacted_and_an_earlier_one_still_is() -> None:
    """Keys change in Settings while the app runs: the new one is added when it is read."""
    new = "cmp-" + "9" * 16  # not shaped like a key: only known, it is redacted
    redactor = Redactor([OPENAI])
    assert redactor.text(new) == new
    redactor.add(new)
    assert redactor.text(f"{OPENAI} {new}") == f"{MARK} {MARK}"


def test_a_tool_result_is_redacted_throughout_and_kept_when_clean() -> None:
    redactor = Redactor([OPENAI])
    clean = {"sandboxes": [{"sandboxID": "i1abc", "metadata": {"k": "v"}}], "count": 1}
    assert redactor.value(clean) is clean  # nothing rebuilt
    dirty = {
        "data": {"results": [{"error": f"bad key {OPENAI}", "tags": ("a", OPENAI)}]},
        OPENAI: "as a dict key",
        "n": 3,
        "ok": None,
    }
    assert redactor.value(dirty) == {
        "data": {"results": [{"error": f"bad key {MARK}", "tags": ("a", MARK)}]},
        MARK: "as a dict key",
        "n": 3,
        "ok": None,
    }
    assert redactor.value(f"text {OPENAI}") == f"text {MARK}"


def test_a_key_with_a_character_json_escapes_is_found_in_a_result_all_the_same() -> None:
    key = 'pass"word\\with-quotes'
    redactor = Redactor([key])
    assert redactor.value({"error": f"refused {key}"}) == {"error": f"refused {MARK}"}


@pytest.mark.parametrize("depth", [1500, 50_000])
def test_a_result_nested_deeper_than_python_recurses_is_kept_as_redacted_text(depth: int) -> None:
    deep: object = [f"key {OPENAI}"]
    for _ in range(depth):
        deep = [deep]
    kept = Redactor([OPENAI]).value(deep)
    assert isinstance(kept, str) and OPENAI not in kept
    assert MARK in kept or kept == TOO_DEEP


def test_errors_quote_a_strangers_text_without_any_form_of_the_key() -> None:
    body = json.dumps({"echo": _b64(OPENAI.encode(), urlsafe=False), "q": quote_plus(OPENAI)})
    assert quoted(body, [OPENAI]) == json.dumps({"echo": MARK, "q": MARK})
