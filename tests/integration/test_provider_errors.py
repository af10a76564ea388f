"""Each provider's failures, as its real SDK meets them from a loopback fake, in one sentence:
a wrong key, a rate limit with its wait, Anthropic's 529, a server error, a model it does not
have, a silent server, a local server that is not running, a model that cannot call tools, and
plain http to another machine (refused before anything connects)."""

from __future__ import annotations

import dataclasses
from dataclasses import replace
from urllib.parse import urlsplit

import pytest

from desktop.core.agent.events import TurnEvent, TurnFailed
from desktop.core.agent.session import ChatSession
from desktop.core.errors import ErrorKind, Remedy
from tests.fakes.anthropic_server import AnthropicFake
from tests.fakes.gemini_server import GeminiFake
from tests.fakes.harness import FakeServices
from tests.fakes.openai_script import Reply
from tests.fakes.openai_server import OpenAIFake
from tests.integration.chat_helpers import FAST_TIMEOUTS, collect, run
from tests.integration.provider_helpers import every_key, provider_session

CLAUDE = "anthropic:claude-sonnet-4-5"


def _failure(session: ChatSession, prompt: str = "hello") -> TurnFailed:
    async def scenario() -> list[TurnEvent]:
        try:
            return await collect(session, prompt)
        finally:
            await session.aclose()

    events = run(scenario())
    end = events[-1]
    assert isinstance(end, TurnFailed), end
    return end


def _claude(services: FakeServices, fake: AnthropicFake, **kwargs: object) -> ChatSession:
    return provider_session(
        services, CLAUDE, from_environment={"anthropic": fake.base_url}, **kwargs
    )  # type: ignore[arg-type]


def test_a_wrong_anthropic_key_is_named_with_its_variable(
    fake_services: FakeServices, anthropic_fake: AnthropicFake
) -> None:
    wrong = dataclasses.replace(every_key(fake_services), anthropic_api_key="sk-ant-wrong-0000")
    failure = _failure(_claude(fake_services, anthropic_fake, credentials=wrong))
    assert failure.kind is ErrorKind.OPENAI_KEY_REJECTED  # the model's key, whoever's
    assert failure.message.startswith("Anthropic rejected the API key (401)")
    assert failure.fix is not None and [i.env_var for i in failure.fix.items] == [
        "ANTHROPIC_API_KEY"
    ]
    assert "sk-ant-wrong" not in failure.message


def test_an_anthropic_rate_limit_says_how_long_to_wait_and_is_not_retried(
    fake_services: FakeServices, anthropic_fake: AnthropicFake
) -> None:
    anthropic_fake.script.push(Reply.error(429, retry_after=20), times=3)
    failure = _failure(_claude(fake_services, anthropic_fake))
    assert failure.kind is ErrorKind.RATE_LIMITED
    # The service named once, by the provider (`errors.Remote`), whatever its address.
    assert failure.message.startswith("Anthropic is rate limiting this key: wait 20 s")
    assert len(anthropic_fake.requests) == 1  # no silent retries


@pytest.mark.parametrize(
    ("status", "end"),
    [
        (529, " is overloaded (529): try again in a moment."),
        (500, " had a server error (500): try again in a moment."),
    ],
)
def test_anthropic_overloaded_and_server_errors(
    fake_services: FakeServices, anthropic_fake: AnthropicFake, status: int, end: str
) -> None:
    anthropic_fake.script.push(Reply.error(status), times=3)
    failure = _failure(_claude(fake_services, anthropic_fake))
    assert failure.kind is ErrorKind.SERVER_ERROR
    assert failure.message == f"Anthropic{end}"
    assert len(anthropic_fake.requests) == 1


