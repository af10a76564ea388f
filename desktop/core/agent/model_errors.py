"""A failure of the model (Pydantic AI, the OpenAI SDK) during a turn, as one user-facing error."""

from __future__ import annotations

from collections.abc import Iterable

from desktop.core.config.credentials import OPENAI_API_KEY
from desktop.core.errors import (
    ErrorKind,
    Fix,
    Remedy,
    Remote,
    Service,
    UserFacingError,
    ending,
    host_of,
    quoted,
    rate_limited,
    server_error,
    timed_out,
    unexpected,
    unreachable,
)

OPENAI_HOST = "api.openai.com"


def model_remote(base_url: str | None) -> Remote:
    """The model's service as sentences name it: OpenAI, or the model server at its address."""
    if not base_url:
        return Remote(Service.MODEL, OPENAI_HOST, name="OpenAI")
    return Remote(Service.MODEL, host_of(base_url, ""))


def describe_model_error(
    exc: BaseException, *, base_url: str | None, read_timeout: float, secrets: Iterable[str] = ()
) -> UserFacingError:
    """Map a Pydantic AI / OpenAI failure during a turn to a user-facing error."""
    from pydantic_ai import exceptions as pe

    remote = model_remote(base_url)
    if isinstance(exc, UserFacingError):
        return exc
    if isinstance(exc, pe.ModelAuthenticationError):
        rejected = f"{remote.label(start=True)} rejected the API key (401)"
        return UserFacingError.fixable(
            ErrorKind.OPENAI_KEY_REJECTED,
            Fix(Remedy.CHECK_CREDENTIAL, rejected, (OPENAI_API_KEY,)),
        )
    if isinstance(exc, pe.ModelRateLimitError | pe.ModelQuotaExceededError):
        retry_after = getattr(exc, "retry_after", None)
        return rate_limited(remote, float(retry_after) if retry_after else None)
    if isinstance(exc, pe.ModelNotFoundError):
        return UserFacingError.fixable(
            ErrorKind.MODEL_NOT_FOUND,
            Fix(Remedy.CHOOSE_MODEL, "The chosen model does not exist or this key cannot use it"),
        )
    if isinstance(exc, pe.ModelTimeoutError | pe.ModelRequestTimeout):
        return timed_out(remote, read_timeout)
    if isinstance(exc, pe.ModelConnectionError):
        return unreachable(remote)
    if isinstance(exc, pe.ModelServerError | pe.ModelUnavailableError):
        return server_error(remote, getattr(exc, "status_code", None))
    if isinstance(exc, pe.ModelContextWindowExceededError):
        return UserFacingError.fixable(
            ErrorKind.BAD_INPUT,
            Fix(Remedy.NEW_CONVERSATION, "This conversation is too long for the model"),
        )
    if isinstance(exc, pe.ModelAPIError):
        status = getattr(exc, "status_code", None)
        return UserFacingError(
            ErrorKind.SERVER_ERROR,
            f"{remote.label(start=True)} refused the request{f' ({status})' if status else ''}: "
            f"{ending(quoted(str(getattr(exc, 'message', exc)), secrets))}",
            service=Service.MODEL,
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
            service=Service.MODEL,
        )
    return unexpected(exc, secrets)
