"""A failure of the model (Pydantic AI, the OpenAI SDK) during a turn, as one user-facing error."""

from __future__ import annotations

from collections.abc import Iterable

from desktop.core.config.credentials import OPENAI_API_KEY
from desktop.core.errors import (
    ErrorKind,
    Fix,
    Remedy,
    UserFacingError,
    host_of,
    quoted,
    rate_limited,
    server_error,
    timed_out,
    unexpected,
    unreachable,
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
        return UserFacingError.fixable(
            ErrorKind.OPENAI_KEY_REJECTED,
            Fix(Remedy.CHECK_CREDENTIAL, "OpenAI rejected the API key (401)", (OPENAI_API_KEY,)),
        )
    if isinstance(exc, pe.ModelRateLimitError | pe.ModelQuotaExceededError):
        retry_after = getattr(exc, "retry_after", None)
        return rate_limited(service, float(retry_after) if retry_after else None)
    if isinstance(exc, pe.ModelNotFoundError):
        return UserFacingError.fixable(
            ErrorKind.MODEL_NOT_FOUND,
            Fix(Remedy.CHOOSE_MODEL, "The chosen model does not exist or this key cannot use it"),
        )
    if isinstance(exc, pe.ModelTimeoutError | pe.ModelRequestTimeout):
        return timed_out(service, read_timeout)
    if isinstance(exc, pe.ModelConnectionError):
        return unreachable(service, host_of(base_url, "api.openai.com"))
    if isinstance(exc, pe.ModelServerError | pe.ModelUnavailableError):
        return server_error(service, getattr(exc, "status_code", None))
    if isinstance(exc, pe.ModelContextWindowExceededError):
        return UserFacingError.fixable(
            ErrorKind.BAD_INPUT,
            Fix(Remedy.NEW_CONVERSATION, "This conversation is too long for the model"),
        )
    if isinstance(exc, pe.ModelAPIError):
        status = getattr(exc, "status_code", None)
        return UserFacingError(
            ErrorKind.SERVER_ERROR,
            f"{service} refused the request{f' ({status})' if status else ''}: "
            f"{quoted(str(getattr(exc, 'message', exc)), secrets)}",
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
