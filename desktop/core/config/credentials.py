"""What a session needs (the model provider's key, Composio's and a user id): where each
comes from, and one completeness check that says what is missing in neutral terms."""

from __future__ import annotations

import logging
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field

from desktop.core.config.providers import provider_of
from desktop.core.config.secrets import (
    ENV_VARS,
    USER_ID_ENV,
    SecretName,
    SecretStore,
    SecretStoreError,
    SecretStoreUnreadableError,
    overrides_from_environment,
)
from desktop.core.errors import (
    CredentialSpec,
    ErrorKind,
    Fix,
    Remedy,
    UserFacingError,
    join_labels,
)

log = logging.getLogger(__name__)

KEY_LABELS: Mapping[SecretName, str] = {
    SecretName.OPENAI_API_KEY: "OpenAI API key",
    SecretName.COMPOSIO_API_KEY: "Composio API key",
    SecretName.ANTHROPIC_API_KEY: "Anthropic API key",
    SecretName.GOOGLE_API_KEY: "Google Gemini API key",
    SecretName.OPENROUTER_API_KEY: "OpenRouter API key",
}
KEY_SPECS: Mapping[SecretName, CredentialSpec] = {
    name: CredentialSpec(name.value, KEY_LABELS[name], ENV_VARS[name]) for name in SecretName
}
OPENAI_API_KEY = KEY_SPECS[SecretName.OPENAI_API_KEY]
COMPOSIO_API_KEY = KEY_SPECS[SecretName.COMPOSIO_API_KEY]
USER_ID = CredentialSpec("user_id", "Composio user id", USER_ID_ENV, in_keyring=False)

FOR_CHAT = (COMPOSIO_API_KEY, USER_ID, OPENAI_API_KEY)
"""What a chat on an OpenAI model needs, in the order a missing one is named (`for_chat`)."""


def model_key_spec(model: str) -> CredentialSpec | None:
    """The key the model's provider needs (None: a local server needs none, or the model
    string names no provider the app knows, which its own check reports)."""
    spec = provider_of(model)
    return KEY_SPECS[spec.key] if spec is not None and spec.key is not None else None


def for_chat(model: str) -> tuple[CredentialSpec, ...]:
    """What a chat on `model` needs: Composio's key, the user id and the provider's key."""
    key = model_key_spec(model)
    return (COMPOSIO_API_KEY, USER_ID, *((key,) if key is not None else ()))


FOR_ROUTER = (COMPOSIO_API_KEY, USER_ID)
"""What a Tool Router session (and the connection test) needs: no model key."""


@dataclass(frozen=True)
class KeyringUnreadable:
    """Why the keys kept in the keyring are unknown: it is `locked`, or it did not answer
    (`reason`: the keyring's exception type). Not "no key": reading again may find them."""

    locked: bool
    reason: str


@dataclass(frozen=True)
class Credentials:
    """What a session needs. `sources` says where each value came from (never the value);
    `unreadable`, that the keyring could not be read for the keys not set elsewhere."""

    openai_api_key: str | None
    composio_api_key: str | None
    user_id: str | None
    sources: Mapping[str, str] = field(default_factory=dict)
    unreadable: KeyringUnreadable | None = None
    # The other model providers' keys (each field named as its keyring entry).
    anthropic_api_key: str | None = None
    google_api_key: str | None = None
    openrouter_api_key: str | None = None

    def __repr__(self) -> str:  # never print keys, not even in a debugger or a log line
        keys = ", ".join(f"{name.value}={'set' if self.key(name) else None}" for name in SecretName)
        return (
            f"Credentials({keys}, user_id={self.user_id!r}, sources={dict(self.sources)!r}, "
            f"unreadable={self.unreadable!r})"
        )

    __str__ = __repr__

    def key(self, name: SecretName) -> str | None:
        value = getattr(self, name.value)
        return value if isinstance(value, str) and value else None

    def secret_values(self) -> tuple[str, ...]:
        return tuple(value for name in SecretName if (value := self.key(name)))

    def model_key(self, model: str) -> str | None:
        """The key of `model`'s provider, if it needs one and it is set."""
        spec = model_key_spec(model)
        return self.value_of(spec) if spec is not None else None

    def value_of(self, spec: CredentialSpec) -> str | None:
        value = getattr(self, spec.name)
        return value if isinstance(value, str) and value else None


