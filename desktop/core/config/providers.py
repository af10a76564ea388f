"""The model providers the app can use: the one table of them (the model string's prefix, the
key, the base URL and its variable, the offline model list) and the one check of a model string.

Settings validates against it, the agent builder builds from it, Test connection checks by it,
and both faces name providers from it. Plain dataclasses: the window reads it before the first
paint, without pydantic.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from desktop.core.config.secrets import SecretName

Wire = Literal["openai-responses", "openai-chat", "anthropic", "google", "openrouter", "ollama"]
"""How the agent speaks to the provider (which Pydantic AI model class it builds)."""


@dataclass(frozen=True)
class ProviderSpec:
    """One model provider: `prefix` is what comes before the colon of "anthropic:claude-...".

    `family` names the key and base URL it shares with others ("openai" for both OpenAI APIs);
    `key` is its keyring entry (None: it needs none, as local servers); `base_url_variable` the
    environment variable that points it elsewhere; `default_base_url` where it is otherwise
    (None: there is no default, the user names the server); `local` servers run on the user's
    own machine or network and cost nothing; `suggestions` are the models offered before the
    provider's own list has been fetched.
    """

    prefix: str
    label: str  # in the provider picker
    service: str  # in sentences: "Anthropic rejected the API key"
    wire: Wire
    family: str
    key: SecretName | None
    base_url_variable: str | None
    default_base_url: str | None
    suggestions: tuple[str, ...] = ()
    local: bool = False
    in_picker: bool = True  # False: an alias kept for settings files written before
    base_url_in_settings: bool = True  # Settings shows a base URL field for it
    not_running: str = ""  # how to start the local server: "start it with `ollama serve`"

    @property
    def needs_key(self) -> bool:
        return self.key is not None


_OPENAI_MODELS = ("gpt-5", "gpt-5-mini", "gpt-5-nano")
_OPENAI_CHAT_MODELS = ("gpt-4.1", "gpt-4.1-mini", "gpt-4o")

PROVIDERS: tuple[ProviderSpec, ...] = (
    ProviderSpec(
        "openai",
        "OpenAI",
        "OpenAI",
        "openai-responses",
        "openai",
        SecretName.OPENAI_API_KEY,
        "OPENAI_BASE_URL",
        "https://api.openai.com/v1",
        _OPENAI_MODELS,
    ),
    ProviderSpec(
        "openai-chat",
        "OpenAI (Chat Completions)",
        "OpenAI",
        "openai-chat",
        "openai",
        SecretName.OPENAI_API_KEY,
        "OPENAI_BASE_URL",
        "https://api.openai.com/v1",
        _OPENAI_CHAT_MODELS,
    ),
    ProviderSpec(
        "openai-responses",
        "OpenAI (Responses API)",
        "OpenAI",
        "openai-responses",
        "openai",
        SecretName.OPENAI_API_KEY,
        "OPENAI_BASE_URL",
        "https://api.openai.com/v1",
        _OPENAI_MODELS,
        in_picker=False,
    ),
    ProviderSpec(
        "anthropic",
        "Anthropic",
        "Anthropic",
        "anthropic",
        "anthropic",
        SecretName.ANTHROPIC_API_KEY,
        "ANTHROPIC_BASE_URL",
        "https://api.anthropic.com",
        ("claude-sonnet-4-5", "claude-opus-4-5", "claude-haiku-4-5"),
    ),
    ProviderSpec(
        "google",
        "Google Gemini",
        "Google Gemini",
        "google",
        "google",
        SecretName.GOOGLE_API_KEY,
        # google-genai's own variable for another endpoint.
        "GOOGLE_GEMINI_BASE_URL",
        "https://generativelanguage.googleapis.com",
        ("gemini-2.5-flash", "gemini-2.5-pro", "gemini-2.5-flash-lite"),
        base_url_in_settings=False,
    ),
    ProviderSpec(
        "openrouter",
        "OpenRouter",
        "OpenRouter",
        "openrouter",
        "openrouter",
        SecretName.OPENROUTER_API_KEY,
        "OPENROUTER_BASE_URL",
        "https://openrouter.ai/api/v1",
        (
            "anthropic/claude-sonnet-4.5",
            "openai/gpt-5",
            "google/gemini-2.5-flash",
            "meta-llama/llama-3.3-70b-instruct",
        ),
        base_url_in_settings=False,
    ),
    ProviderSpec(
        "ollama",
        "Ollama (local)",
        "Ollama",
        "ollama",
        "ollama",
        None,
        "OLLAMA_BASE_URL",
        "http://localhost:11434/v1",
        # Small models that can call tools (many cannot: the agent needs it).
        ("llama3.1", "qwen2.5", "mistral-nemo"),
        local=True,
        not_running="start it with `ollama serve`",
    ),
    ProviderSpec(
        "lmstudio",
        "LM Studio (local)",
        "LM Studio",
        "openai-chat",
        "lmstudio",
        None,
        None,
        "http://localhost:1234/v1",
        ("qwen2.5-7b-instruct", "llama-3.1-8b-instruct"),
        local=True,
        not_running="start its server in LM Studio (Developer tab) or with `lms server start`",
    ),
    ProviderSpec(
        "openai-compatible",
        "Other OpenAI-compatible server",
        "The model server",
        "openai-chat",
        "openai-compatible",
        None,
        None,
        None,
    ),
)
"""Every provider, in the picker's order."""

