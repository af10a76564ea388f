"""An in-memory keyring backend: the real `keyring` API over a dict, able to refuse as a locked
Secret Service does."""

from __future__ import annotations

from keyring.backend import KeyringBackend
from keyring.errors import KeyringError, KeyringLocked


class InMemoryKeyring(KeyringBackend):
    """A real keyring backend that keeps passwords in a dict. While `refusing` holds an error
    (keyring's `KeyringLocked`, as the Secret Service raises when its unlock prompt is
    dismissed, or `InitError` when it does not answer), every read and write raises it."""

    priority = 1  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.passwords: dict[tuple[str, str], str] = {}
        self.refusing: KeyringError | None = None
        self.reads = 0

    def lock(self) -> None:
        self.refusing = KeyringLocked("Failed to unlock the collection!")

    def unlock(self) -> None:
        self.refusing = None

    def get_password(self, service: str, username: str) -> str | None:
        self.reads += 1
        if self.refusing is not None:
            raise self.refusing
        return self.passwords.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        if self.refusing is not None:
            raise self.refusing
        self.passwords[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        from keyring.errors import PasswordDeleteError

        if (service, username) not in self.passwords:
            raise PasswordDeleteError(username)
        del self.passwords[(service, username)]
