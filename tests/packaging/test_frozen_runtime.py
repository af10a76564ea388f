"""desktop.frozen: certifi's CA bundle only for a frozen app on a Linux without a CA store."""

from __future__ import annotations

import ssl
import sys
from pathlib import Path

import certifi
import pytest

from desktop.frozen import use_certifi_if_no_system_certificates

pytestmark = pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="macOS and Windows use the OS trust store"
)


@pytest.fixture
def no_openssl_defaults(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """OpenSSL's compiled-in CA file and directory do not exist (as on a foreign distribution)."""
    missing = ssl.DefaultVerifyPaths(
        None, None, "SSL_CERT_FILE", str(tmp_path / "cert.pem"), "SSL_CERT_DIR", str(tmp_path / "d")
    )
    monkeypatch.setattr(ssl, "get_default_verify_paths", lambda: missing)


@pytest.mark.usefixtures("no_openssl_defaults")
def test_frozen_without_any_ca_store_uses_certifi() -> None:
    env: dict[str, str] = {}
    path = use_certifi_if_no_system_certificates(env, frozen=True, candidates=())
    assert path == certifi.where()
    assert env == {"SSL_CERT_FILE": certifi.where()}


@pytest.mark.usefixtures("no_openssl_defaults")
def test_a_distribution_ca_file_is_enough(tmp_path: Path) -> None:
    bundle = tmp_path / "tls-ca-bundle.pem"
    bundle.write_text("-----BEGIN CERTIFICATE-----\n", encoding="ascii")
    env: dict[str, str] = {}
    assert (
        use_certifi_if_no_system_certificates(env, frozen=True, candidates=(str(bundle),)) is None
    )
    assert env == {}


@pytest.mark.usefixtures("no_openssl_defaults")
def test_the_users_own_setting_wins() -> None:
    env = {"SSL_CERT_DIR": "/srv/certs"}
    assert use_certifi_if_no_system_certificates(env, frozen=True, candidates=()) is None
    assert env == {"SSL_CERT_DIR": "/srv/certs"}


@pytest.mark.usefixtures("no_openssl_defaults")
def test_running_from_source_changes_nothing() -> None:
    env: dict[str, str] = {}
    assert use_certifi_if_no_system_certificates(env, candidates=()) is None
    assert env == {}
