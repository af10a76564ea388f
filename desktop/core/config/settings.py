"""The user's settings: a frozen pydantic model saved as JSON with an atomic replace."""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Iterable
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, ValidationError, field_validator

from desktop.core.config.providers import FAMILIES, SUPPORTED_PREFIXES, provider_of
from desktop.core.config.providers import MODEL_SHAPE_PROBLEM as MODEL_SHAPE_PROBLEM
from desktop.core.config.providers import model_problem as model_problem
from desktop.core.files import write_text_atomically

log = logging.getLogger(__name__)

SCHEMA_VERSION = 1

SUPPORTED_PROVIDERS = SUPPORTED_PREFIXES
"""Model providers the agent can build (the table is `providers.PROVIDERS`): 'openai' and
'openai-responses' use OpenAI's Responses API, 'openai-chat' Chat Completions, then Anthropic,
Google Gemini, OpenRouter, Ollama, LM Studio and any other OpenAI-compatible server."""

DEFAULT_INSTRUCTIONS = (
    "You are an E2B assistant. Use the E2B tools to help the user manage their E2B sandboxes, "
    "templates and webhooks. Before creating, pausing or deleting anything, say what you are "
    "about to do and to which sandbox. Ask clarifying questions when a request is ambiguous. "
    "When a connection is needed, give the user the Connect Link."
)


