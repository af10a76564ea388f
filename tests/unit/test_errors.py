"""Core errors: neutral sentences (no control of either face), one unexpected-error sentence."""

from __future__ import annotations

import pytest

from desktop.core.config.credentials import COMPOSIO_API_KEY, OPENAI_API_KEY, USER_ID
from desktop.core.conversations.backend import user_error
from desktop.core.errors import (
    UNEXPECTED_MESSAGE,
    ErrorKind,
    Fix,
    Remedy,
    UserFacingError,
    join_labels,
    neutral_text,
    quoted,
    unexpected,
)

FIXES = [
    Fix(Remedy.PROVIDE, "No OpenAI API key is set", (OPENAI_API_KEY,)),
    Fix(Remedy.CONFIGURE, "Not set up yet", (OPENAI_API_KEY, COMPOSIO_API_KEY, USER_ID)),
    Fix(Remedy.CHECK_CREDENTIAL, "Composio rejected the API key", (COMPOSIO_API_KEY,)),
    Fix(Remedy.CHOOSE_MODEL, "The chosen model does not exist"),
    Fix(Remedy.NEW_CONVERSATION, "This conversation is too long for the model"),
    Fix(Remedy.ALLOW_PLAIN_HTTP, "OLLAMA_BASE_URL is plain http:// elsewhere", provider="ollama"),
    Fix(Remedy.UNLOCK_KEYRING, "The keyring is locked"),  # its items: what it holds
    Fix(Remedy.START_KEYRING, "The keyring could not be read (InitError)"),
    Fix(Remedy.RAISE_BUDGET, "This conversation has spent $0.50 of its $0.50 budget"),
]


@pytest.mark.parametrize("fix", FIXES, ids=[f.remedy.value for f in FIXES])
def test_neutral_text_names_what_and_its_variable_but_no_control(fix: Fix) -> None:
    text = neutral_text(fix)
    assert text.startswith(fix.problem + ": ") and text.endswith(".")
    for item in fix.items:
        assert item.label in text or item.env_var in text
    for control in ("Settings", "Ctrl", "menu", "button", "chat"):
        assert control not in text


def test_every_remedy_has_a_fix_to_test() -> None:
    assert {fix.remedy for fix in FIXES} == set(Remedy)


def test_a_fixable_error_carries_its_fix_and_the_neutral_sentence() -> None:
    fix = FIXES[0]
    error = UserFacingError.fixable(ErrorKind.MISSING_KEY, fix)
    assert error.fix is fix
    assert error.message == str(error) == "No OpenAI API key is set: provide it (OPENAI_API_KEY)."


def test_one_unexpected_sentence() -> None:
    assert unexpected().message == UNEXPECTED_MESSAGE
    error = user_error(KeyError("x"))
    assert (error.kind, error.message) == (ErrorKind.UNEXPECTED, UNEXPECTED_MESSAGE)
    detailed = unexpected(ValueError("bad sk-test-abcdefgh value")).message
    assert detailed == (
        "Something went wrong (ValueError: bad [redacted] value); the details are in the log file."
    )


def test_a_user_facing_error_passes_through() -> None:
    error = UserFacingError(ErrorKind.TIMEOUT, "Too slow.")
    assert user_error(error) is error


def test_names_are_joined_as_a_sentence_lists_them() -> None:
    assert join_labels([]) == ""
    assert join_labels(["A"]) == "A"
    assert join_labels(["A", "B"]) == "A and B"
    assert join_labels(["A", "B", "C"]) == "A, B and C"
    assert join_labels(iter(["A", "B", "C"]), "or") == "A, B or C"
    all_three = Fix(Remedy.CONFIGURE, "Not set up yet", (OPENAI_API_KEY, COMPOSIO_API_KEY, USER_ID))
    assert neutral_text(all_three) == (
        "Not set up yet: provide the OpenAI API key, Composio API key and Composio user id first."
    )


def test_the_plain_http_remedy_names_the_provider_to_opt_in_for() -> None:
    fix = Fix(Remedy.ALLOW_PLAIN_HTTP, "ANTHROPIC_BASE_URL is plain http://", provider="anthropic")
    assert neutral_text(fix).endswith(
        'add "anthropic" to plain_http_model_providers in the settings.'
    )


KEY = "composio-key-1234567890"


def test_a_quote_is_redacted_whole_then_cut() -> None:
    text = "x" * 195 + KEY + " and more " * 100_000  # ~1 MB, the key across the 200th char
    quote = quoted(text, [KEY])
    assert len(quote) <= 200
    assert quote.startswith("x" * 195 + "[red")
    assert KEY[:5] not in quote
    assert quoted("short", [KEY]) == "short"


def test_a_quote_is_one_line_without_control_characters() -> None:
    quote = quoted("\n  first\nsecond\x1b[2J\r\tthird\u202eevil\u2028end\x00 ")
    assert quote == "first second [2J third evil end"
    assert quote.isprintable()


def test_the_unexpected_sentence_quotes_the_message() -> None:
    detail = "x" * 195 + KEY + "\x1b[31m" + "y" * 1_000_000 + "\nsecond line"
    message = unexpected(RuntimeError(detail), [KEY]).message
    assert message.startswith("Something went wrong (RuntimeError: " + "x" * 195 + "[red")
    assert KEY[:5] not in message and "\x1b" not in message and "\n" not in message
    assert len(message) < 300
