"""Model failures become neutral errors whose remedy each face words."""

from __future__ import annotations

import pytest
from pydantic_ai import exceptions as pe

from desktop.core.agent.model_errors import describe_model_error
from desktop.core.config.credentials import OPENAI_API_KEY
from desktop.core.errors import UNEXPECTED_MESSAGE, ErrorKind, Fix, Remedy


def _describe(exc: BaseException) -> tuple[ErrorKind, str, Fix | None]:
    error = describe_model_error(exc, base_url=None, read_timeout=30)
    return error.kind, error.message, error.fix


@pytest.mark.parametrize(
    ("exc", "kind", "remedy"),
    [
        (
            pe.ModelAuthenticationError("gpt-5", "bad key"),
            ErrorKind.OPENAI_KEY_REJECTED,
            Remedy.CHECK_CREDENTIAL,
        ),
        (
            pe.ModelNotFoundError("gpt-x", "no such model"),
            ErrorKind.MODEL_NOT_FOUND,
            Remedy.CHOOSE_MODEL,
        ),
        (
            pe.ModelContextWindowExceededError("gpt-5", "too long"),
            ErrorKind.BAD_INPUT,
            Remedy.NEW_CONVERSATION,
        ),
    ],
)
def test_fixable_failures_name_no_control(
    exc: BaseException, kind: ErrorKind, remedy: Remedy
) -> None:
    got_kind, message, fix = _describe(exc)
    assert got_kind is kind
    assert fix is not None and fix.remedy is remedy
    assert message.startswith(fix.problem + ": ")
    for control in ("Settings", "Ctrl+", "chat"):
        assert control not in message


def test_a_rejected_key_names_the_key_and_its_variable() -> None:
    _, message, fix = _describe(pe.ModelAuthenticationError("gpt-5", "bad key"))
    assert fix is not None and fix.items == (OPENAI_API_KEY,)
    assert "OPENAI_API_KEY" in message


def test_anything_else_is_the_one_unexpected_sentence_with_its_type() -> None:
    kind, message, fix = _describe(KeyError("sk-test-secret-123456"))
    assert kind is ErrorKind.UNEXPECTED and fix is None
    assert message.startswith("Something went wrong (KeyError: ")
    assert message.endswith(UNEXPECTED_MESSAGE.split(";")[1])
    assert "sk-test-secret" not in message


def test_a_refusal_quotes_the_servers_words_without_the_key_or_control_characters() -> None:
    key = "openai-key-1234567890"
    words = "a\nb\x1b[0m" + "x" * 187 + key + "y" * 1_000_000
    error = describe_model_error(
        pe.ModelAPIError("gpt-5", words), base_url=None, read_timeout=30, secrets=[key]
    )
    assert error.kind is ErrorKind.SERVER_ERROR
    quote = error.message.partition("OpenAI refused the request: ")[2]
    assert quote.startswith("a b [0mxxx")
    assert len(quote) <= 200
    assert key[:5] not in error.message
    assert "\n" not in error.message and "\x1b" not in error.message
