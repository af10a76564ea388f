"""The terminal words each neutral remedy in what it offers: variables, .env, the keyring."""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import cast

import pytest

from desktop.cli import NOT_SENT, ChatRepl, Terminal, run_cli, terminal_text
from desktop.core.agent.events import ConnectLink, TextDelta, ToolCallFinished, TurnFailed
from desktop.core.config.credentials import COMPOSIO_API_KEY, OPENAI_API_KEY, USER_ID
from desktop.core.config.secrets import MemorySecretStore
from desktop.core.config.settings import Settings
from desktop.core.conversations.memory_chat import MemoryChat
from desktop.core.errors import ErrorKind, Fix, Remedy
from tests.fakes.harness import FakeServices


class SecureStore(MemorySecretStore):
    """Stands in for a usable OS keyring."""

    @property
    def is_secure(self) -> bool:
        return True


@pytest.mark.parametrize(
    ("fix", "keyring", "expected"),
    [
        (
            Fix(Remedy.PROVIDE, "No OpenAI API key is set", (OPENAI_API_KEY,)),
            True,
            "No OpenAI API key is set: set OPENAI_API_KEY in the environment or .env, or store "
            "it in the keyring with `keyring set e2b-agent openai_api_key`.",
        ),
        (
            Fix(Remedy.PROVIDE, "No OpenAI API key is set", (OPENAI_API_KEY,)),
            False,
            "No OpenAI API key is set: set OPENAI_API_KEY in the environment or .env.",
        ),
        (
            Fix(Remedy.PROVIDE, "No Composio user id is set", (USER_ID,)),
            True,
            "No Composio user id is set: set USER_ID in the environment or .env.",
        ),
        (
            Fix(
                Remedy.PROVIDE,
                "No Composio API key or Composio user id is set",
                (COMPOSIO_API_KEY, USER_ID),
            ),
            True,
            "No Composio API key or Composio user id is set: set COMPOSIO_API_KEY and USER_ID "
            "in the environment or .env, or store the key in the keyring with "
            "`keyring set e2b-agent composio_api_key`.",
        ),
        (
            Fix(Remedy.CONFIGURE, "Not set up yet", (OPENAI_API_KEY, COMPOSIO_API_KEY, USER_ID)),
            False,
            "Not set up yet: set OPENAI_API_KEY, COMPOSIO_API_KEY and USER_ID in the "
            "environment or .env.",
        ),
        (
            Fix(Remedy.CHECK_CREDENTIAL, "Composio rejected the API key", (COMPOSIO_API_KEY,)),
            True,
            "Composio rejected the API key: check COMPOSIO_API_KEY in the environment or .env, "
            "or store the right key in the keyring with `keyring set e2b-agent composio_api_key`.",
        ),
        (
            Fix(Remedy.CHOOSE_MODEL, "The chosen model does not exist or this key cannot use it"),
            True,
            'The chosen model does not exist or this key cannot use it: set another "model" in '
            "the settings file.",
        ),
        (
            Fix(Remedy.NEW_CONVERSATION, "This conversation is too long for the model"),
            True,
            "This conversation is too long for the model: type exit and start again for a new "
            "conversation.",
        ),
        (
            Fix(Remedy.UNLOCK_KEYRING, "The keyring is locked", (OPENAI_API_KEY,)),
            True,
            "The keyring is locked: unlock it (GNOME Keyring, KWallet...) and retry (start the "
            "app again), or set OPENAI_API_KEY in the environment or .env.",
        ),
        (
            Fix(
                Remedy.START_KEYRING,
                "The keyring could not be read (InitError)",
                (OPENAI_API_KEY, COMPOSIO_API_KEY),
            ),
            True,
            "The keyring could not be read (InitError): check that it is running and unlocked "
            "(GNOME Keyring, KWallet...), then retry (start the app again), or set "
            "OPENAI_API_KEY and COMPOSIO_API_KEY in the environment or .env.",
        ),
        (
            Fix(
                Remedy.ALLOW_PLAIN_HTTP,
                "OLLAMA_BASE_URL is plain http:// to another machine",
                provider="ollama",
            ),
            True,
            "OLLAMA_BASE_URL is plain http:// to another machine: use an https:// address, or, "
            "for a server of your own on a network you trust, start with "
            "--allow-plain-http-model (it allows only the provider of the model the run starts "
            'on) or add "ollama" to "plain_http_model_providers" in the settings file.',
        ),
        (  # a failure stored before the fix named its provider
            Fix(Remedy.ALLOW_PLAIN_HTTP, "OPENAI_BASE_URL is plain http:// to another machine"),
            True,
            "OPENAI_BASE_URL is plain http:// to another machine: use an https:// address, or, "
            "for a server of your own on a network you trust, start with "
            "--allow-plain-http-model (it allows only the provider of the model the run starts "
            'on) or add its provider to "plain_http_model_providers" in the settings file.',
        ),
    ],
)
def test_each_remedy_in_the_terminals_words(fix: Fix, keyring: bool, expected: str) -> None:
    text = terminal_text("neutral", fix, keyring=keyring)
    assert text == expected
    assert "Settings" not in text and "Ctrl" not in text


