"""The terminal mode with a keyring that cannot be read: the sentence, then a distinct exit code."""

from __future__ import annotations

import io
from pathlib import Path

from desktop.cli import KEYRING_UNREADABLE_EXIT, run_cli
from desktop.core.config.secrets import KEYRING_SERVICE, KeyringSecretStore
from desktop.core.config.settings import Settings
from tests.fakes.harness import FakeServices
from tests.fakes.keyring_backend import InMemoryKeyring


def _run(env: dict[str, str], tmp_path: Path) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    status = run_cli(
        Settings(user_id="test-user"),
        KeyringSecretStore(),
        environ=env,
        cwd=tmp_path,
        stdin=io.StringIO("hello\nexit\n"),
        stdout=out,
        stderr=err,
    )
    return status, out.getvalue(), err.getvalue()


def test_a_locked_keyring_is_said_and_the_terminal_ends_with_its_own_code(
    fake_services: FakeServices, memory_keyring: InMemoryKeyring, tmp_path: Path
) -> None:
    memory_keyring.passwords[(KEYRING_SERVICE, "openai_api_key")] = fake_services.openai_api_key
    memory_keyring.lock()
    env = fake_services.env()
    del env["OPENAI_API_KEY"]
    status, out, err = _run(env, tmp_path)
    assert status == KEYRING_UNREADABLE_EXIT == 75
    assert err == (
        "Error: The keyring is locked: unlock it (GNOME Keyring, KWallet...) and retry (start "
        "the app again), or set OPENAI_API_KEY in the environment or .env.\n"
    )
    assert "No OpenAI API key is set" not in err + out
    assert fake_services.openai.requests == []

    # Unlocked, the same command chats with the key kept in the keyring.
    memory_keyring.unlock()
    status, out, err = _run(env, tmp_path)
    assert status == 0, err
    auth = fake_services.openai.last_request.headers["authorization"]
    assert auth == f"Bearer {fake_services.openai_api_key}"
