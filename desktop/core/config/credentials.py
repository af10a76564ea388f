"""What a session needs (two keys and a user id): where each comes from, and one completeness
check that says what is missing in neutral terms."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field

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

OPENAI_API_KEY = CredentialSpec(
    SecretName.OPENAI_API_KEY.value, "OpenAI API key", ENV_VARS[SecretName.OPENAI_API_KEY]
)
COMPOSIO_API_KEY = CredentialSpec(
    SecretName.COMPOSIO_API_KEY.value, "Composio API key", ENV_VARS[SecretName.COMPOSIO_API_KEY]
)
USER_ID = CredentialSpec("user_id", "Composio user id", USER_ID_ENV, in_keyring=False)

FOR_CHAT = (COMPOSIO_API_KEY, USER_ID, OPENAI_API_KEY)
"""What a chat needs, in the order a missing one is named."""
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

    def __repr__(self) -> str:  # never print keys, not even in a debugger or a log line
        return (
            f"Credentials(openai_api_key={'set' if self.openai_api_key else None}, "
            f"composio_api_key={'set' if self.composio_api_key else None}, "
            f"user_id={self.user_id!r}, sources={dict(self.sources)!r}, "
            f"unreadable={self.unreadable!r})"
        )

    __str__ = __repr__

    def secret_values(self) -> tuple[str, ...]:
        return tuple(v for v in (self.openai_api_key, self.composio_api_key) if v)

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
) -> Credentials:
    """Environment beats `.env`, which beats the keyring (keys) and the settings (user id)."""
    overrides = overrides_from_environment(environ, dotenv)
    values: dict[str, str | None] = {}
    sources: dict[str, str] = {}
    unreadable: KeyringUnreadable | None = None
    for name in SecretName:
        if name.value in overrides:
            values[name.value], sources[name.value] = overrides[name.value]
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
    )
