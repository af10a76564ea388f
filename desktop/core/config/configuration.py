"""The settings in use and the keys behind them: the keyring opened once, keys resolved, saved."""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from desktop.core.config.credentials import (
    Credentials,
    KeyringUnreadable,
    for_chat,
    keyring_problem,
    missing_credentials,
    resolve_credentials,
)
from desktop.core.config.secrets import (
    ENV_VARS,
    MODEL_ENV,
    DotenvFile,
    SecretName,
    SecretStore,
    SecretStoreError,
    SecretStoreUnreadableError,
    model_from_environment,
    model_variable,
    overrides_from_environment,
)
from desktop.core.config.settings import (
    Settings,
    keep_rule,
    load_settings,
    model_problem,
    save_settings,
)
from desktop.core.inert import inert

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SaveFailed:
    """What was not saved (`keys`: the keyring refused; `settings`: the file), and why, in
    one sentence; nothing after it was saved either. Each face words the title."""

    part: Literal["keys", "settings"]
    reason: str


@dataclass(frozen=True)
class StoredKeys:
    """The keys the secret store holds, and why it could not be read if it could not."""

    keys: Mapping[SecretName, str]
    unreadable: KeyringUnreadable | None = None


class Configuration:
    """One process's settings and keys. Blocking work (the keyring may sit behind D-Bus, the
    file system may hang) runs off the calling loop's thread; the state changes on it."""

    def __init__(
        self,
        settings_file: Path,
        environ: Mapping[str, str],
        cwd: Path,
        *,
        secret_store: SecretStore | None = None,
        known_secrets: Callable[..., None] | None = None,
    ) -> None:
        self.settings_file = settings_file
        self.environ = dict(environ)
        self.cwd = cwd
        self.dotenv_file = DotenvFile(cwd / ".env")  # asked at every settings access
        self.settings: Settings = load_settings(settings_file)
        self.credentials: Credentials | None = None
        self.store: SecretStore | None = secret_store
        self._store_opening: asyncio.Future[SecretStore] | None = None
        # Told every key value as soon as it is read (before any thread or log line sees it).
        self._known_secrets: Callable[..., None] = known_secrets or (lambda *_values: None)
        from_env = (self.environ.get(var, "").strip() for var in ENV_VARS.values())
        self._known_secrets(*(value for value in from_env if value))
        self._rule_lock = threading.Lock()
        self._refusal_logged: str | None = None

    def keep_rule(self, slug: str) -> None:
        """A person chose "always allow `slug`": save it as a rule (called on the agent's
        thread, where the decision was made; the file write is small)."""
        with self._rule_lock:
            try:
                self.settings = keep_rule(self.settings_file, slug)
            except OSError:
                log.warning("could not save the rule for %s", slug, exc_info=True)

    def model_override(self) -> tuple[str, str] | None:
        """The model `E2B_AGENT_MODEL` names (environment, else `.env`), with where it is set;
        None when it is unset or names a model this version cannot use (logged)."""
        found = model_from_environment(self.environ, self.dotenv())
        if found is not None and (problem := model_problem(found[0])):
            if self._refusal_logged != found[0]:  # once per value, not per settings access
                self._refusal_logged = found[0]
                log.warning("E2B_AGENT_MODEL ignored: %s", problem)
            return None
        return found

    def refused_model_override(self) -> str | None:
        """When `E2B_AGENT_MODEL` names a model this version cannot use, the sentence that
        says so and which model is used instead (the window shows it; the terminal refuses
        to start instead); None when it is unset or usable."""
        found = model_from_environment(self.environ, self.dotenv())
        if found is None or (problem := model_problem(found[0])) is None:
            return None
        return inert(
            f"{model_variable(found[1])} ({found[0].strip()[:100]}) names a model this version "
            f"cannot use. {problem} "
            f"The model chosen in Settings ({self.settings.model}) is used instead: correct "
            f"{MODEL_ENV} or unset it, then restart the app."
        )

    def model_override_note(self) -> str | None:
        """What Settings says under its model field when `E2B_AGENT_MODEL` is set."""
        if (refused := self.refused_model_override()) is not None:
            return refused
        if (found := self.model_override()) is None:
            return None
        return inert(
            f"{model_variable(found[1])} sets the model in use ({found[0].strip()}); the one "
            "here is kept for when it is unset."
        )

    @property
    def in_use(self) -> Settings:
        """The settings as the app uses them: the saved ones, with `E2B_AGENT_MODEL`'s model."""
        override = self.model_override()
        if override is None:
            return self.settings
        return self.settings.model_copy(update={"model": override[0].strip()})

    @property
    def complete(self) -> bool:
        """Whether the keys and user id a chat on the model in use needs are all known."""
        return not missing_credentials(self.credentials, for_chat(self.in_use.model))

    @property
    def keyring_unreadable(self) -> KeyringUnreadable | None:
        """The keyring could not be read (locked, or not answering) when keys were last read:
        keys it may hold are unknown until `reload_credentials` reads it again."""
        return self.credentials.unreadable if self.credentials is not None else None

    @property
    def connectable(self) -> bool:
        """A chat backend is worth making: everything is known, or the keyring is why a key
        is not (connecting then says so, in the words of `keyring_problem`)."""
        needed = for_chat(self.in_use.model)
        return self.complete or keyring_problem(self.credentials, needed) is not None

    def dotenv(self) -> dict[str, str]:
        """The `.env` file's values, as it is now (read again only once it changed)."""
        return self.dotenv_file.values()

    def overrides(self) -> dict[str, tuple[str, str]]:
        """Keys and user id set in the environment or `.env`: {name: (value, source)}."""
        return overrides_from_environment(self.environ, self.dotenv())

    async def secret_store(self) -> SecretStore:
        """The keyring, opened once off the loop's thread (callers may ask while it opens)."""
        if self.store is None:
            if self._store_opening is None:
                from desktop.core.config.secrets import open_secret_store

                self._store_opening = asyncio.ensure_future(asyncio.to_thread(open_secret_store))
            self.store = await asyncio.shield(self._store_opening)
        return self.store

    async def stored_keys(self) -> StoredKeys:
        """The keys the secret store holds (those it cannot read are left out)."""
        store = await self.secret_store()
        keys = await asyncio.to_thread(_stored_keys, store)
        self._known_secrets(*keys.keys.values())  # held by the keyring, if not in use: still keys
        return keys

    async def reload_credentials(self) -> Credentials:
        """Keys from the environment, `.env` and the secret store, for the current settings."""
        store = await self.secret_store()
        dotenv = self.dotenv()
        overrides = overrides_from_environment(self.environ, dotenv)
        self._known_secrets(*(value for name, (value, _) in overrides.items() if name != "user_id"))
        credentials = await asyncio.to_thread(
            resolve_credentials, store, self.settings.user_id, self.environ, dotenv
        )
        self.credentials = credentials
        self._known_secrets(*credentials.secret_values())
        return credentials

    async def save(
        self,
        settings: Settings,
        keys: Mapping[SecretName, str],
        *,
        revoked: frozenset[str] = frozenset(),
    ) -> SaveFailed | None:
        """Keys into the secret store only, the rest into the settings file, then the keys
        resolved again; None once all of it is done.

        The rules saved are those of the file as it is now less the `revoked` slugs, not
        `settings.approval_rules`: a rule a person made while the dialog was open (on the
        agent's thread) is kept unless it was revoked.
        """
        self._known_secrets(*keys.values())
        store = await self.secret_store()
        problem = await asyncio.to_thread(self._save_blocking, settings, keys, store, revoked)
        if problem is not None:
            return problem
        await self.reload_credentials()
        return None

    def _save_blocking(
        self,
        settings: Settings,
        keys: Mapping[SecretName, str],
        store: SecretStore,
        revoked: frozenset[str],
    ) -> SaveFailed | None:
        # Under the rules' lock: a rule kept meanwhile is either in the file read here or
        # added to the file written here, never lost between the two.
        with self._rule_lock:
            try:
                current = load_settings(self.settings_file).approval_rules
            except OSError:
                current = self.settings.approval_rules
            kept = tuple(rule for rule in current if rule.slug not in revoked)
            settings = settings.model_copy(update={"approval_rules": kept})
            problem = save_settings_and_keys(self.settings_file, settings, keys, store)
            if problem is None:
                self.settings = settings
            return problem


def save_settings_and_keys(
    settings_file: Path, settings: Settings, keys: Mapping[SecretName, str], store: SecretStore
) -> SaveFailed | None:
    """Keys first (a refused keyring leaves the file as it was), then the settings file."""
    try:
        for name, value in keys.items():
            store.set(name, value)
    except SecretStoreError as exc:
        return SaveFailed("keys", str(exc.args[0]) if exc.args else type(exc).__name__)
    try:
        save_settings(settings_file, settings)
    except OSError as exc:
        return SaveFailed("settings", f"{exc.strerror or exc}.")
    return None


def _stored_keys(store: SecretStore) -> StoredKeys:
    stored: dict[SecretName, str] = {}
    unreadable: KeyringUnreadable | None = None
    for name in SecretName:
        try:
            value = store.get(name)
        except SecretStoreUnreadableError as exc:
            unreadable = KeyringUnreadable(exc.locked, exc.reason)
            continue
        except SecretStoreError:
            continue
        if value:
            stored[name] = value
    return StoredKeys(stored, unreadable)
