"""Every failure of a remote service is one clean sentence naming that service, once (issue 10,
item 16: "Could not reach The model server (127.0.0.1:38017) at 127.0.0.1:38017")."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import httpx
import pytest
from pydantic_ai import exceptions as pe

from desktop.core.agent.model_errors import describe_model_error, model_remote
from desktop.core.config.providers import BY_PREFIX
from desktop.core.errors import (
    ErrorKind,
    Remote,
    Service,
    UserFacingError,
    rate_limited,
    server_error,
    timed_out,
    unreachable,
)
from desktop.core.router.http import request_failure
from desktop.core.router.types import ResponseTooLargeError

HOST = "127.0.0.1:38017"
REMOTES = {
    "openai": model_remote(BY_PREFIX["openai"], None),
    "model server": model_remote(BY_PREFIX["openai"], f"http://{HOST}/v1"),
    "composio": Remote(Service.COMPOSIO, HOST),
    "tool router": Remote(Service.TOOL_ROUTER, HOST),
    "tool router, host unknown": Remote(Service.TOOL_ROUTER, ""),
}
NAMES = {
    Service.MODEL: ("OpenAI", "model"),
    Service.COMPOSIO: ("Composio",),
    Service.TOOL_ROUTER: ("Tool Router",),
}
MAKERS: dict[str, Callable[[Remote], UserFacingError]] = {
    "unreachable": unreachable,
    "timed out": lambda remote: timed_out(remote, 30),
    "rate limited": lambda remote: rate_limited(remote, 7),
    "server error": lambda remote: server_error(remote, 502),
    "too large": lambda remote: _failure(ResponseTooLargeError("4 MiB"), remote),
    "no answer": lambda remote: _failure(httpx.ConnectError("refused"), remote),
    "no answer in time": lambda remote: _failure(httpx.ReadTimeout("slow"), remote),
}


def _failure(exc: BaseException, remote: Remote) -> UserFacingError:
    failure = request_failure(exc, remote, 5)
    assert failure is not None
    return failure


def assert_clean(error: UserFacingError, service: Service) -> None:
    """One sentence, the right service named (and no other), no name or host twice."""
    text = error.message
    assert error.service is service
    assert text[0].isupper() and text.endswith("."), text
    assert text.count(HOST) <= 1, text
    assert "api.openai.com" not in text or text.count("api.openai.com") == 1
    assert any(name.lower() in text.lower() for name in NAMES[service]), text
    for other, names in NAMES.items():
        if other is not service:
            assert not any(name in text for name in names), text
    for name in ("The model server", "the model server", "Composio", "the Tool Router"):
        assert text.count(name) <= 1, text
    assert "()" not in text and "( " not in text and " at  " not in text


@pytest.mark.parametrize("remote_id", REMOTES)
@pytest.mark.parametrize("maker_id", MAKERS)
def test_each_sentence_names_its_service_once(remote_id: str, maker_id: str) -> None:
    remote = REMOTES[remote_id]
    assert_clean(MAKERS[maker_id](remote), remote.service)


def test_the_reported_sentence_reads_well() -> None:
    error = describe_model_error(
        pe.ModelConnectionError("gpt-5", "refused"), base_url=f"http://{HOST}/v1", read_timeout=9
    )
    assert error.message == (
        f"Could not reach the model server at {HOST}: check your internet connection, proxy or "
        "OPENAI_BASE_URL, then try again."
    )


MODEL_FAILURES: list[BaseException] = [
    pe.ModelAuthenticationError("gpt-5", "bad key"),
    pe.ModelRateLimitError("gpt-5", "slow down"),
    pe.ModelNotFoundError("gpt-x", "no such model"),
    pe.ModelRequestTimeout("gpt-5", 30.0),
    pe.ModelConnectionError("gpt-5", "refused"),
    pe.ModelServerError("gpt-5", "boom"),
    pe.ModelAPIError("gpt-5", "refused it"),
    pe.UnexpectedModelBehavior("garbage"),
]


@pytest.mark.parametrize("base_url", [None, f"http://{HOST}/v1"], ids=["openai", "server"])
@pytest.mark.parametrize("exc", MODEL_FAILURES, ids=lambda e: type(e).__name__)
def test_every_model_failure_names_the_model_service(
    exc: BaseException, base_url: str | None
) -> None:
    error = describe_model_error(exc, base_url=base_url, read_timeout=30)
    assert_clean(error, Service.MODEL)
    if base_url is not None:
        assert "OpenAI " not in error.message.replace("OpenAI API key", "")


def test_a_rejected_key_implies_its_service() -> None:
    cases = {
        ErrorKind.OPENAI_KEY_REJECTED: Service.MODEL,
        ErrorKind.MODEL_NOT_FOUND: Service.MODEL,
        ErrorKind.COMPOSIO_KEY_REJECTED: Service.COMPOSIO,
        ErrorKind.MCP_KEY_REJECTED: Service.TOOL_ROUTER,
    }
    for kind, service in cases.items():
        assert UserFacingError(kind, "Refused.").service is service
    assert UserFacingError(ErrorKind.MISSING_KEY, "No key.").service is None


def test_router_failures_over_the_wire_name_their_service(unreachable_url: str) -> None:
    """The real requests of the app, to a closed port: Composio's, then the Tool Router's."""
    from desktop.core.router.http import new_http_client
    from desktop.core.router.probe import list_router_tools
    from desktop.core.router.rest import open_router_session
    from desktop.core.router.types import RouterSession, Timeouts

    async def scenario() -> tuple[UserFacingError, UserFacingError]:
        async with new_http_client(Timeouts()) as http:
            with pytest.raises(UserFacingError) as composio:
                await open_router_session(
                    http,
                    api_key="test-composio",
                    user_id="user",
                    toolkits=("e2b",),
                    base_url=unreachable_url,
                    timeouts=Timeouts(),
                )
            session = RouterSession("trs_x", f"{unreachable_url}/mcp", {"x-api-key": "k"})
            with pytest.raises(UserFacingError) as router:
                await list_router_tools(http, session, 2)
        return composio.value, router.value

    composio, router = asyncio.run(scenario())
    host = unreachable_url.removeprefix("http://")
    for error, service in ((composio, Service.COMPOSIO), (router, Service.TOOL_ROUTER)):
        assert error.kind is ErrorKind.UNREACHABLE
        assert error.message.count(host) == 1, error.message
        assert_clean(error, service)
