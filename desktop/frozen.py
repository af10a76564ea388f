"""Run-time adjustments for the frozen (PyInstaller) build; no-ops when running from source."""

from __future__ import annotations

import os
import re
import sys
from collections.abc import MutableMapping, Sequence

# Where Linux distributions keep their CA bundle: the list httpcore2 and truststore search when
# OpenSSL's compiled-in paths (those of the build machine's OpenSSL, bundled) do not exist.
SYSTEM_CA_FILES = (
    "/etc/ssl/cert.pem",
    "/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem",
    "/etc/pki/tls/cert.pem",
    "/etc/ssl/certs/ca-certificates.crt",
    "/etc/ssl/ca-bundle.pem",
)
_HASHED_CERT = re.compile(r"[0-9a-fA-F]{8}\.\d")


def is_frozen() -> bool:
    """True inside a PyInstaller bundle."""
    return bool(getattr(sys, "frozen", False))


def system_ca_store_present(candidates: Sequence[str] = SYSTEM_CA_FILES) -> bool:
    """Whether OpenSSL's default paths or one of the distributions' CA files hold certificates."""
    import ssl  # only a frozen Linux build asks, and ssl is not needed to paint the window

    paths = ssl.get_default_verify_paths()
    if os.path.isfile(paths.openssl_cafile):
        return True
    capath = paths.openssl_capath
    if os.path.isdir(capath) and any(_HASHED_CERT.fullmatch(name) for name in os.listdir(capath)):
        return True
    return any(os.path.isfile(path) for path in candidates)


def use_certifi_if_no_system_certificates(
    environ: MutableMapping[str, str] | None = None,
    *,
    frozen: bool | None = None,
    candidates: Sequence[str] = SYSTEM_CA_FILES,
) -> str | None:
    """Point `SSL_CERT_FILE` at certifi's bundle when frozen on a Linux without a CA store.

    The OpenAI client (httpx2) verifies against the system's CA store on Linux, not certifi's, so
    a frozen build on a host without `ca-certificates` would fail every TLS handshake. macOS and
    Windows use the OS trust store. A user's own `SSL_CERT_FILE`/`SSL_CERT_DIR` always wins.
    Call it early, before any HTTP client is created. Returns the path it set, or None.
    """
    env = os.environ if environ is None else environ
    if not (is_frozen() if frozen is None else frozen) or not sys.platform.startswith("linux"):
        return None
    if env.get("SSL_CERT_FILE") or env.get("SSL_CERT_DIR"):
        return None
    if system_ca_store_present(candidates):
        return None
    import certifi

    path: str = certifi.where()
    env["SSL_CERT_FILE"] = path
    return path