class ApprovalRule(BaseModel):
    """ "Always allow this action": the user's own rule, listed in Settings with when it was made
    and revocable there. Never kept in the keyring or a conversation."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    slug: str = Field(pattern=r"^[A-Z][A-Z0-9_]{0,127}$", description="The action allowed.")
    made_at: AwareDatetime = Field(description="When the user made the rule.")


# Fields a damaged value of which is replaced rather than losing the file; the replacement can
# only make the app ask more, never less (no rules; a damaged switch asks before reads too, and
# keeps every provider's key off plain http).
DROPPABLE_FIELDS = frozenset(
    {
        "model",
        "base_urls",
        "approval_rules",
        "ask_before_reads",
        "plain_http_model_providers",
        "sandbox_vcpu_price",
        "sandbox_ram_price",
        "sandboxes_at_quit",
    }
)
CAUTIOUS_FALLBACK = {"ask_before_reads": True, "plain_http_model_providers": ()}
# Before the opt-in was per provider: one switch for every provider, read once at load as the
# opt-in of the saved model's provider only (`_migrated`), never written again.
ONE_SWITCH_FOR_EVERY_PROVIDER = "allow_plain_http_model_endpoint"

# E2B's published prices (2026) per running second, for what is allocated, not what is used.
E2B_VCPU_PRICE = Decimal("0.000014")
E2B_RAM_PRICE = Decimal("0.0000045")
QuitChoice = Literal["ask", "keep", "pause", "kill"]
"""What quitting does with the running sandboxes this app created: ask, or a remembered choice."""


class Settings(BaseModel):
    """Everything the user configures except secrets (those live in the OS keyring)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    schema_version: int = Field(
        default=SCHEMA_VERSION, description="Version of this settings file's layout."
    )
    model: str = Field(
        default="openai:gpt-5",
        description=(
            "The model, as provider:name: openai: (the Responses API), openai-chat: (Chat "
            "Completions), anthropic:, google:, openrouter:, ollama:, lmstudio: or "
            "openai-compatible: (any other server, by its base URL)."
        ),
        min_length=1,
    )
    base_urls: dict[str, str] = Field(
        default_factory=dict,
        description=(
            "Where a provider's server is, by provider (ollama, lmstudio, openai-compatible, "
            "openai, anthropic); its environment variable (OLLAMA_BASE_URL...) wins."
        ),
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
    approval_rules: tuple[ApprovalRule, ...] = Field(
        default=(), description="Actions the user always allows without being asked."
    )
    ask_before_reads: bool = Field(
        default=False, description="Ask before every action, reads (listings, logs) too."
    )
    plain_http_model_providers: tuple[str, ...] = Field(
        default=(),
        description=(
            "The model providers (ollama, lmstudio, openai-compatible, openai...) whose server "
            "may be plain http:// (unencrypted) on another machine, such as Ollama on your own "
            "network: their key and the conversation then travel in clear, and anyone on the "
            "network between can read them. Every other provider keeps to https://."
        ),
    )

    sandbox_vcpu_price: Decimal = Field(
        default=E2B_VCPU_PRICE,
        ge=0,
        description=(
            "What E2B charges per vCPU per second a sandbox runs, in US dollars "
            "(E2B's published rate in 2026; rates change)."
        ),
    )
    sandbox_ram_price: Decimal = Field(
        default=E2B_RAM_PRICE,
        ge=0,
        description=(
            "What E2B charges per GiB of RAM per second a sandbox runs, in US dollars "
            "(E2B's published rate in 2026; rates change)."
        ),
    )
    conversation_budget: Decimal | None = Field(
        default=None,
        gt=0,
        description=(
            "The most one conversation may spend, model and sandboxes together, in US dollars: "
            "the agent stops before its next model request once it is reached. None: no budget."
        ),
    )
    sandboxes_at_quit: QuitChoice = Field(
        default="ask",
        description=(
            "What quitting does with running sandboxes this app created: ask, or always keep "
            "them running, pause them or kill them."
        ),
    )

    @property
    def always_allowed(self) -> frozenset[str]:
        return frozenset(rule.slug for rule in self.approval_rules)

    def with_rule(self, slug: str, now: datetime | None = None) -> Settings:
        """These settings with "always allow `slug`" (unchanged if it is a rule already)."""
        if slug in self.always_allowed:
            return self
        rule = ApprovalRule(slug=slug, made_at=now or datetime.now(UTC))
        return self.model_copy(update={"approval_rules": (*self.approval_rules, rule)})

    def with_plain_http_for_model(self) -> Settings:
        """These settings letting their model's provider be plain http on another machine too
        (the terminal's `--allow-plain-http-model`: that provider only, for one run)."""
        spec = provider_of(self.model)
        if spec is None or spec.family in self.plain_http_model_providers:
            return self
        granted = (*self.plain_http_model_providers, spec.family)
        return self.model_copy(update={"plain_http_model_providers": granted})

    def without_rule(self, slug: str) -> Settings:
        kept = tuple(rule for rule in self.approval_rules if rule.slug != slug)
        return self.model_copy(update={"approval_rules": kept})

    @field_validator("model")
    @classmethod
    def _model_is_supported(cls, value: str) -> str:
        problem = model_problem(value)
        if problem:
            raise ValueError(problem)
        return value.strip()

    @field_validator("base_urls")
    @classmethod
    def _clean_base_urls(cls, value: dict[str, str]) -> dict[str, str]:
        cleaned = {k.strip(): v.strip() for k, v in value.items() if v.strip()}
        _only_known_families(cleaned)
        return cleaned

    @field_validator("plain_http_model_providers")
    @classmethod
    def _known_families(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        cleaned = tuple(dict.fromkeys(family.strip().lower() for family in value))
        _only_known_families(cleaned)
        return cleaned

    def base_url(self, family: str) -> str | None:
        """The base URL saved for a provider family, or None."""
        return self.base_urls.get(family) or None

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


def _only_known_families(families: Iterable[str]) -> None:
    unknown = sorted(set(families) - set(FAMILIES))
    if unknown:
        raise ValueError(f"no provider is called {', '.join(unknown)}")


def load_settings(path: Path) -> Settings:
    """Read settings; a missing file gives defaults, a damaged one is kept aside, not lost, and
    an unusable model alone falls back to the default model, keeping every other field."""
    try:
        raw = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return Settings()
    except IsADirectoryError:
        # Moving a directory aside could carry away whatever the user keeps in it: left alone.
        log.warning("settings file %s is a directory: left as it is, using the defaults", path)
        return Settings()
    except UnicodeDecodeError as exc:
        return _set_aside(path, exc)
    except OSError as exc:
        log.warning("settings file %s cannot be read (%s): using the defaults", path, exc)
        return Settings()
    try:
        data = json.loads(raw)
        if isinstance(data, dict):
            data.pop("schema_version", None)
            data = _migrated(data, path)
        try:
            return Settings.model_validate(data)
        except ValidationError as exc:
            bad = {str(e["loc"][0]) for e in exc.errors() if e["loc"]}
            if not isinstance(data, dict) or not bad or not bad <= DROPPABLE_FIELDS:
                raise
            # Only droppable fields are wrong (say a provider this version cannot build, or a
            # damaged rule): keep the user's id, toolkits and instructions, default the rest.
            kept = {k: v for k, v in data.items() if k not in bad}
            kept |= {k: v for k, v in CAUTIOUS_FALLBACK.items() if k in bad}
            fallback = Settings.model_validate(kept)
            log.warning(
                "settings file %s: unusable %s, using the defaults",
                path,
                ", ".join(f"{name} {str(data.get(name))[:80]!r}" for name in sorted(bad)),
            )
            return fallback
    except (json.JSONDecodeError, ValidationError, RecursionError) as exc:
        # RecursionError: JSON nested deeper than the parser goes.
        return _set_aside(path, exc)


def _migrated(data: dict[str, object], path: Path) -> dict[str, object]:
    """`data` with the one plain-http switch of older versions read as the opt-in of the saved
    model's provider alone: a key never goes in clear to a provider nobody opted in for. Not a
    JSON true, or no usable model saved: no opt-in at all (said in the log)."""
    if ONE_SWITCH_FOR_EVERY_PROVIDER not in data:
        return data
    data = dict(data)
    switch = data.pop(ONE_SWITCH_FOR_EVERY_PROVIDER)
    if switch is False:
        return data
    model = data.get("model")
    spec = provider_of(model) if isinstance(model, str) and not model_problem(model) else None
    if switch is not True or spec is None:
        log.warning(
            "settings file %s: %s %s not kept (%s): allow plain http again in Settings for the "
            "provider that needs it",
            path,
            ONE_SWITCH_FOR_EVERY_PROVIDER,
            str(switch)[:80],
            "no usable model is saved" if switch is True else "not a JSON true or false",
        )
        return data
    granted = data.get("plain_http_model_providers", [])
    if isinstance(granted, list):  # anything else is damaged: validation drops it
        data["plain_http_model_providers"] = [*granted, spec.family]
    log.info("settings file %s: plain http allowed for %s only", path, spec.family)
    return data


def _set_aside(path: Path, exc: Exception) -> Settings:
    """The defaults, with the damaged file moved beside itself (`.invalid`), never deleted."""
    backup = path.with_name(path.name + ".invalid")
    try:
        os.replace(path, backup)
    except OSError as moving:
        log.warning(
            "invalid settings file %s (%s): could not be moved aside (%s), using the defaults",
            path,
            type(exc).__name__,
            moving,
        )
    else:
        log.warning("invalid settings file %s (%s): moved to %s", path, type(exc).__name__, backup)
    return Settings()


def keep_rule(path: Path, slug: str) -> Settings:
    """Add "always allow `slug`" to the settings file as it is now (another window or the
    Settings dialog may have changed it since it was read); the settings with the rule."""
    settings = load_settings(path).with_rule(slug)
    save_settings(path, settings)
    return settings


def keep_quit_choice(path: Path, choice: QuitChoice) -> Settings:
    """Make `choice` what quitting does with the app's running sandboxes, in the settings file
    as it is now; the settings with it."""
    settings = load_settings(path).model_copy(update={"sandboxes_at_quit": choice})
    save_settings(path, settings)
    return settings


def save_settings(path: Path, settings: Settings) -> None:
    """Write atomically: a crash mid-write leaves the previous file intact."""
    write_text_atomically(path, settings.model_dump_json(indent=2) + "\n")
