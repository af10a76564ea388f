"""The consent to plain http on another machine, per provider family: kept in the settings file,
and the one switch of older versions read as the saved model's provider's consent only."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest
from pydantic import ValidationError

from desktop.core.config.providers import FAMILIES
from desktop.core.config.settings import Settings, load_settings, save_settings


def _load(path: Path, data: dict[str, object]) -> Settings:
    path.write_text(json.dumps(data), encoding="utf-8")
    return load_settings(path)


def test_no_provider_may_be_plain_http_elsewhere_by_default() -> None:
    assert Settings().plain_http_model_providers == ()


def test_the_consent_is_kept_per_family_and_round_trips(tmp_path: Path) -> None:
    settings = Settings(plain_http_model_providers=(" Ollama ", "lmstudio", "ollama"))
    assert settings.plain_http_model_providers == ("ollama", "lmstudio")
    path = tmp_path / "settings.json"
    save_settings(path, settings)
    assert json.loads(path.read_text())["plain_http_model_providers"] == ["ollama", "lmstudio"]
    assert load_settings(path) == settings
    with pytest.raises(ValidationError, match="no provider is called anthropic-ish"):
        Settings(plain_http_model_providers=("anthropic-ish",))
    # Both OpenAI APIs share a key and a base URL, so one consent.
    assert "openai" in FAMILIES and "openai-chat" not in FAMILIES


@pytest.mark.parametrize(
    ("model", "family"),
    [
        ("ollama:llama3.1", "ollama"),
        ("openai-chat:gpt-4.1", "openai"),  # both OpenAI APIs: one key, one base URL
        ("anthropic:claude-sonnet-4-5", "anthropic"),
        ("openai-compatible:qwen", "openai-compatible"),
    ],
)
def test_the_old_switch_becomes_the_saved_models_provider_consent_only(
    tmp_path: Path, model: str, family: str
) -> None:
    path = tmp_path / "settings.json"
    loaded = _load(
        path, {"user_id": "alice", "model": model, "allow_plain_http_model_endpoint": True}
    )
    assert loaded.plain_http_model_providers == (family,)
    assert loaded.model == model and loaded.user_id == "alice"
    # The next save writes the new shape; the old switch is gone for good.
    save_settings(path, loaded)
    written = json.loads(path.read_text())
    assert written["plain_http_model_providers"] == [family]
    assert "allow_plain_http_model_endpoint" not in written


def test_the_old_switch_joins_the_consents_already_given(tmp_path: Path) -> None:
    loaded = _load(
        tmp_path / "settings.json",
        {
            "model": "ollama:llama3.1",
            "allow_plain_http_model_endpoint": True,
            "plain_http_model_providers": ["lmstudio"],
        },
    )
    assert loaded.plain_http_model_providers == ("lmstudio", "ollama")


@pytest.mark.parametrize(
    "data",
    [
        {},  # no model saved: which provider it was meant for is not known
        {"model": "nope:model"},  # an unusable model (the default model takes its place)
        {"model": "ollama:"},
        {"model": 7},
    ],
)
def test_the_old_switch_without_a_usable_saved_model_opens_nothing(
    tmp_path: Path, data: dict[str, object], caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING):
        loaded = _load(
            tmp_path / "settings.json",
            {"user_id": "keep-me", **data, "allow_plain_http_model_endpoint": True},
        )
    assert loaded.plain_http_model_providers == ()
    assert loaded.user_id == "keep-me"
    assert "allow_plain_http_model_endpoint True not kept (no usable model is saved)" in caplog.text


@pytest.mark.parametrize("value", ["yes", 1, "true", None, False])
def test_the_old_switch_opens_only_as_a_json_true(tmp_path: Path, value: object) -> None:
    path = tmp_path / "settings.json"
    loaded = _load(
        path,
        {
            "user_id": "keep-me",
            "model": "ollama:llama3.1",
            "allow_plain_http_model_endpoint": value,
        },
    )
    # Falling back keeps every key off plain http, and keeps the rest of the file.
    assert loaded.plain_http_model_providers == ()
    assert loaded.user_id == "keep-me" and loaded.model == "ollama:llama3.1" and path.exists()


@pytest.mark.parametrize("value", ["ollama", ["ollama", "nobody"], [1], {"ollama": True}])
def test_a_damaged_consent_falls_back_to_none_keeping_the_rest(
    tmp_path: Path, value: object
) -> None:
    path = tmp_path / "settings.json"
    loaded = _load(
        path,
        {
            "user_id": "keep-me",
            "model": "ollama:llama3.1",
            "allow_plain_http_model_endpoint": True,  # joins the damaged list: dropped too
            "plain_http_model_providers": value,
        },
    )
    assert loaded.plain_http_model_providers == ()
    assert loaded.user_id == "keep-me" and path.exists()


def test_the_terminals_grant_is_for_the_runs_model_provider_only() -> None:
    settings = Settings(
        model="anthropic:claude-sonnet-4-5", plain_http_model_providers=("lmstudio",)
    )
    granted = settings.with_plain_http_for_model()
    assert granted.plain_http_model_providers == ("lmstudio", "anthropic")
    assert granted.with_plain_http_for_model() == granted
    assert Settings(
        model="openai-chat:gpt-4.1"
    ).with_plain_http_for_model().plain_http_model_providers == ("openai",)
