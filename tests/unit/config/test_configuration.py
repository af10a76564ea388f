"""Saving Settings: keys into the keyring only, the rest into the settings file, keys resolved."""

from __future__ import annotations

import asyncio
import json
import logging
import os
from pathlib import Path

import pytest

from desktop.core.config.configuration import Configuration, SaveFailed
from desktop.core.config.secrets import (
    KEYRING_SERVICE,
    KeyringSecretStore,
    MemorySecretStore,
    SecretName,
    SecretStoreError,
)
from desktop.core.config.settings import Settings, model_problem
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
    assert refused.startswith(
        "E2B_AGENT_MODEL in .env (mistral:large) names a model this version cannot use."
    )
    assert "The model provider 'mistral' is not supported" in refused
    assert f"({Settings().model}) is used instead" in refused
    assert configuration.model_override_note() == refused


def test_no_model_variable_no_note(tmp_path: Path) -> None:
    configuration = Configuration(tmp_path / "settings.json", {}, tmp_path)
    assert configuration.refused_model_override() is None
    assert configuration.model_override_note() is None


def _write(path: Path, text: str, *, mtime_ns: int | None = None) -> None:
    path.write_text(text)
    if mtime_ns is not None:  # a time of its own: not within the last write's timestamp tick
        os.utime(path, ns=(mtime_ns, mtime_ns))


def test_a_changed_env_file_is_seen_at_the_next_settings_access(tmp_path: Path) -> None:
    dotenv = tmp_path / ".env"
    configuration = _configuration(tmp_path, secret_store=MemorySecretStore())
    assert configuration.in_use.model == "openai:gpt-5"  # the saved one: no .env yet

    _write(dotenv, "E2B_AGENT_MODEL=anthropic:claude-sonnet-4-5\n")
    assert configuration.in_use.model == "anthropic:claude-sonnet-4-5"
    assert configuration.model_override() == ("anthropic:claude-sonnet-4-5", ".env")

    # Rewritten in place, the same size: seen by its modification time.
    _write(dotenv, "E2B_AGENT_MODEL=anthropic:claude-sonnet-4-6\n", mtime_ns=1_700_000_000 * 10**9)
    assert configuration.in_use.model == "anthropic:claude-sonnet-4-6"

    # Replaced (as editors save), with a key and the user id: read where they are read today.
    replacement = tmp_path / ".env.new"
    _write(replacement, "OPENAI_API_KEY=sk-from-dotenv\nUSER_ID=dot@example.com\n")
    replacement.replace(dotenv)
    assert configuration.in_use.model == "openai:gpt-5"
    assert configuration.overrides() == {
        "openai_api_key": ("sk-from-dotenv", ".env"),
        "user_id": ("dot@example.com", ".env"),
    }
    credentials = asyncio.run(configuration.reload_credentials())
    assert credentials.openai_api_key == "sk-from-dotenv"

    dotenv.unlink()
    assert configuration.overrides() == {}
    assert asyncio.run(configuration.reload_credentials()).openai_api_key is None


def test_the_environment_still_wins_over_the_env_file(tmp_path: Path) -> None:
    _write(tmp_path / ".env", "E2B_AGENT_MODEL=anthropic:claude-sonnet-4-5\nOPENAI_API_KEY=sk-d\n")
    environ = {"E2B_AGENT_MODEL": "openai:gpt-4.1", "OPENAI_API_KEY": "sk-env"}
    configuration = Configuration(
        tmp_path / "settings.json", environ, tmp_path, secret_store=MemorySecretStore()
    )
    for _ in range(2):  # read, then from what was read
        assert configuration.in_use.model == "openai:gpt-4.1"
        assert configuration.overrides()["openai_api_key"] == ("sk-env", "environment")


def test_repeated_settings_access_does_not_read_an_unchanged_env_file(tmp_path: Path) -> None:
    dotenv = tmp_path / ".env"
    _write(dotenv, "E2B_AGENT_MODEL=anthropic:claude-sonnet-4-5\nUSER_ID=dot@example.com\n")
    configuration = _configuration(tmp_path, secret_store=MemorySecretStore())
    asyncio.run(configuration.reload_credentials())
    for _ in range(50):  # what a window asks of it while it runs
        assert configuration.in_use.model == "anthropic:claude-sonnet-4-5"
        assert not configuration.complete and not configuration.connectable
        configuration.overrides()
    assert configuration.dotenv_file.reads == 1

    _write(dotenv, "E2B_AGENT_MODEL=openai:gpt-4.1\n")
    for _ in range(10):
        assert configuration.in_use.model == "openai:gpt-4.1"
    assert configuration.dotenv_file.reads == 2


def test_an_unusable_model_variable_is_logged_once_not_at_every_access(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    configuration = Configuration(tmp_path / "settings.json", {"E2B_AGENT_MODEL": "x"}, tmp_path)
    with caplog.at_level(logging.WARNING):
        for _ in range(5):
            assert configuration.in_use.model == Settings().model
    assert [r.getMessage() for r in caplog.records].count(
        "E2B_AGENT_MODEL ignored: " + (model_problem("x") or "")
    ) == 1
