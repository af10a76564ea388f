"""Secrets: keyring storage, environment and .env overrides, and keys never printed."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import keyring
import pytest
from keyring.backend import KeyringBackend
from keyring.backends import fail

from desktop.core.config.credentials import resolve_credentials
from desktop.core.config.secrets import (
    KEYRING_SERVICE,
    KeyringSecretStore,
    MemorySecretStore,
    SecretName,
    open_secret_store,
    read_dotenv,
)
from desktop.core.config.settings import Settings, save_settings


class InMemoryKeyring(KeyringBackend):
    """A real keyring backend that keeps passwords in a dict."""

    priority = 1  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.passwords: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.passwords.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.passwords[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        from keyring.errors import PasswordDeleteError

        if (service, username) not in self.passwords:
            raise PasswordDeleteError(username)
        del self.passwords[(service, username)]


@pytest.fixture
def memory_keyring() -> Iterator[InMemoryKeyring]:
    previous = keyring.get_keyring()
    backend = InMemoryKeyring()
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(previous)


def test_keyring_store_round_trip(memory_keyring: InMemoryKeyring) -> None:
    store = open_secret_store()
    assert isinstance(store, KeyringSecretStore)
    assert store.is_secure
    store.set(SecretName.OPENAI_API_KEY, "sk-test-one")
    assert memory_keyring.passwords[(KEYRING_SERVICE, "openai_api_key")] == "sk-test-one"
    assert KeyringSecretStore().get(SecretName.OPENAI_API_KEY) == "sk-test-one"
    store.delete(SecretName.OPENAI_API_KEY)
    store.delete(SecretName.OPENAI_API_KEY)  # deleting twice is fine
    assert store.get(SecretName.OPENAI_API_KEY) is None


def test_no_usable_keyring_falls_back_to_memory_not_a_file(tmp_path: Path) -> None:
    previous = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    try:
        store = open_secret_store()
    finally:
        keyring.set_keyring(previous)
    assert isinstance(store, MemorySecretStore)
    assert not store.is_secure
    store.set(SecretName.COMPOSIO_API_KEY, "secret-value")
    assert store.get(SecretName.COMPOSIO_API_KEY) == "secret-value"
    assert not any(tmp_path.rglob("*")), "nothing may be written to disk"


def test_a_plaintext_keyring_backend_is_never_used() -> None:
    """keyrings.alt's file backends keep keys in a file: treated like no keyring at all."""

    class PlaintextKeyring(InMemoryKeyring):
        pass

    PlaintextKeyring.__module__ = "keyrings.alt.file"
    previous = keyring.get_keyring()
    keyring.set_keyring(PlaintextKeyring())
    try:
        store = open_secret_store()
    finally:
        keyring.set_keyring(previous)
    assert isinstance(store, MemorySecretStore)


def test_keyring_errors_become_actionable_messages() -> None:
    previous = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    try:
        store = KeyringSecretStore()
        with pytest.raises(Exception, match="keyring refused to store"):
            store.set(SecretName.OPENAI_API_KEY, "sk-test-x")
    finally:
        keyring.set_keyring(previous)


def test_environment_beats_dotenv_beats_keyring(tmp_path: Path) -> None:
    store = MemorySecretStore()
    store.set(SecretName.OPENAI_API_KEY, "from-keyring-openai")
    store.set(SecretName.COMPOSIO_API_KEY, "from-keyring-composio")
    dotenv_file = tmp_path / ".env"
    dotenv_file.write_text("COMPOSIO_API_KEY=from-dotenv\nUSER_ID=dotenv-user\n")
    creds = resolve_credentials(
        store,
        "settings-user",
        {"OPENAI_API_KEY": "from-env"},
        read_dotenv(dotenv_file),
    )
    assert creds.openai_api_key == "from-env"
    assert creds.composio_api_key == "from-dotenv"
    assert creds.user_id == "dotenv-user"
    assert creds.sources == {
        "openai_api_key": "environment",
        "composio_api_key": ".env",
        "user_id": ".env",
    }


def test_stored_values_used_without_overrides() -> None:
    store = MemorySecretStore()
    store.set(SecretName.OPENAI_API_KEY, "stored-openai")
    creds = resolve_credentials(store, "alice", {}, {})
    assert creds.openai_api_key == "stored-openai"
    assert creds.composio_api_key is None
    assert creds.user_id == "alice"
    assert creds.sources["user_id"] == "settings"


def test_credentials_never_show_keys() -> None:
    store = MemorySecretStore()
    store.set(SecretName.OPENAI_API_KEY, "sk-test-very-secret")
    creds = resolve_credentials(store, "alice", {"COMPOSIO_API_KEY": "comp-very-secret"}, {})
    shown = repr(creds) + str(creds) + f"{creds}"
    assert "very-secret" not in shown
    assert "alice" in shown


def test_missing_dotenv_is_fine(tmp_path: Path) -> None:
    assert read_dotenv(tmp_path / ".env") == {}


def test_keys_never_reach_the_settings_file(tmp_path: Path) -> None:
    store = MemorySecretStore()
    store.set(SecretName.OPENAI_API_KEY, "sk-test-in-keyring-only")
    path = tmp_path / "settings.json"
    save_settings(path, Settings(user_id="alice"))
    assert "sk-test" not in path.read_text()
