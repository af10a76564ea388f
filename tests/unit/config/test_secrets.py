"""Secrets: keyring storage, environment and .env overrides, and keys never printed."""

from __future__ import annotations

from pathlib import Path

import keyring
import pytest
from keyring.backends import fail
from keyring.errors import InitError

from desktop.core.config.credentials import (
    KeyringUnreadable,
    require_credentials,
    resolve_credentials,
)
from desktop.core.config.secrets import (
    KEYRING_SERVICE,
    KeyringSecretStore,
    MemorySecretStore,
    SecretName,
    SecretStoreUnreadableError,
    open_secret_store,
    read_dotenv,
)
from desktop.core.config.settings import Settings, save_settings
from desktop.core.errors import ErrorKind, UserFacingError
from tests.fakes.keyring_backend import InMemoryKeyring


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


def test_a_locked_keyring_is_not_a_missing_key(memory_keyring: InMemoryKeyring) -> None:
    memory_keyring.passwords[(KEYRING_SERVICE, "openai_api_key")] = "sk-test-stored"
    memory_keyring.lock()
    store = KeyringSecretStore()
    with pytest.raises(SecretStoreUnreadableError) as raised:
        store.get(SecretName.OPENAI_API_KEY)
    assert raised.value.locked and raised.value.reason == "KeyringLocked"
    creds = resolve_credentials(store, "alice", {}, {})
    assert creds.openai_api_key is None
    assert creds.unreadable == KeyringUnreadable(locked=True, reason="KeyringLocked")
    with pytest.raises(UserFacingError) as refused:
        require_credentials(creds)
    assert refused.value.kind is ErrorKind.KEYRING_UNREADABLE
    assert refused.value.message == (
        "The keyring is locked: unlock it (GNOME Keyring, KWallet...) and retry."
    )
    assert "No " not in refused.value.message
    # Unlocked, the same store reads the key: no new store, no restart.
    memory_keyring.unlock()
    again = resolve_credentials(store, "alice", {}, {})
    assert again.openai_api_key == "sk-test-stored" and again.unreadable is None


def test_a_keyring_that_does_not_answer_says_so(memory_keyring: InMemoryKeyring) -> None:
    memory_keyring.refusing = InitError("Failed to create the collection: no D-Bus")
    creds = resolve_credentials(KeyringSecretStore(), "alice", {}, {})
    assert creds.unreadable == KeyringUnreadable(locked=False, reason="InitError")
    with pytest.raises(UserFacingError) as refused:
        require_credentials(creds)
    assert refused.value.message == (
        "The keyring could not be read (InitError): check that it is running and unlocked "
        "(GNOME Keyring, KWallet...), then retry."
    )
    assert "D-Bus" not in refused.value.message


def test_keys_from_the_environment_need_no_keyring(memory_keyring: InMemoryKeyring) -> None:
    memory_keyring.lock()
    env = {"OPENAI_API_KEY": "sk-test-env", "COMPOSIO_API_KEY": "ak-env"}
    wanted = (SecretName.OPENAI_API_KEY, SecretName.COMPOSIO_API_KEY)
    creds = resolve_credentials(KeyringSecretStore(), "alice", env, {}, wanted=wanted)
    assert creds.unreadable is None
    assert memory_keyring.reads == 0
    require_credentials(creds)  # nothing is missing: the locked keyring does not matter
    # Asked for every provider's key, the locked keyring is asked once, and still nothing the
    # chat on OpenAI needs is missing.
    every = resolve_credentials(KeyringSecretStore(), "alice", env, {})
    assert memory_keyring.reads == 1 and every.unreadable is not None
    require_credentials(every)


def test_a_locked_keyring_and_a_missing_user_id_name_the_keyring_first(
    memory_keyring: InMemoryKeyring,
) -> None:
    memory_keyring.lock()
    creds = resolve_credentials(KeyringSecretStore(), "", {"OPENAI_API_KEY": "sk-test-env"}, {})
    with pytest.raises(UserFacingError) as refused:
        require_credentials(creds)
    assert refused.value.kind is ErrorKind.KEYRING_UNREADABLE
    assert refused.value.fix is not None
    assert [item.env_var for item in refused.value.fix.items] == ["COMPOSIO_API_KEY"]
