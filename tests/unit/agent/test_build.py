"""The agent builder checks the model string with the settings' own check."""

from __future__ import annotations

import pytest

from desktop.core.agent.build import Endpoints, build_model
from desktop.core.config.settings import model_problem
from desktop.core.errors import ErrorKind, Remedy, UserFacingError
from desktop.core.router.types import Timeouts


@pytest.mark.parametrize("model", ["mistral:large", "gpt-5", "openai:"])
def test_an_unsupported_model_is_refused_with_the_settings_sentence(model: str) -> None:
    with pytest.raises(UserFacingError) as caught:
        build_model(model, "sk-test", Endpoints(), Timeouts())
    assert caught.value.kind is ErrorKind.BAD_INPUT
    assert caught.value.message == model_problem(model)


def test_each_api_gets_its_model() -> None:
    from pydantic_ai.models.openai import OpenAIChatModel, OpenAIResponsesModel

    chat = build_model("openai-chat:gpt-4.1", "sk-test", Endpoints(), Timeouts())
    responses = build_model("openai-responses:gpt-5", "sk-test", Endpoints(), Timeouts())
    assert isinstance(chat, OpenAIChatModel) and chat.model_name == "gpt-4.1"
    assert isinstance(responses, OpenAIResponsesModel) and responses.model_name == "gpt-5"
    # Both send the history without the SDK's per-request walk over it (see request_cost).
    from desktop.core.agent.request_cost import PlainBodyAsyncOpenAI

    assert isinstance(chat.client, PlainBodyAsyncOpenAI)
    assert isinstance(responses.client, PlainBodyAsyncOpenAI)


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("http://[::1/v1", "Invalid IPv6 URL"),
        ("http://localhost:port/v1", "Port"),
        ("localhost:8000/v1", "https://"),
        ("http:///v1", "no host"),
    ],
)
def test_an_invalid_model_endpoint_is_refused_naming_the_variable(url: str, reason: str) -> None:
    with pytest.raises(UserFacingError) as caught:
        build_model("openai:gpt-5", "sk-test", Endpoints(openai_base_url=url), Timeouts())
    assert caught.value.kind is ErrorKind.BAD_INPUT
    assert caught.value.message.startswith("OPENAI_BASE_URL is not a usable address (")
    assert reason in caught.value.message
    assert caught.value.message.endswith(": correct or unset it, then restart the app.")


def test_an_invalid_composio_endpoint_is_refused_naming_the_variable() -> None:
    from desktop.core.router.rest import checked_base_url

    with pytest.raises(UserFacingError) as caught:
        checked_base_url("http://[::1/api")
    assert caught.value.message.startswith("COMPOSIO_BASE_URL is not a usable address (")


def test_the_host_of_an_invalid_address_is_the_default() -> None:
    from desktop.core.errors import host_of

    assert host_of("http://[::1/v1", "OpenAI") == "OpenAI"


@pytest.mark.parametrize(
    "url",
    ["https://models.example/v1", "http://localhost:11434/v1", "http://127.0.0.2/v1"],
)
def test_https_and_loopback_model_servers_need_no_consent(url: str) -> None:
    build_model("openai:gpt-5", "sk-test", Endpoints(openai_base_url=url), Timeouts())


@pytest.mark.parametrize(
    "url", ["http://10.0.0.5:11434/v1", "http://127.0.0.1.evil.example/v1", "http://x@a.b/v1"]
)
def test_a_plain_http_model_server_elsewhere_needs_the_users_consent(url: str) -> None:
    endpoints = Endpoints(openai_base_url=url)
    with pytest.raises(UserFacingError) as caught:
        build_model("openai:gpt-5", "sk-test", endpoints, Timeouts())
    assert caught.value.kind is ErrorKind.BAD_INPUT
    assert caught.value.fix is not None and caught.value.fix.remedy is Remedy.ALLOW_PLAIN_HTTP
    assert "would travel unencrypted" in caught.value.message
    assert "x@" not in caught.value.message  # the userinfo is never quoted
    assert caught.value.fix.provider == "openai"
    build_model("openai:gpt-5", "sk-test", endpoints, Timeouts(), plain_http_providers=("openai",))


def test_the_consent_given_for_ollama_never_sends_anothers_key_in_clear() -> None:
    """One provider's consent (a LAN Ollama) is not another's: Anthropic's base URL in plain
    http elsewhere is still refused, naming Anthropic, while Ollama's is built."""
    endpoints = Endpoints(
        model_base_urls={"anthropic": "http://10.0.0.7", "ollama": "http://10.0.0.5:11434/v1"}
    )
    consent = ("ollama",)
    with pytest.raises(UserFacingError) as refused:
        build_model(
            "anthropic:claude-sonnet-4-5",
            "sk-ant-test",
            endpoints,
            Timeouts(),
            plain_http_providers=consent,
        )
    assert refused.value.fix is not None and refused.value.fix.remedy is Remedy.ALLOW_PLAIN_HTTP
    assert refused.value.fix.provider == "anthropic"
    assert refused.value.message.startswith(
        "ANTHROPIC_BASE_URL is plain http:// to another machine (10.0.0.7): the Anthropic key "
        "and the conversation would travel unencrypted, so nothing was sent"
    )
    assert 'add "anthropic" to plain_http_model_providers' in refused.value.message
    build_model("ollama:llama3.1", "", endpoints, Timeouts(), plain_http_providers=consent)
