"""Composio Tool Router sessions over Composio's REST API: create one, or resume a stored one.

Two requests are all the app needs of Composio's backend, so it sends them itself instead of
loading the Composio SDK: `import composio` costs ~2 s and ~150 MB (its generated client holds
some 1,950 pydantic models), more than the rest of the agent together. The wire format is the
SDK's own (composio 0.30 / composio-client 2.0):

- create: `POST {base}/api/v3.1/tool_router/session` with
  `{"user_id", "toolkits": {"enable": [...]}, "manage_connections": {"enable": true}}`;
- resume: `GET {base}/api/v3.1/tool_router/session/{id}` (404 when the backend forgot it);
- both answer `{"session_id", "mcp": {"type": "http", "url"}, ...}`; the key goes in `x-api-key`.

A test sends the same calls through the real SDK against the fake backend and compares.
"""

from __future__ import annotations

import asyncio
import ipaddress
import json
import logging
from collections.abc import Sequence
from typing import Any
from urllib.parse import urlsplit

from desktop.core.config.credentials import COMPOSIO_API_KEY
from desktop.core.errors import (
    ErrorKind,
    Fix,
    Remedy,
    UserFacingError,
    host_of,
    rate_limited,
    redact,
    server_error,
    timed_out,
    unexpected,
    unreachable,
)
from desktop.core.router.http import RequestTimeoutError, Response, TransportError, request
from desktop.core.router.types import RouterSession, Timeouts

log = logging.getLogger(__name__)

COMPOSIO_DEFAULT_BASE_URL = "https://backend.composio.dev"
SESSION_PATH = "/api/v3.1/tool_router/session"
USER_AGENT = "e2b-agent"


def session_request_body(user_id: str, toolkits: Sequence[str]) -> dict[str, Any]:
    """What `composio.create(user_id=..., toolkits=[...])` sends."""
    return {
        "user_id": user_id,
        "toolkits": {"enable": list(toolkits)},
        "manage_connections": {"enable": True},
    }


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def checked_base_url(base_url: str | None) -> str:
    """The backend's origin; the key never travels over plain http except to this machine."""
    url = (base_url or COMPOSIO_DEFAULT_BASE_URL).rstrip("/")
    parts = urlsplit(url)
    if parts.scheme == "https" or (parts.scheme == "http" and _is_loopback(parts.hostname or "")):
        return url
    raise UserFacingError(
        ErrorKind.BAD_INPUT,
        f"COMPOSIO_BASE_URL must be an https:// address (plain http only for this machine), "
        f"not '{redact(url)[:100]}'.",
    )


def _error_message(response: Response) -> str:
    """Composio's error envelope `{"error": {"message": ...}}`, or the body's start."""
    try:
        body = response.json()
    except ValueError:
        return response.text[:200]
    error = body.get("error") if isinstance(body, dict) else None
    if isinstance(error, dict) and isinstance(error.get("message"), str):
        return str(error["message"])
    if isinstance(error, str):
        return error
    return response.text[:200]


def _retry_after(response: Response) -> float | None:
    try:
        return float(response.headers.get("retry-after", ""))
    except ValueError:
        return None


def _status_error(response: Response, api_key: str) -> UserFacingError:
    status = response.status
    if status in (401, 403):
        return UserFacingError.fixable(
            ErrorKind.COMPOSIO_KEY_REJECTED,
            Fix(Remedy.CHECK_CREDENTIAL, "Composio rejected the API key", (COMPOSIO_API_KEY,)),
        )
    if status == 429:
        return rate_limited("Composio", _retry_after(response))
    if status >= 500:
        return server_error("Composio", status)
    message = redact(_error_message(response), [api_key])[:200]
    return UserFacingError(
        ErrorKind.SERVER_ERROR, f"Composio refused to create a session ({status}): {message}"
    )


def _session_from(response: Response, api_key: str) -> RouterSession:
    try:
        body = response.json()
    except ValueError:
        body = None
    mcp = body.get("mcp") if isinstance(body, dict) else None
    session_id = body.get("session_id") if isinstance(body, dict) else None
    url = mcp.get("url") if isinstance(mcp, dict) else None
    if not isinstance(session_id, str) or not session_id or not isinstance(url, str) or not url:
        raise UserFacingError(
            ErrorKind.SERVER_ERROR,
            "Composio answered without a session or MCP address: try again in a moment.",
        )
    # The MCP endpoint wants the same key (401 without it).
    return RouterSession(session_id=session_id, mcp_url=url, headers={"x-api-key": api_key})


async def _resume(url: str, headers: dict[str, str], seconds: float) -> RouterSession | None:
    api_key = headers["x-api-key"]
    response = await request("GET", url, headers=headers, seconds=seconds)
    if response.status == 404:
        return None
    if response.status != 200:
        raise _status_error(response, api_key)
    return _session_from(response, api_key)


async def _open(
    api_key: str,
    user_id: str,
    toolkits: Sequence[str],
    base: str,
    seconds: float,
    resume_id: str | None,
) -> RouterSession:
    headers = {"x-api-key": api_key, "user-agent": USER_AGENT, "accept": "application/json"}
    if resume_id:
        resumed = await _resume(f"{base}{SESSION_PATH}/{resume_id}", headers, seconds)
        if resumed is not None:
            return resumed
        log.info("tool router session %s is gone; creating a new one", resume_id)
    response = await request(
        "POST",
        f"{base}{SESSION_PATH}",
        headers={**headers, "content-type": "application/json"},
        body=json.dumps(session_request_body(user_id, toolkits)).encode(),
        seconds=seconds,
    )
    if response.status not in (200, 201):
        raise _status_error(response, api_key)
    return _session_from(response, api_key)


async def open_router_session(
    *,
    api_key: str,
    user_id: str,
    toolkits: Sequence[str],
    base_url: str | None,
    timeouts: Timeouts,
    resume_id: str | None = None,
) -> RouterSession:
    """Create (or resume) a Tool Router session; every failure is one user-facing sentence."""
    base = checked_base_url(base_url)
    where = host_of(base, "backend.composio.dev")
    seconds = timeouts.composio_request
    try:
        # Each request has its own timeout; this bounds the pair (resume, then create).
        async with asyncio.timeout(2 * seconds + 1):
            return await _open(api_key, user_id, toolkits, base, seconds, resume_id)
    except UserFacingError:
        raise
    except (TimeoutError, RequestTimeoutError) as exc:
        raise timed_out(f"Composio ({where})", seconds) from exc
    except TransportError as exc:
        log.warning("tool router session failed: %s", redact(repr(exc), [api_key]))
        raise unreachable("Composio", where) from exc
    except Exception as exc:
        log.warning("tool router session failed: %s", redact(repr(exc), [api_key]))
        raise unexpected(exc, [api_key]) from exc
