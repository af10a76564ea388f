"""A failure of the model (Pydantic AI and the provider's SDK) during a turn, as one user-facing
error: the same sentences for every provider, naming it and its key."""

from __future__ import annotations

from collections.abc import Iterable

from desktop.core.config.credentials import model_key_spec
from desktop.core.config.providers import BY_PREFIX, ProviderSpec, provider_of, split_model
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


def model_remote(spec: ProviderSpec, base_url: str | None) -> Remote:
    """The model's service as sentences name it, once: the provider ("OpenAI", "Anthropic",
    "Ollama") at its address, or "the model server" for OpenAI's API served elsewhere."""
    where = host_of(base_url or spec.default_base_url, "")
    own = base_url is None or (
        spec.default_base_url is not None and where == host_of(spec.default_base_url, "")
    )
    generic = spec.family == "openai" and not own
    return Remote(Service.MODEL, where, name="" if generic else spec.service)


# What servers say when the model cannot call tools (Ollama: "... does not support tools";
# LM Studio and llama.cpp word it alike).
_NO_TOOLS = ("does not support tools", "does not support tool", "tools are not supported")


def _body_text(exc: BaseException) -> str:
    body = getattr(exc, "body", None)
    return f"{exc} {body if body is not None else ''}".lower()


def cannot_call_tools(model: str) -> UserFacingError:
    """The one sentence for a model without tool calling (many small local ones)."""
    _prefix, name = split_model(model)
    return UserFacingError.fixable(
        ErrorKind.MODEL_BEHAVIOUR,
        Fix(
            Remedy.CHOOSE_MODEL,
            f"The model {name} cannot call tools, and the agent reaches E2B only through them",
        ),
    )


def describe_model_error(
    exc: BaseException,
    *,
    base_url: str | None,
    read_timeout: float,
    secrets: Iterable[str] = (),
    model: str = "openai:gpt-5",
) -> UserFacingError:
    """Map a Pydantic AI / SDK failure of `model` at `base_url` (None: the provider's own
    service) during a turn to a user-facing error."""
    from pydantic_ai import exceptions as pe

    spec = provider_of(model) or BY_PREFIX["openai"]
    remote = model_remote(spec, base_url)
    if isinstance(exc, UserFacingError):
        return exc
    if isinstance(exc, pe.ModelAuthenticationError):
        status = getattr(exc, "status_code", None) or 401
        key = model_key_spec(model)
        return UserFacingError.fixable(
            ErrorKind.OPENAI_KEY_REJECTED,  # any model provider's key
            Fix(
                Remedy.CHECK_CREDENTIAL,
                f"{remote.label(start=True)} rejected the API key ({status})",
                (key,) if key is not None else (),
            ),
        )
    if isinstance(exc, pe.ModelAPIError) and any(words in _body_text(exc) for words in _NO_TOOLS):
        return cannot_call_tools(model)
    if isinstance(exc, pe.ModelRateLimitError | pe.ModelQuotaExceededError):
        retry_after = getattr(exc, "retry_after", None)
        return rate_limited(remote, float(retry_after) if retry_after else None)
    if isinstance(exc, pe.ModelNotFoundError):
        return UserFacingError.fixable(
            ErrorKind.MODEL_NOT_FOUND,
            Fix(
                Remedy.CHOOSE_MODEL,
                f"{remote.label(start=True)} has no model {split_model(model)[1]}, or this key "
                "cannot use it",
            ),
        )
    if isinstance(exc, pe.ModelTimeoutError | pe.ModelRequestTimeout):
        return timed_out(remote, read_timeout)
    if isinstance(exc, pe.ModelConnectionError):
        if spec.not_running:
            return UserFacingError(
                ErrorKind.UNREACHABLE,
                f"{remote.label(start=True)} is not running on {remote.where}: "
                f"{spec.not_running}, then send again.",
                service=Service.MODEL,
            )
        return unreachable(remote)
    if isinstance(exc, pe.ModelOverloadedError):
        status = getattr(exc, "status_code", None)
        code = f" ({status})" if status else ""
        return UserFacingError(
            ErrorKind.SERVER_ERROR,
            f"{remote.label(start=True)} is overloaded{code}: try again in a moment.",
            service=Service.MODEL,
        )
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
        if "max retries" in str(exc).lower():  # it kept calling the tools wrongly
            return UserFacingError.fixable(
                ErrorKind.MODEL_BEHAVIOUR,
                Fix(
                    Remedy.CHOOSE_MODEL,
                    f"The model {split_model(model)[1]} kept calling the tools wrongly, so the "
                    "agent stopped",
                ),
            )
        return UserFacingError(
            ErrorKind.MODEL_BEHAVIOUR,
            "The model returned something the app could not use: try again or rephrase.",
            service=Service.MODEL,
        )
    return unexpected(exc, secrets)
