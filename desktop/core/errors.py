"""One actionable sentence for every failure the user can meet; no traceback, no key, ever."""

from __future__ import annotations

import re
from collections.abc import Iterable
from enum import StrEnum
from urllib.parse import urlsplit


class ErrorKind(StrEnum):
    """Why a turn (or a connection) failed; each kind has its own actionable message."""

    MISSING_KEY = "missing_key"
    COMPOSIO_KEY_REJECTED = "composio_key_rejected"
    OPENAI_KEY_REJECTED = "openai_key_rejected"
    MCP_KEY_REJECTED = "mcp_key_rejected"
    UNREACHABLE = "unreachable"
    TIMEOUT = "timeout"
    RATE_LIMITED = "rate_limited"
    SERVER_ERROR = "server_error"
    MODEL_NOT_FOUND = "model_not_found"
    BAD_INPUT = "bad_input"
    MODEL_BEHAVIOUR = "model_behaviour"
    UNEXPECTED = "unexpected"


_KEYLIKE = re.compile(r"(sk-[A-Za-z0-9_\-]{6,}|ak_[A-Za-z0-9]{6,})")


class UserFacingError(Exception):
    """A failure with a message written for the user, safe to show and to log."""

    def __init__(self, kind: ErrorKind, message: str) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message


def redact(text: str, secrets: Iterable[str] = ()) -> str:
    """Remove known key values and anything shaped like an API key."""
    for secret in secrets:
        if secret and len(secret) >= 4:
            text = text.replace(secret, "[redacted]")
    return _KEYLIKE.sub("[redacted]", text)


def host_of(url: str | None, default: str) -> str:
    if not url:
        return default
    parts = urlsplit(url)
    return parts.netloc or default


def missing(what: str, env_var: str) -> UserFacingError:
    return UserFacingError(
        ErrorKind.MISSING_KEY,
        f"No {what} is set: enter it in Settings (or set {env_var} in the environment or .env).",
    )


def unreachable(service: str, where: str) -> UserFacingError:
    return UserFacingError(
        ErrorKind.UNREACHABLE,
        f"Could not reach {service} at {where}: check your internet connection, proxy or "
        f"the endpoint setting, then try again.",
    )


def timed_out(service: str, seconds: float) -> UserFacingError:
    return UserFacingError(
        ErrorKind.TIMEOUT,
        f"{service} did not answer within {seconds:g} s: it may be overloaded or unreachable; "
        "try again in a moment.",
    )


def rate_limited(service: str, retry_after: float | None) -> UserFacingError:
    wait = f"wait {retry_after:g} s" if retry_after else "wait a little"
    return UserFacingError(
        ErrorKind.RATE_LIMITED,
        f"{service} is rate limiting this key: {wait} and send again, or check your plan's limits.",
    )


def server_error(service: str, status: int | None) -> UserFacingError:
    code = f" ({status})" if status else ""
    return UserFacingError(
        ErrorKind.SERVER_ERROR,
        f"{service} had a server error{code}: try again in a moment.",
    )


def unexpected(exc: BaseException, secrets: Iterable[str] = ()) -> UserFacingError:
    detail = redact(str(exc), secrets).strip().splitlines()
    summary = f"{type(exc).__name__}: {detail[0][:200]}" if detail else type(exc).__name__
    return UserFacingError(
        ErrorKind.UNEXPECTED,
        f"Something went wrong ({summary}); the details are in the log file.",
    )


def describe_model_error(
    exc: BaseException, *, base_url: str | None, read_timeout: float, secrets: Iterable[str] = ()
) -> UserFacingError:
    """Map a Pydantic AI / OpenAI failure during a turn to a user-facing error."""
    from pydantic_ai import exceptions as pe

    service = "OpenAI" if not base_url else f"The model server ({host_of(base_url, 'OpenAI')})"
    if isinstance(exc, UserFacingError):
        return exc
    if isinstance(exc, pe.ModelAuthenticationError):
        return UserFacingError(
            ErrorKind.OPENAI_KEY_REJECTED,
            "OpenAI rejected the API key (401): check the OpenAI key in Settings "
            "(or OPENAI_API_KEY).",
        )
    if isinstance(exc, pe.ModelRateLimitError | pe.ModelQuotaExceededError):
        retry_after = getattr(exc, "retry_after", None)
        return rate_limited(service, float(retry_after) if retry_after else None)
    if isinstance(exc, pe.ModelNotFoundError):
        return UserFacingError(
            ErrorKind.MODEL_NOT_FOUND,
            "The model in Settings does not exist or this key cannot use it: pick another model.",
        )
    if isinstance(exc, pe.ModelTimeoutError | pe.ModelRequestTimeout):
        return timed_out(service, read_timeout)
    if isinstance(exc, pe.ModelConnectionError):
        return unreachable(service, host_of(base_url, "api.openai.com"))
    if isinstance(exc, pe.ModelServerError | pe.ModelUnavailableError):
        return server_error(service, getattr(exc, "status_code", None))
    if isinstance(exc, pe.ModelContextWindowExceededError):
        return UserFacingError(
            ErrorKind.BAD_INPUT,
            "This conversation is too long for the model: start a new chat (Ctrl+N).",
        )
    if isinstance(exc, pe.ModelAPIError):
        status = getattr(exc, "status_code", None)
        return UserFacingError(
            ErrorKind.SERVER_ERROR,
            f"{service} refused the request{f' ({status})' if status else ''}: "
            f"{redact(str(getattr(exc, 'message', exc)), secrets)[:200]}",
        )
    if isinstance(exc, pe.UsageLimitExceeded):
        return UserFacingError(
            ErrorKind.MODEL_BEHAVIOUR,
            "The agent used too many steps for one request: ask for something smaller.",
        )
    if isinstance(exc, pe.UnexpectedModelBehavior):
        return UserFacingError(
            ErrorKind.MODEL_BEHAVIOUR,
            "The model returned something the app could not use: try again or rephrase.",
        )
    return unexpected(exc, secrets)