def test_without_a_fix_the_message_is_printed_as_it_is() -> None:
    assert terminal_text("Too slow.", None, keyring=True) == "Too slow."


@pytest.mark.parametrize("secure", [True, False], ids=["keyring", "no-keyring"])
def test_a_missing_key_names_the_variable_and_the_keyring_command_if_any(
    fake_services: FakeServices, tmp_path: Path, secure: bool
) -> None:
    env = fake_services.env()
    del env["OPENAI_API_KEY"]
    out, err = io.StringIO(), io.StringIO()
    store = SecureStore() if secure else MemorySecretStore()
    status = run_cli(
        Settings(),
        store,
        environ=env,
        cwd=tmp_path,
        stdin=io.StringIO("exit\n"),
        stdout=out,
        stderr=err,
    )
    assert status == 0
    assert "Error: No OpenAI API key is set: set OPENAI_API_KEY in the environment or .env" in (
        err.getvalue()
    )
    assert ("`keyring set e2b-agent openai_api_key`" in err.getvalue()) is secure
    assert "Settings" not in err.getvalue()
    assert fake_services.openai.requests == []


def test_a_missing_key_is_said_once_and_prompts_are_not_sent(
    fake_services: FakeServices, tmp_path: Path
) -> None:
    env = fake_services.env()
    del env["OPENAI_API_KEY"]
    out, err = io.StringIO(), io.StringIO()
    status = run_cli(
        Settings(),
        MemorySecretStore(),
        environ=env,
        cwd=tmp_path,
        stdin=io.StringIO("hello\nagain\nexit\n"),
        stdout=out,
        stderr=err,
    )
    assert status == 0
    assert err.getvalue().count("Error: ") == 1  # at connect, not again for each prompt
    assert "No OpenAI API key is set" in err.getvalue()
    assert out.getvalue().count(NOT_SENT) == 2
    assert "Agent: " not in out.getvalue()
    assert fake_services.openai.requests == []


@pytest.mark.parametrize("color", [True, False], ids=["colour", "plain"])
def test_control_characters_from_outside_never_reach_the_terminal(color: bool) -> None:
    out, err = io.StringIO(), io.StringIO()
    term = Terminal(out, err, color=color)
    repl = ChatRepl(cast(MemoryChat, None), term)
    repl._render(TextDelta("copied\x1b]52;c;eA==\x07 text\ttab\r\n"))
    repl._render(
        ToolCallFinished(
            "call1",
            "COMPOSIO_MULTI_EXECUTE_TOOL",
            "error",
            "\x1b[2Jcleared\nmore",
            connect_links=(ConnectLink("e2b\x1b[31m", "https://x.example/\x1b]8;;evil\x07"),),
        )
    )
    repl._render(TurnFailed(ErrorKind.UNEXPECTED, "bad \x9b31m thing \x85 \x00"))
    printed = out.getvalue() + err.getvalue()
    own = printed.replace("\x1b[2m", "").replace("\x1b[31m", "").replace("\x1b[0m", "")
    assert not any(char in own for char in "\x1b\x07\x00\r") and not re.search("[\x80-\x9f]", own)
    # Written out, not dropped (issue 10, item 3): what is shown is what was there.
    assert "copied\\u001b]52;c;eA==\\u0007 text\ttab\\u000d\n" in own
    assert "  <- error: \\u001b[2Jcleared" in own
    assert "x.example" not in own  # a link with escapes in it is not one to open (item 1)
    assert "Error: bad \\u009b31m thing \\u0085 \\u0000" in own
