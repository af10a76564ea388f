"""Saving Settings: keys into the keyring only, the rest into the settings file, keys resolved."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

from desktop.core.config.configuration import Configuration, SaveFailed
from desktop.core.config.secrets import (
    KEYRING_SERVICE,
    KeyringSecretStore,
    MemorySecretStore,
    SecretName,
    SecretStoreError,
)
from desktop.core.config.settings import Settings
from tests.fakes.keyring_backend import InMemoryKeyring

KEYS = {SecretName.OPENAI_API_KEY: "sk-test-save", SecretName.COMPOSIO_API_KEY: "ak-test-save"}


def _configuration(tmp_path: Path, **kwargs: object) -> Configuration:
    return Configuration(tmp_path / "settings.json", {}, tmp_path, **kwargs)  # type: ignore[arg-type]


def test_save_writes_keys_to_the_keyring_and_the_rest_to_the_file(
    tmp_path: Path, memory_keyring: InMemoryKeyring
) -> None:
    seen: list[str] = []
    configuration = _configuration(
        tmp_path, secret_store=KeyringSecretStore(), known_secrets=lambda *v: seen.extend(v)
    )
    settings = Settings(user_id="someone@example.com")

    failed = asyncio.run(configuration.save(settings, KEYS))

    assert failed is None
    stored = memory_keyring.passwords
    assert stored[(KEYRING_SERVICE, SecretName.OPENAI_API_KEY.value)] == "sk-test-save"
    assert stored[(KEYRING_SERVICE, SecretName.COMPOSIO_API_KEY.value)] == "ak-test-save"
    text = (tmp_path / "settings.json").read_text()
    assert json.loads(text)["user_id"] == "someone@example.com"
    assert "sk-test-save" not in text and "ak-test-save" not in text
    # The settings in use and the keys behind them are the new ones.
    assert configuration.settings == settings
    assert configuration.credentials is not None
    assert configuration.credentials.openai_api_key == "sk-test-save"
    assert configuration.complete
    assert set(seen) == {"sk-test-save", "ak-test-save"}  # scrubbed from the log from now on
    assert asyncio.run(configuration.stored_keys()).keys == KEYS


class RefusingStore(KeyringSecretStore):
    def set(self, name: SecretName, value: str) -> None:
        raise SecretStoreError("The keyring is locked.")


def test_a_refused_keyring_saves_nothing_and_says_why(tmp_path: Path) -> None:
    configuration = _configuration(tmp_path, secret_store=RefusingStore())
    before = configuration.settings

    failed = asyncio.run(configuration.save(Settings(user_id="someone"), KEYS))

    assert failed == SaveFailed("keys", "The keyring is locked.")
    assert not (tmp_path / "settings.json").exists()
    assert configuration.settings == before


def test_an_unwritable_settings_file_says_why(
    tmp_path: Path, memory_keyring: InMemoryKeyring
) -> None:
    configuration = Configuration(
        tmp_path / "file" / "settings.json", {}, tmp_path, secret_store=KeyringSecretStore()
    )
    (tmp_path / "file").write_text("a file where the folder should be")

    failed = asyncio.run(configuration.save(Settings(user_id="someone"), KEYS))

    assert failed is not None and failed.part == "settings"
    assert failed.reason.endswith(".")


def test_save_keeps_the_rules_made_meanwhile_less_those_revoked(tmp_path: Path) -> None:
    configuration = _configuration(tmp_path, secret_store=MemorySecretStore())
    configuration.keep_rule("E2B_CREATE_SANDBOX")
    configuration.keep_rule("E2B_DELETE_WEBHOOK")
    opened_with = configuration.settings  # what the Settings dialog shows
    configuration.keep_rule("E2B_PAUSE_SANDBOX")  # a person chose "always allow" meanwhile

    edited = opened_with.model_copy(update={"user_id": "bob", "approval_rules": ()})
    failed = asyncio.run(
        configuration.save(edited, KEYS, revoked=frozenset({"E2B_CREATE_SANDBOX"}))
    )

    assert failed is None
    data = json.loads((tmp_path / "settings.json").read_text())
    assert [rule["slug"] for rule in data["approval_rules"]] == [
        "E2B_DELETE_WEBHOOK",
        "E2B_PAUSE_SANDBOX",
    ]
    assert data["user_id"] == "bob"
    assert configuration.settings.always_allowed == {"E2B_DELETE_WEBHOOK", "E2B_PAUSE_SANDBOX"}


def test_a_usable_model_variable_is_noted_and_used(tmp_path: Path) -> None:
    environ = {"E2B_AGENT_MODEL": " anthropic:claude-haiku-4-5 "}
    configuration = Configuration(tmp_path / "settings.json", environ, tmp_path)
    assert configuration.in_use.model == "anthropic:claude-haiku-4-5"
    assert configuration.refused_model_override() is None
    assert configuration.model_override_note() == (
        "E2B_AGENT_MODEL sets the model in use (anthropic:claude-haiku-4-5); the one here is "
        "kept for when it is unset."
    )


def test_a_model_variable_the_app_cannot_use_is_refused_in_words(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("E2B_AGENT_MODEL=mistral:large\n")
    configuration = Configuration(tmp_path / "settings.json", {}, tmp_path)
    assert configuration.in_use.model == Settings().model  # not the unusable one
    refused = configuration.refused_model_override()
    assert refused is not None
    assert refused.startswith("E2B_AGENT_MODEL in .env names a model this version cannot use.")
    assert "The model provider 'mistral' is not supported" in refused
    assert f"({Settings().model}) is used instead" in refused
    assert configuration.model_override_note() == refused


def test_no_model_variable_no_note(tmp_path: Path) -> None:
    configuration = Configuration(tmp_path / "settings.json", {}, tmp_path)
    assert configuration.refused_model_override() is None
    assert configuration.model_override_note() is None
