"""Settings: defaults, validation, atomic save, and a damaged file kept aside."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pydantic import ValidationError

from desktop.core.config.settings import (
    DEFAULT_INSTRUCTIONS,
    MODEL_SHAPE_PROBLEM,
    SUPPORTED_PROVIDERS,
    Settings,
    load_settings,
    model_problem,
    save_settings,
)


def test_defaults_follow_the_guide() -> None:
    settings = Settings()
    assert settings.model == "openai:gpt-5"
    assert settings.toolkits == ("e2b",)
    assert settings.instructions == DEFAULT_INSTRUCTIONS
    assert "E2B" in settings.instructions
    assert settings.user_id == ""


def test_missing_file_gives_defaults(tmp_path: Path) -> None:
    assert load_settings(tmp_path / "nope.json") == Settings()


def test_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "cfg" / "settings.json"
    settings = Settings(model="openai-chat:gpt-4.1", user_id=" alice ", toolkits=("E2B", "github"))
    save_settings(path, settings)
    loaded = load_settings(path)
    assert loaded == settings
    assert loaded.user_id == "alice"
    assert loaded.toolkits == ("e2b", "github")
    assert json.loads(path.read_text())["schema_version"] == 1


def test_settings_are_frozen_and_strict() -> None:
    settings = Settings()
    with pytest.raises(ValidationError):
        settings.model = "x"  # type: ignore[misc]
    with pytest.raises(ValidationError):
        Settings.model_validate({"openai_api_key": "sk-should-never-be-here"})


@pytest.mark.parametrize("model", ["gpt-5", ":gpt-5", "openai:", ""])
def test_model_needs_a_provider(model: str) -> None:
    with pytest.raises(ValidationError):
        Settings(model=model)


def test_toolkits_cannot_be_empty() -> None:
    with pytest.raises(ValidationError):
        Settings(toolkits=(" ",))


def test_damaged_file_is_moved_aside_not_lost(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    path.write_text("{not json")
    assert load_settings(path) == Settings()
    assert (tmp_path / "settings.json.invalid").read_text() == "{not json"


def test_save_is_atomic_when_writing_fails(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "settings.json"
    save_settings(path, Settings(user_id="before"))

    def boom(*_args: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr("desktop.core.config.settings.os.replace", boom)
    with pytest.raises(OSError, match="disk full"):
        save_settings(path, Settings(user_id="after"))
    assert load_settings(path).user_id == "before"
    assert [p.name for p in tmp_path.iterdir()] == ["settings.json"]  # no temp file left


@pytest.mark.parametrize("provider", SUPPORTED_PROVIDERS)
def test_supported_providers_are_accepted(provider: str) -> None:
    name = "openai/gpt-5" if provider == "openrouter" else "gpt-5"
    assert Settings(model=f" {provider}:{name} ").model == f"{provider}:{name}"
    assert model_problem(f"{provider}:{name}") is None


def test_every_provider_of_the_issue_is_supported() -> None:
    assert set(SUPPORTED_PROVIDERS) >= {
        "openai",
        "openai-chat",
        "anthropic",
        "google",
        "openrouter",
        "ollama",
        "lmstudio",
        "openai-compatible",
    }


def test_an_unknown_provider_is_rejected_at_once_naming_the_supported_ones() -> None:
    problem = model_problem("mistral:large")
    assert problem is not None
    assert "'mistral'" in problem
    for provider in ("openai", "anthropic", "google", "openrouter", "ollama", "lmstudio"):
        assert provider in problem
    with pytest.raises(ValidationError, match="'mistral' is not supported"):
        Settings(model="mistral:large")


def test_an_openrouter_model_must_name_its_maker() -> None:
    problem = model_problem("openrouter:claude-sonnet-4.5")
    assert problem is not None and "openrouter:anthropic/claude-sonnet-4.5" in problem


def test_base_urls_are_kept_per_provider_and_an_unknown_one_is_refused() -> None:
    settings = Settings(base_urls={"ollama": " http://127.0.0.1:11434/v1 ", "lmstudio": " "})
    assert settings.base_urls == {"ollama": "http://127.0.0.1:11434/v1"}
    assert settings.base_url("ollama") == "http://127.0.0.1:11434/v1"
    assert settings.base_url("lmstudio") is None
    with pytest.raises(ValidationError, match="no provider is called mistral"):
        Settings(base_urls={"mistral": "http://127.0.0.1:1/v1"})


def test_a_stored_unknown_provider_falls_back_to_the_default_model_keeping_the_rest(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "settings.json"
    stored = {
        "schema_version": 1,
        "model": "mistral:large",
        "user_id": "bob",
        "toolkits": ["e2b", "github"],
        "instructions": "Be brief.",
    }
    path.write_text(json.dumps(stored))
    with caplog.at_level("WARNING"):
        loaded = load_settings(path)
    assert loaded == Settings(user_id="bob", toolkits=("e2b", "github"), instructions="Be brief.")
    assert loaded.model == Settings().model
    assert "mistral:large" in caplog.text
    assert not (tmp_path / "settings.json.invalid").exists()
    assert json.loads(path.read_text()) == stored  # nothing rewritten behind the user's back


def test_a_bad_model_next_to_another_bad_field_is_still_moved_aside(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    path.write_text(json.dumps({"model": "mistral:large", "toolkits": []}))
    assert load_settings(path) == Settings()
    assert (tmp_path / "settings.json.invalid").exists()


def test_a_model_without_a_provider_gets_the_shape_sentence() -> None:
    assert model_problem("gpt-5") == MODEL_SHAPE_PROBLEM


# -- approval rules ---------------------------------------------------------------------------
def test_rules_are_kept_in_the_settings_file_with_when_they_were_made(tmp_path: Path) -> None:
    from datetime import UTC, datetime

    path = tmp_path / "settings.json"
    made = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
    settings = Settings(user_id="u").with_rule("E2B_CREATE_SANDBOX", made)
    assert settings.with_rule("E2B_CREATE_SANDBOX") is settings  # once
    save_settings(path, settings.with_rule("E2B_PAUSE_SANDBOX", made))
    loaded = load_settings(path)
    assert loaded.always_allowed == {"E2B_CREATE_SANDBOX", "E2B_PAUSE_SANDBOX"}
    assert [rule.made_at for rule in loaded.approval_rules] == [made, made]
    revoked = loaded.without_rule("E2B_CREATE_SANDBOX")
    assert revoked.always_allowed == {"E2B_PAUSE_SANDBOX"} and revoked.user_id == "u"
    assert not loaded.ask_before_reads


def test_a_damaged_rule_is_dropped_and_the_rest_of_the_file_kept(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    path.write_text(
        json.dumps(
            {
                "user_id": "keep-me",
                "approval_rules": [{"slug": "rm -rf /", "made_at": "yesterday"}],
                "ask_before_reads": "sometimes",
            }
        ),
        encoding="utf-8",
    )
    loaded = load_settings(path)
    # Falling back can only make the app ask more: no rules, and asking before reads too.
    assert loaded.user_id == "keep-me" and loaded.approval_rules == ()
    assert loaded.ask_before_reads
    assert path.exists()  # not moved aside: nothing the user typed is lost


@pytest.mark.parametrize(
    "content",
    [b"\xff\xfe{\x00", b"[" * 100_000 + b"]" * 100_000],
    ids=["undecodable", "nested-too-deep"],
)
def test_an_unreadable_file_is_moved_aside_and_defaults_used(
    tmp_path: Path, content: bytes, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "settings.json"
    path.write_bytes(content)
    with caplog.at_level("WARNING"):
        assert load_settings(path) == Settings()
    assert (tmp_path / "settings.json.invalid").read_bytes() == content
    assert not path.exists()
    assert "moved to" in caplog.text


def test_a_directory_in_the_files_place_is_kept_and_defaults_used(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "settings.json"
    (path / "inside").mkdir(parents=True)
    with caplog.at_level("WARNING"):
        assert load_settings(path) == Settings()
    assert (path / "inside").is_dir()
    assert "is a directory" in caplog.text