BY_PREFIX = {spec.prefix: spec for spec in PROVIDERS}
FAMILIES = tuple(dict.fromkeys(spec.family for spec in PROVIDERS))
"""Every provider family (what shares a key and a base URL), in the picker's order."""
SUPPORTED_PREFIXES = tuple(spec.prefix for spec in PROVIDERS)
MODEL_SHAPE_PROBLEM = "The model must look like openai:gpt-5 (provider:name)."


def provider_of(model: str) -> ProviderSpec | None:
    """The provider of a model string ("anthropic:claude-..."), or None for an unknown one."""
    prefix, sep, _name = model.strip().partition(":")
    return BY_PREFIX.get(prefix) if sep else None


def split_model(model: str) -> tuple[str, str]:
    """("anthropic", "claude-sonnet-4-5") of "anthropic:claude-sonnet-4-5"."""
    prefix, _sep, name = model.strip().partition(":")
    return prefix, name.strip()


def model_problem(model: str) -> str | None:
    """Why `model` cannot be used, as one sentence, or None when it can: the one check of a
    model string (the settings, the settings dialog, the switcher, the terminal and the agent
    builder all ask it)."""
    prefix, sep, name = model.strip().partition(":")
    if not sep or not prefix or not name.strip():
        return MODEL_SHAPE_PROBLEM
    if prefix not in BY_PREFIX:
        named = [spec.prefix for spec in PROVIDERS if spec.in_picker]
        return (
            f"The model provider '{prefix}' is not supported: use "
            f"{', '.join(named[:-1])} or {named[-1]}, e.g. anthropic:claude-sonnet-4-5."
        )
    if prefix == "openrouter" and "/" not in name.strip("/"):
        return (
            "OpenRouter's model names start with the model's maker, e.g. "
            "openrouter:anthropic/claude-sonnet-4.5."
        )
    return None


def picker_providers() -> tuple[ProviderSpec, ...]:
    """The providers the Settings dialog offers, in order."""
    return tuple(spec for spec in PROVIDERS if spec.in_picker)


def family_label(family: str) -> str:
    """How the provider picker names `family` ("Ollama (local)"; the family itself if unknown)."""
    return next((spec.label for spec in picker_providers() if spec.family == family), family)


def base_urls_in_environment(environ: Mapping[str, str]) -> dict[str, str]:
    """The provider families whose base URL a variable sets in `environ`: {family: variable}."""
    return {
        spec.family: spec.base_url_variable
        for spec in PROVIDERS
        if spec.base_url_variable and environ.get(spec.base_url_variable, "").strip()
    }
