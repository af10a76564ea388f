"""The window words each neutral remedy in terms of its own controls."""

from __future__ import annotations

import pytest

from desktop.core.agent.events import TurnFailed
from desktop.core.config.credentials import COMPOSIO_API_KEY, OPENAI_API_KEY, USER_ID
from desktop.core.conversations.backend import ConnectionState, ConnectionStatus
from desktop.core.conversations.connection import not_configured
from desktop.core.errors import ErrorKind, Fix, Remedy, UserFacingError
from desktop.ui.messages import (
    CONFIGURE_FIRST,
    error_text,
    window_failure,
    window_status,
    window_text,
)


@pytest.mark.parametrize(
    ("fix", "expected"),
    [
        (
            Fix(Remedy.PROVIDE, "No OpenAI API key is set", (OPENAI_API_KEY,)),
            "No OpenAI API key is set: enter it in Settings (Ctrl+,).",
        ),
        (
            Fix(
                Remedy.PROVIDE,
                "No Composio API key or Composio user id is set",
                (COMPOSIO_API_KEY, USER_ID),
            ),
            "No Composio API key or Composio user id is set: enter them in Settings (Ctrl+,).",
        ),
        (
            Fix(Remedy.CHECK_CREDENTIAL, "OpenAI rejected the API key (401)", (OPENAI_API_KEY,)),
            "OpenAI rejected the API key (401): check the OpenAI API key in Settings "
            "(or OPENAI_API_KEY).",
        ),
        (
            Fix(
                Remedy.CHECK_CREDENTIAL, "The keys were refused", (OPENAI_API_KEY, COMPOSIO_API_KEY)
            ),
            "The keys were refused: check the OpenAI API key in Settings (or OPENAI_API_KEY) "
            "and the Composio API key in Settings (or COMPOSIO_API_KEY).",
        ),
        (
            Fix(Remedy.CHOOSE_MODEL, "The chosen model does not exist or this key cannot use it"),
            "The chosen model does not exist or this key cannot use it: "
            "pick another model in Settings.",
        ),
        (
            Fix(Remedy.NEW_CONVERSATION, "This conversation is too long for the model"),
            "This conversation is too long for the model: start a new chat (Ctrl+N).",
        ),
        (
            Fix(Remedy.UNLOCK_KEYRING, "The keyring is locked", (OPENAI_API_KEY,)),
            "The keyring is locked: unlock it (GNOME Keyring, KWallet…), then press Retry in "
            "Settings (Ctrl+,).",
        ),
        (
            Fix(Remedy.START_KEYRING, "The keyring could not be read (InitError)"),
            "The keyring could not be read (InitError): check that it is running and unlocked "
            "(GNOME Keyring, KWallet…), then press Retry in Settings (Ctrl+,).",
        ),
        (
            Fix(
                Remedy.ALLOW_PLAIN_HTTP,
                "OLLAMA_BASE_URL is plain http:// to another machine",
                provider="ollama",
            ),
            "OLLAMA_BASE_URL is plain http:// to another machine: use an https:// address, or, "
            "for a server of your own on a network you trust, pick Ollama (local) in Settings "
            "(Ctrl+,) and tick \u201cAllow a plain-http server on another machine for this "
            "provider\u201d.",
        ),
        (  # a failure stored before the fix named its provider
            Fix(Remedy.ALLOW_PLAIN_HTTP, "OPENAI_BASE_URL is plain http:// to another machine"),
            "OPENAI_BASE_URL is plain http:// to another machine: use an https:// address, or, "
            "for a server of your own on a network you trust, pick its provider in Settings "
            "(Ctrl+,) and tick \u201cAllow a plain-http server on another machine for this "
            "provider\u201d.",
        ),
    ],
    ids=lambda value: value.remedy.value if isinstance(value, Fix) else "",
)
def test_each_remedy_in_the_windows_words(fix: Fix, expected: str) -> None:
    assert window_text("neutral", fix) == expected


def test_without_a_fix_the_message_is_shown_as_it_is() -> None:
    assert window_text("OpenAI had a server error (500).", None) == (
        "OpenAI had a server error (500)."
    )
    assert error_text(UserFacingError(ErrorKind.TIMEOUT, "Too slow.")) == "Too slow."


def test_not_configured_reads_as_before() -> None:
    assert error_text(not_configured()) == CONFIGURE_FIRST
    assert (
        CONFIGURE_FIRST
        == "Open Settings (Ctrl+,), pick the model provider and enter its key and Composio's first."
    )


def test_a_failed_turn_and_a_status_are_worded() -> None:
    error = UserFacingError.fixable(
        ErrorKind.MISSING_KEY, Fix(Remedy.PROVIDE, "No OpenAI API key is set", (OPENAI_API_KEY,))
    )
    failed = window_failure(TurnFailed(error.kind, error.message, fix=error.fix))
    assert failed.message == "No OpenAI API key is set: enter it in Settings (Ctrl+,)."
    assert failed.fix == error.fix
    status = window_status(
        ConnectionStatus(ConnectionState.NOT_CONFIGURED, error.message, fix=error.fix)
    )
    assert status == ConnectionStatus(
        ConnectionState.NOT_CONFIGURED, "No OpenAI API key is set: enter it in Settings (Ctrl+,)."
    )