def missing_credentials(
    credentials: Credentials | None, needed: tuple[CredentialSpec, ...] = FOR_CHAT
) -> tuple[CredentialSpec, ...]:
    """The credentials of `needed` that are not set (all of them without credentials)."""
    if credentials is None:
        return needed
    return tuple(spec for spec in needed if credentials.value_of(spec) is None)


def missing_error(missing: tuple[CredentialSpec, ...]) -> UserFacingError:
    """`MISSING_KEY` naming each missing credential and its environment variable."""
    named = join_labels((spec.label for spec in missing), "or")
    return UserFacingError.fixable(
        ErrorKind.MISSING_KEY, Fix(Remedy.PROVIDE, f"No {named} is set", missing)
    )


def keyring_error(
    unreadable: KeyringUnreadable, missing: tuple[CredentialSpec, ...]
) -> UserFacingError:
    """`KEYRING_UNREADABLE`: the `missing` keys may well be in the keyring, which is locked
    (or not answering); each face says how to retry, and where else they can be set."""
    if unreadable.locked:
        fix = Fix(Remedy.UNLOCK_KEYRING, "The keyring is locked", missing)
    else:
        fix = Fix(
            Remedy.START_KEYRING, f"The keyring could not be read ({unreadable.reason})", missing
        )
    return UserFacingError.fixable(ErrorKind.KEYRING_UNREADABLE, fix)


def keyring_problem(
    credentials: Credentials | None, needed: tuple[CredentialSpec, ...] = FOR_CHAT
) -> UserFacingError | None:
    """`keyring_error` when a key of `needed` is unknown because the keyring could not be
    read; None when nothing is missing, or what is missing is simply not set."""
    if credentials is None or credentials.unreadable is None:
        return None
    unknown = tuple(spec for spec in missing_credentials(credentials, needed) if spec.in_keyring)
    return keyring_error(credentials.unreadable, unknown) if unknown else None


def require_credentials(
    credentials: Credentials | None, needed: tuple[CredentialSpec, ...] = FOR_CHAT
) -> None:
    """The one completeness check: raises `keyring_problem` when the keyring could not be read
    for a key of `needed`, else `missing_error` when anything of `needed` is unset."""
    unreadable = keyring_problem(credentials, needed)
    if unreadable is not None:
        raise unreadable
    missing = missing_credentials(credentials, needed)
    if missing:
        raise missing_error(missing)


def resolve_credentials(
    store: SecretStore,
    stored_user_id: str,
    environ: Mapping[str, str],
    dotenv: Mapping[str, str],
    *,
    wanted: Collection[SecretName] | None = None,
) -> Credentials:
    """Environment beats `.env`, which beats the keyring (keys) and the settings (user id).

    The keyring is asked for the `wanted` keys (None: every one, so that the window can switch
    to any provider) that nothing else sets; once it answers that it is locked, for none more
    (each read could ask the person to unlock it again)."""
    overrides = overrides_from_environment(environ, dotenv)
    values: dict[str, str | None] = {}
    sources: dict[str, str] = {}
    unreadable: KeyringUnreadable | None = None
    for name in SecretName:
        values[name.value] = None
        if name.value in overrides:
            values[name.value], sources[name.value] = overrides[name.value]
            continue
        if (wanted is not None and name not in wanted) or unreadable is not None:
            continue
        try:
            values[name.value] = store.get(name)
        except SecretStoreUnreadableError as exc:
            log.warning("could not read %s from the keyring: %s", name.value, exc.reason)
            unreadable = KeyringUnreadable(exc.locked, exc.reason)
            values[name.value] = None
        except SecretStoreError:
            log.warning("could not read %s from the keyring", name.value)
            values[name.value] = None
        if values[name.value]:
            sources[name.value] = store.backend_name
    if "user_id" in overrides:
        values["user_id"], sources["user_id"] = overrides["user_id"]
    else:
        values["user_id"] = stored_user_id or None
        if stored_user_id:
            sources["user_id"] = "settings"
    return Credentials(
        openai_api_key=values[SecretName.OPENAI_API_KEY.value],
        composio_api_key=values[SecretName.COMPOSIO_API_KEY.value],
        user_id=values["user_id"],
        sources=sources,
        unreadable=unreadable,
        anthropic_api_key=values[SecretName.ANTHROPIC_API_KEY.value],
        google_api_key=values[SecretName.GOOGLE_API_KEY.value],
        openrouter_api_key=values[SecretName.OPENROUTER_API_KEY.value],
    )
