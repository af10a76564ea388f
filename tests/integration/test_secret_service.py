"""Keys stored through a real Secret Service (gnome-keyring on a private D-Bus session)."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator

import keyring
import pytest

from desktop.core.config.secrets import (
    KEYRING_SERVICE,
    KeyringSecretStore,
    SecretName,
    open_secret_store,
)

pytestmark = pytest.mark.secret_service

REQUIRED = os.environ.get("E2B_AGENT_TEST_REAL_SERVICES") == "1"


@pytest.fixture
def secret_service() -> Iterator[None]:
    from keyring.backends import SecretService

    backend = SecretService.Keyring()
    try:
        usable = backend.priority > 0 and os.environ.get("DBUS_SESSION_BUS_ADDRESS")
    except Exception as exc:  # keyring raises RuntimeError when the service is absent
        usable = False
        reason = str(exc)
    else:
        reason = "no D-Bus session or Secret Service"
    if not usable:
        if REQUIRED:
            pytest.fail(f"make test started gnome-keyring, but it is not usable: {reason}")
        pytest.skip(f"needs a Secret Service ({reason}); `make test` provides one")
    previous = keyring.get_keyring()
    keyring.set_keyring(backend)
    yield
    for name in SecretName:
        KeyringSecretStore().delete(name)
    keyring.set_keyring(previous)


@pytest.mark.usefixtures("secret_service")
def test_a_key_is_stored_in_and_read_from_the_real_secret_service() -> None:
    store = open_secret_store()
    assert isinstance(store, KeyringSecretStore)
    assert store.is_secure
    assert "SecretService" in store.backend_name or "Secret" in store.backend_name
    store.set(SecretName.OPENAI_API_KEY, "sk-test-real-secret-service")
    assert KeyringSecretStore().get(SecretName.OPENAI_API_KEY) == "sk-test-real-secret-service"

    # Another process (as after a restart of the app) reads it back from the daemon.
    read_back = subprocess.run(
        [
            sys.executable,
            "-c",
            "import keyring, sys; from keyring.backends import SecretService; "
            "keyring.set_keyring(SecretService.Keyring()); "
            f"sys.stdout.write(keyring.get_password({KEYRING_SERVICE!r}, 'openai_api_key') or '')",
        ],
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    assert read_back.stdout == "sk-test-real-secret-service"

    store.delete(SecretName.OPENAI_API_KEY)
    assert KeyringSecretStore().get(SecretName.OPENAI_API_KEY) is None
