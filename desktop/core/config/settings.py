"""The user's settings: a frozen pydantic model saved as JSON with an atomic replace."""

from __future__ import annotations

import contextlib
import json
import logging
import os
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from desktop.core.files import write_text_atomically

log = logging.getLogger(__name__)

SCHEMA_VERSION = 1

SUPPORTED_PROVIDERS = ("openai", "openai-chat", "openai-responses")
"""Model providers the agent can build: 'openai' and 'openai-responses' use the Responses API,
'openai-chat' Chat Completions."""
MODEL_SHAPE_PROBLEM = "The model must look like openai:gpt-5 (provider:name)."

DEFAULT_INSTRUCTIONS = (
    "You are an E2B assistant. Use the E2B tools to help the user manage their E2B sandboxes, "
    "templates and webhooks. Before creating, pausing or deleting anything, say what you are "
    "about to do and to which sandbox. Ask clarifying questions when a request is ambiguous. "
    "When a connection is needed, give the user the Connect Link."
)


def model_problem(model: str) -> str | None:
    """Why `model` cannot be used, as one sentence, or None when it can: the one check of a
    model string (the settings, the settings dialog and the agent builder all ask it)."""
    provider, sep, name = model.strip().partition(":")
    if not sep or not provider or not name:
        return MODEL_SHAPE_PROBLEM
    if provider not in SUPPORTED_PROVIDERS:
        return (
            f"The model provider '{provider}' is not supported: use "
            f"{', '.join(SUPPORTED_PROVIDERS[:-1])} or {SUPPORTED_PROVIDERS[-1]}, "
            "e.g. openai:gpt-5."
        )
    return None


class Settings(BaseModel):
    """Everything the user configures except secrets (those live in the OS keyring)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    schema_version: int = Field(
        default=SCHEMA_VERSION, description="Version of this settings file's layout."
    )
    model: str = Field(
        default="openai:gpt-5",
        description=(
            "The model, as provider:name. 'openai:' uses the Responses API, "
            "'openai-chat:' uses Chat Completions."
        ),
        min_length=1,
    )
    user_id: str = Field(
        default="",
        description="Your Composio user id: the account whose E2B connection the agent uses.",
    )
    toolkits: tuple[str, ...] = Field(
        default=("e2b",),
        description="Composio toolkits the agent may use, e.g. e2b.",
        min_length=1,
    )
    instructions: str = Field(
        default=DEFAULT_INSTRUCTIONS,
        description="The agent's standing instructions (its system prompt).",
    )

    @field_validator("model")
    @classmethod
    def _model_is_supported(cls, value: str) -> str:
        problem = model_problem(value)
        if problem:
            raise ValueError(problem)
        return value.strip()

    @field_validator("toolkits")
    @classmethod
    def _clean_toolkits(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        cleaned = tuple(dict.fromkeys(t.strip().lower() for t in value if t.strip()))
        if not cleaned:
            raise ValueError("at least one toolkit is needed, e.g. e2b")
        return cleaned

    @field_validator("user_id")
    @classmethod
    def _strip_user_id(cls, value: str) -> str:
        return value.strip()


def load_settings(path: Path) -> Settings:
    """Read settings; a missing file gives defaults, a damaged one is kept aside, not lost, and
    an unusable model alone falls back to the default model, keeping every other field."""
    try:
        raw = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return Settings()
    try:
        data = json.loads(raw)
        if isinstance(data, dict):
            data.pop("schema_version", None)
        try:
            return Settings.model_validate(data)
        except ValidationError as exc:
            if not isinstance(data, dict) or any(e["loc"][:1] != ("model",) for e in exc.errors()):
                raise
            # Only the model is wrong (say a provider this version cannot build): keep the
            # user's id, toolkits and instructions, and use the default model.
            fallback = Settings.model_validate({k: v for k, v in data.items() if k != "model"})
            log.warning(
                "settings file %s: unusable model %r, using %s instead",
                path,
                data.get("model"),
                fallback.model,
            )
            return fallback
    except (json.JSONDecodeError, ValidationError) as exc:
        backup = path.with_name(path.name + ".invalid")
        with contextlib.suppress(OSError):
            os.replace(path, backup)
        log.warning("invalid settings file %s (%s): moved to %s", path, type(exc).__name__, backup)
        return Settings()


def save_settings(path: Path, settings: Settings) -> None:
    """Write atomically: a crash mid-write leaves the previous file intact."""
    write_text_atomically(path, settings.model_dump_json(indent=2) + "\n")
