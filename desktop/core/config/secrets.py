"""API keys: kept in the OS keyring only; the environment and a `.env` file may override them."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from enum import StrEnum
from pathlib import Path
from typing import Protocol

log = logging.getLogger(__name__)

KEYRING_SERVICE = "e2b-agent"


class SecretName(StrEnum):
    """Each key's keyring entry: one per model provider that needs a key, and Composio's."""

    OPENAI_API_KEY = "openai_api_key"
    COMPOSIO_API_KEY = "composio_api_key"
    ANTHROPIC_API_KEY = "anthropic_api_key"
    GOOGLE_API_KEY = "google_api_key"
    OPENROUTER_API_KEY = "openrouter_api_key"


# The guide's environment variables (and each provider's usual one), which override stored values.
ENV_VARS: Mapping[SecretName, str] = {
    SecretName.OPENAI_API_KEY: "OPENAI_API_KEY",
    SecretName.COMPOSIO_API_KEY: "COMPOSIO_API_KEY",
    SecretName.ANTHROPIC_API_KEY: "ANTHROPIC_API_KEY",
    SecretName.GOOGLE_API_KEY: "GOOGLE_API_KEY",
    SecretName.OPENROUTER_API_KEY: "OPENROUTER_API_KEY",
}
USER_ID_ENV = "USER_ID"
MODEL_ENV = "E2B_AGENT_MODEL"
"""The model string ("anthropic:claude-sonnet-4-5"), overriding the settings' (like the guide's
`.env`); the terminal's `--model` overrides it for one run."""


class SecretStoreError(Exception):
    """The secret store refused to read or write; the message is safe to show."""


class SecretStoreUnreadableError(SecretStoreError):
    """The store could not be read at all: `locked`, or not answering (`reason`: the keyring's
    exception type, e.g. InitError). Reading it again once it is unlocked may work."""

    def __init__(self, reason: str, *, locked: bool) -> None:
        what = "is locked" if locked else f"could not be read ({reason})"
        super().__init__(f"The keyring {what}.")
        self.reason = reason
        self.locked = locked


class SecretStore(Protocol):
    """Where keys are kept. `is_secure` is False when they only live in memory for this run."""

    @property
    def backend_name(self) -> str: ...

    @property
    def is_secure(self) -> bool: ...

    def get(self, name: SecretName) -> str | None: ...

    def set(self, name: SecretName, value: str) -> None: ...

    def delete(self, name: SecretName) -> None: ...


class MemorySecretStore:
    """Keys for this run only: used when the platform has no secure keyring, and in tests."""

    def __init__(self, backend_name: str = "memory (this session only)") -> None:
        self._values: dict[SecretName, str] = {}
        self._backend_name = backend_name

    @property
    def backend_name(self) -> str:
        return self._backend_name

    @property
    def is_secure(self) -> bool:
        return False

    def get(self, name: SecretName) -> str | None:
        return self._values.get(name)

    def set(self, name: SecretName, value: str) -> None:
        self._values[name] = value

    def delete(self, name: SecretName) -> None:
        self._values.pop(name, None)


class KeyringSecretStore:
    """The OS keyring (Keychain, Credential Manager, Secret Service) through `keyring`."""

    def __init__(self, service: str = KEYRING_SERVICE) -> None:
        import keyring

        self._service = service
        self._backend = keyring.get_keyring()

    @property
    def backend_name(self) -> str:
        backend = self._backend
        name = getattr(backend, "name", None)
        return str(name) if name else f"{type(backend).__module__}.{type(backend).__name__}"

    @property
    def is_secure(self) -> bool:
        return True

    def get(self, name: SecretName) -> str | None:
        from keyring.errors import KeyringError, KeyringLocked

        try:
            value = self._backend.get_password(self._service, name.value)
        except KeyringLocked as exc:  # Secret Service: the unlock prompt was dismissed
            raise SecretStoreUnreadableError(type(exc).__name__, locked=True) from exc
        except KeyringError as exc:  # InitError (no D-Bus, no service) and the like
            raise SecretStoreUnreadableError(type(exc).__name__, locked=False) from exc
        return str(value) if value else None

    def set(self, name: SecretName, value: str) -> None:
        from keyring.errors import KeyringError

        try:
            self._backend.set_password(self._service, name.value, value)
        except KeyringError as exc:
            raise SecretStoreError(
                f"The keyring refused to store the key ({type(exc).__name__}); "
                "unlock your keyring and try again."
            ) from exc

    def delete(self, name: SecretName) -> None:
        from keyring.errors import KeyringError, PasswordDeleteError

        try:
            self._backend.delete_password(self._service, name.value)
        except PasswordDeleteError:
            return
        except KeyringError as exc:
            raise SecretStoreError(f"The keyring could not delete the key: {exc}.") from exc


