"""Composio Tool Router sessions over Composio's REST API: create one, or resume a stored one.

Two requests are all the app needs of Composio's backend, so it sends them itself instead of
loading the Composio SDK: `import composio` costs ~2 s and ~150 MB (its generated client holds
some 1,950 pydantic models), more than the rest of the agent together. The wire format is the
SDK's own (composio 0.30 / composio-client 2.0):

- create: `POST {base}/api/v3.1/tool_router/session` with
  `{"user_id", "toolkits": {"enable": [...]}, "manage_connections": {"enable": true}}`;
- resume: `GET {base}/api/v3.1/tool_router/session/{id}` (404 when the backend forgot it);
- both answer `{"session_id", "mcp": {"type": "http", "url"}, ...}`; the key goes in `x-api-key`.

Its answers are parsed with pydantic models of the fields the app uses: a malformed answer is one
user-facing sentence, not an `AttributeError` later. The requests go through the app's shared
httpx client (`desktop.core.router.http`). A test sends the same calls through the real SDK
against the fake backend and compares.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from pydantic import BaseModel, Field, ValidationError

from desktop.core.config.credentials import COMPOSIO_API_KEY
from desktop.core.errors import (
    ErrorKind,
    Fix,
    Remedy,
    Remote,
    Service,
    UserFacingError,
    ending,
    endpoint_problem,
    host_of,
    quoted,
    rate_limited,
    server_error,
    unexpected,
)
from desktop.core.router.http import request_failure
from desktop.core.router.transport import key_route_problem
from desktop.core.router.types import RouterSession, Timeouts

if TYPE_CHECKING:
    import httpx

log = logging.getLogger(__name__)

COMPOSIO_DEFAULT_BASE_URL = "https://backend.composio.dev"
SESSION_PATH = "/api/v3.1/tool_router/session"


class _Mcp(BaseModel):
    """`mcp` of a session answer; `type` is "http" (Streamable HTTP), the only kind served."""

    url: str = Field(min_length=1)


class SessionAnswer(BaseModel):
    """The fields of a create/resume answer the app uses; others are ignored."""

    session_id: str = Field(min_length=1)
    mcp: _Mcp


class _ErrorDetail(BaseModel):
    message: str


class _ErrorAnswer(BaseModel):
    """Composio's error envelope: `{"error": {"message": ...}}` (some answers: a plain string)."""

    error: _ErrorDetail | str


def session_request_body(user_id: str, toolkits: Sequence[str]) -> dict[str, Any]:
    """What `composio.create(user_id=..., toolkits=[...])` sends."""
    return {
        "user_id": user_id,
        "toolkits": {"enable": list(toolkits)},
        "manage_connections": {"enable": True},
    }


def checked_base_url(base_url: str | None) -> str:
    """The backend's origin; the key never travels over plain http except to this machine."""
    url = (base_url or COMPOSIO_DEFAULT_BASE_URL).rstrip("/")
    refusal = endpoint_problem("COMPOSIO_BASE_URL", url)
    if refusal is not None:
        raise refusal
    problem = key_route_problem(url)
    if problem is None:
        return url
    raise UserFacingError(
        ErrorKind.BAD_INPUT,
        f"COMPOSIO_BASE_URL must be an https:// address (plain http only for this machine), "
        f"not {problem}: the key would travel unencrypted, so the app sent nothing there.",
    )


def error_message(response: httpx.Response) -> str:
    """The message of Composio's error envelope, or the body's start."""
    try:
        error = _ErrorAnswer.model_validate_json(response.content).error
    except ValidationError:
        return response.text
    return error if isinstance(error, str) else error.message


def _retry_after(response: httpx.Response) -> float | None:
    try:
        return float(response.headers.get("retry-after", ""))
    except ValueError:
        return None


COMPOSIO = Remote(Service.COMPOSIO)


def status_error(response: httpx.Response, api_key: str, what: str) -> UserFacingError:
    """The sentence for a refused request to Composio's REST API; `what` is what it was for
    ("create a session")."""
    status = response.status_code
    if status in (401, 403):
        return UserFacingError.fixable(
            ErrorKind.COMPOSIO_KEY_REJECTED,
            Fix(Remedy.CHECK_CREDENTIAL, "Composio rejected the API key", (COMPOSIO_API_KEY,)),
        )
    if status == 429:
        return rate_limited(COMPOSIO, _retry_after(response))
    if status >= 500:
        return server_error(COMPOSIO, status)
    message = quoted(error_message(response), [api_key])
    return UserFacingError(
        ErrorKind.SERVER_ERROR,
        f"Composio refused to {what} ({status}): {ending(message)}",
        service=Service.COMPOSIO,
    )


def _session_from(response: httpx.Response, api_key: str) -> RouterSession:
    try:
        answer = SessionAnswer.model_validate_json(response.content)
    except ValidationError as exc:
        log.warning("Composio's session answer: %s", quoted(str(exc), [api_key], limit=500))
        raise UserFacingError(
            ErrorKind.SERVER_ERROR,
            "Composio answered without a session or MCP address: try again in a moment.",
            service=Service.COMPOSIO,
        ) from exc
    problem = key_route_problem(answer.mcp.url)
    if problem is not None:
        # The key goes with every MCP request: never in clear over the network. Refused before
        # any connection is tried, so nothing at all reaches that address.
        raise UserFacingError(
            ErrorKind.SERVER_ERROR,
            f"Composio named an MCP address that is not https:// "
            f"('{quoted(answer.mcp.url, [api_key], limit=100)}', {problem}), so the app did "
            "not connect to it: check COMPOSIO_BASE_URL, or try again later.",
            service=Service.COMPOSIO,
        )
    # The MCP endpoint wants the same key (401 without it).
    return RouterSession(
        session_id=answer.session_id, mcp_url=answer.mcp.url, headers={"x-api-key": api_key}
    )


async def _open(
    http: httpx.AsyncClient,
    api_key: str,
    user_id: str,
    toolkits: Sequence[str],
    base: str,
    seconds: float,
    resume_id: str | None,
) -> RouterSession:
    headers = {"x-api-key": api_key, "accept": "application/json"}
    if resume_id:
        response = await http.get(
            f"{base}{SESSION_PATH}/{quote(resume_id, safe='')}", headers=headers, timeout=seconds
        )
        if response.status_code == 200:
            return _session_from(response, api_key)
        if response.status_code != 404:
            raise status_error(response, api_key, "resume the session")
        log.info("tool router session %s is gone; creating a new one", resume_id)
    response = await http.post(
        f"{base}{SESSION_PATH}",
        headers=headers,
        json=session_request_body(user_id, toolkits),
        timeout=seconds,
    )
    if response.status_code not in (200, 201):
        raise status_error(response, api_key, "create a session")
    return _session_from(response, api_key)


async def open_router_session(
    http: httpx.AsyncClient,
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
            return await _open(http, api_key, user_id, toolkits, base, seconds, resume_id)
    except UserFacingError:
        raise
    except Exception as exc:
        log.warning("tool router session failed: %s", quoted(repr(exc), [api_key], limit=500))
        if (failure := request_failure(exc, Remote(Service.COMPOSIO, where), seconds)) is not None:
            raise failure from exc
        raise unexpected(exc, [api_key]) from exc