def test_a_model_anthropic_does_not_have_is_named(
    fake_services: FakeServices, anthropic_fake: AnthropicFake
) -> None:
    anthropic_fake.script.push(Reply.error(404, message="model: claude-imaginary"))
    session = provider_session(
        fake_services,
        "anthropic:claude-imaginary",
        from_environment={"anthropic": anthropic_fake.base_url},
    )
    failure = _failure(session)
    assert failure.kind is ErrorKind.MODEL_NOT_FOUND
    assert failure.fix is not None and failure.fix.remedy is Remedy.CHOOSE_MODEL
    assert "claude-imaginary" in failure.message


def test_a_silent_anthropic_times_out(
    fake_services: FakeServices, anthropic_fake: AnthropicFake
) -> None:
    anthropic_fake.script.push(Reply.hang())
    session = _claude(
        fake_services, anthropic_fake, timeouts=replace(FAST_TIMEOUTS, model_read=1.0)
    )
    failure = _failure(session)
    assert failure.kind is ErrorKind.TIMEOUT
    # Where it waited is named (the fake's address is not Anthropic's own), once.
    host = urlsplit(anthropic_fake.base_url).netloc
    assert failure.message.startswith(f"Anthropic at {host} did not answer within 1 s")
    assert failure.message.count(host) == 1


def test_gemini_rate_limit(fake_services: FakeServices, gemini_fake: GeminiFake) -> None:
    gemini_fake.script.push(Reply.error(429, message="Resource has been exhausted"), times=3)
    session = provider_session(
        fake_services, "google:gemini-2.5-flash", from_environment={"google": gemini_fake.base_url}
    )
    failure = _failure(session)
    assert failure.kind is ErrorKind.RATE_LIMITED
    assert len(gemini_fake.requests) == 1


def test_an_ollama_that_is_not_running_says_how_to_start_it(
    fake_services: FakeServices, unreachable_url: str
) -> None:
    session = provider_session(
        fake_services, "ollama:llama3.1", from_environment={"ollama": f"{unreachable_url}/v1"}
    )
    failure = _failure(session)
    assert failure.kind is ErrorKind.UNREACHABLE
    host = unreachable_url.removeprefix("http://")
    assert failure.message == (
        f"Ollama is not running on {host}: start it with `ollama serve`, then send again."
    )


def test_a_model_that_cannot_call_tools_gets_one_sentence_not_a_loop(
    fake_services: FakeServices, local_model_fake: OpenAIFake
) -> None:
    # Ollama's answer when the model has no tool calling.
    local_model_fake.script.push(
        Reply.error(400, message="registry.ollama.ai/library/gemma2:2b does not support tools")
    )
    session = provider_session(
        fake_services, "ollama:gemma2:2b", from_environment={"ollama": local_model_fake.base_url}
    )
    failure = _failure(session, "list my sandboxes")
    assert failure.kind is ErrorKind.MODEL_BEHAVIOUR
    assert failure.message.startswith("The model gemma2:2b cannot call tools")
    assert failure.fix is not None and failure.fix.remedy is Remedy.CHOOSE_MODEL
    assert len(local_model_fake.requests) == 1


@pytest.mark.parametrize(
    ("where", "named_by"),
    [
        ({"from_environment": {"ollama": "http://10.0.0.5:11434/v1"}}, "OLLAMA_BASE_URL"),
        (
            {"base_urls": {"ollama": "http://192.168.1.20:11434/v1"}},
            "The base URL for Ollama (local) in Settings",
        ),
    ],
)
def test_a_lan_ollama_in_plain_http_needs_the_opt_in(
    fake_services: FakeServices, where: dict[str, dict[str, str]], named_by: str
) -> None:
    # Refused before any client exists: nothing connects to the address (and no test may).
    session = provider_session(fake_services, "ollama:llama3.1", **where)  # type: ignore[arg-type]
    failure = _failure(session)
    assert failure.kind is ErrorKind.BAD_INPUT
    assert failure.fix is not None and failure.fix.remedy is Remedy.ALLOW_PLAIN_HTTP
    assert failure.message.startswith(f"{named_by} is plain http:// to another machine (")
    assert "the conversation would travel unencrypted" in failure.message