def keyring_is_usable() -> bool:
    """False for keyring's `fail` and `null` backends and for plaintext stand-ins."""
    import keyring
    from keyring.backends import fail, null

    backend = keyring.get_keyring()
    if isinstance(backend, fail.Keyring | null.Keyring):
        return False
    # keyrings.alt's file backends are not secret stores; never use them silently.
    return not type(backend).__module__.startswith("keyrings.alt")


def open_secret_store() -> SecretStore:
    """The OS keyring when there is a usable one, else memory for this run (never a plain file)."""
    try:
        if keyring_is_usable():
            return KeyringSecretStore()
    except Exception:  # a broken keyring configuration must not stop the app
        log.exception("keyring backend could not be initialised")
    log.warning("no secure keyring available: keys are kept in memory for this session only")
    return MemorySecretStore()


def read_dotenv(path: Path) -> dict[str, str]:
    """Values of a `.env` file without touching `os.environ`; a missing file gives nothing."""
    if not path.is_file():
        return {}
    from dotenv import dotenv_values

    return {k: v for k, v in dotenv_values(path).items() if v}


class DotenvFile:
    """A `.env` file read once per change: `values()` reads it again only when it appears,
    goes, or is replaced or written to (its inode, size or modification time differ), so that
    asking on every settings access costs one `stat`, not a parse. A write within the file
    system's timestamp tick that keeps the size is seen with the next change."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.reads = 0  # times the file was parsed, for the tests
        self._stamp: tuple[int, int, int, int] | None = None
        self._values: dict[str, str] | None = None

    def values(self) -> dict[str, str]:
        try:
            info = self.path.stat()
        except OSError:
            stamp = None
        else:
            stamp = (info.st_dev, info.st_ino, info.st_size, info.st_mtime_ns)
        if self._values is None or stamp != self._stamp:
            # The stamp from before the read: a change made while reading is read next time.
            self._stamp = stamp
            self._values = read_dotenv(self.path) if stamp is not None else {}
            self.reads += stamp is not None
        return dict(self._values)


def model_from_environment(
    environ: Mapping[str, str], dotenv: Mapping[str, str]
) -> tuple[str, str] | None:
    """`E2B_AGENT_MODEL` from the environment or `.env`: (model, source), or None."""
    for values, source in ((environ, "environment"), (dotenv, ".env")):
        value = values.get(MODEL_ENV, "").strip()
        if value:
            return value, source
    return None


def model_variable(source: str) -> str:
    """Where `model_from_environment` found the model, as a person reads it."""
    return MODEL_ENV if source == "environment" else f"{MODEL_ENV} in .env"


def overrides_from_environment(
    environ: Mapping[str, str], dotenv: Mapping[str, str]
) -> dict[str, tuple[str, str]]:
    """Keys and user id found in the environment or `.env`: {name: (value, source)}."""
    found: dict[str, tuple[str, str]] = {}
    for name, var in (*((n.value, v) for n, v in ENV_VARS.items()), ("user_id", USER_ID_ENV)):
        if environ.get(var, "").strip():
            found[name] = (environ[var].strip(), "environment")
        elif dotenv.get(var, "").strip():
            found[name] = (dotenv[var].strip(), ".env")
    return found
