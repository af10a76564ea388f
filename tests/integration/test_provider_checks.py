"""Settings' Test connection for each provider against its fake: its own models endpoint with its
own key header, never a chat (no token spent); a wrong key, a model it lacks and a local server
that is not running each in one sentence; the list it answered, for the model field."""

from __future__ import annotations

from collections.abc import Mapping

import pytest

from desktop.core.agent.build import Endpoints
from desktop.core.agent.probe import check_services
from desktop.core.agent.service_check import ServiceCheck
from desktop.core.config.secrets import SecretName
from desktop.core.config.settings import Settings
from tests.fakes.anthropic_server import ANTHROPIC_MODELS, TEST_ANTHROPIC_KEY, AnthropicFake
from tests.fakes.gemini_server import GEMINI_MODELS, TEST_GOOGLE_KEY, GeminiFake
from tests.fakes.harness import FakeServices
from tests.fakes.openai_server import LOCAL_MODELS, TEST_OPENROUTER_KEY, OpenAIFake
from tests.integration.chat_helpers import FAST_TIMEOUTS, run

KEYS = {
    SecretName.ANTHROPIC_API_KEY: TEST_ANTHROPIC_KEY,
    SecretName.GOOGLE_API_KEY: TEST_GOOGLE_KEY,
    SecretName.OPENROUTER_API_KEY: TEST_OPENROUTER_KEY,
}


def model_check(
    services: FakeServices,
    model: str,
    *,
    from_environment: Mapping[str, str] | None = None,
    base_urls: Mapping[str, str] | None = None,
    keys: Mapping[SecretName, str] | None = None,
) -> ServiceCheck:
    every = {SecretName.COMPOSIO_API_KEY: services.composio_api_key, **KEYS, **(keys or {})}
    endpoints = Endpoints(None, services.composio_base_url, dict(from_environment or {}))
    settings = Settings(user_id=services.user_id, model=model, base_urls=dict(base_urls or {}))
    report = run(check_services(settings, every, endpoints, FAST_TIMEOUTS))
    assert report.checks[1].outcome == "ok"  # Composio is checked beside it, as before
    return report.checks[0]


def test_anthropic_is_checked_with_its_model_list(
    fake_services: FakeServices, anthropic_fake: AnthropicFake
) -> None:
    where = {"anthropic": anthropic_fake.base_url}
    check = model_check(fake_services, "anthropic:claude-sonnet-4-5", from_environment=where)
    assert check.outcome == "ok", check.sentence
    assert check.detail == "connected (claude-sonnet-4-5 is available)"
    assert check.models == ANTHROPIC_MODELS
    (listed,) = anthropic_fake.model_lists
    assert listed.path == "/v1/models" and listed.headers["x-api-key"] == TEST_ANTHROPIC_KEY
    assert anthropic_fake.requests == []  # no message, no token

    wrong = model_check(
        fake_services,
        "anthropic:claude-sonnet-4-5",
        from_environment=where,
        keys={SecretName.ANTHROPIC_API_KEY: "sk-ant-wrong"},
    )
    assert wrong.detail == "the key was refused (401)"
    missing = model_check(fake_services, "anthropic:claude-9", from_environment=where)
    assert missing.detail == "the key works, but claude-9 is not among its 3 models"


def test_gemini_is_checked_and_its_wrong_key_is_a_refused_key(
    fake_services: FakeServices, gemini_fake: GeminiFake
) -> None:
    where = {"google": gemini_fake.base_url}
    check = model_check(fake_services, "google:gemini-2.5-flash", from_environment=where)
    assert check.outcome == "ok", check.sentence
    assert check.models == GEMINI_MODELS
    assert gemini_fake.model_lists[0].headers["x-goog-api-key"] == TEST_GOOGLE_KEY
    wrong = model_check(
        fake_services,
        "google:gemini-2.5-flash",
        from_environment=where,
        keys={SecretName.GOOGLE_API_KEY: "AIza-wrong"},
    )
    assert wrong.detail == "the key was refused (400)"  # Gemini's API_KEY_INVALID
    assert gemini_fake.requests == []


def test_openrouter_checks_the_key_then_the_model(
    fake_services: FakeServices, openrouter_fake: OpenAIFake
) -> None:
    where = {"openrouter": openrouter_fake.base_url}
    model = "openrouter:anthropic/claude-sonnet-4.5"
    check = model_check(fake_services, model, from_environment=where)
    assert check.outcome == "ok", check.sentence
    assert [r.path for r in openrouter_fake.model_lists] == ["/v1/key", "/v1/models"]
    wrong = model_check(
        fake_services,
        model,
        from_environment=where,
        keys={SecretName.OPENROUTER_API_KEY: "sk-or-wrong"},
    )
    assert wrong.detail == "the key was refused (401)"
    assert openrouter_fake.requests == []


@pytest.mark.parametrize(
    ("model", "family"),
    [("ollama:llama3.1", "ollama"), ("lmstudio:qwen2.5-7b-instruct", "lmstudio")],
)
def test_a_local_server_is_checked_without_a_key(
    fake_services: FakeServices, local_model_fake: OpenAIFake, model: str, family: str
) -> None:
    check = model_check(fake_services, model, base_urls={family: local_model_fake.base_url})
    assert check.outcome == "ok", check.sentence
    assert check.models == LOCAL_MODELS  # "llama3.1" is there as Ollama's "llama3.1:latest"
    assert "authorization" not in local_model_fake.model_lists[0].headers


def test_an_ollama_that_is_not_running_says_how_to_start_it(
    fake_services: FakeServices, unreachable_url: str
) -> None:
    check = model_check(
        fake_services, "ollama:llama3.1", from_environment={"ollama": f"{unreachable_url}/v1"}
    )
    host = unreachable_url.removeprefix("http://")
    assert check.sentence == f"Ollama: not running on {host}: start it with `ollama serve`."


def test_a_lan_ollama_is_not_asked_without_the_opt_in(fake_services: FakeServices) -> None:
    # Nothing connects to the address: the check refuses before sending.
    check = model_check(
        fake_services, "ollama:llama3.1", base_urls={"ollama": "http://192.0.2.7:11434/v1"}
    )
    assert check.outcome == "failed"
    assert check.detail.startswith(
        "nothing was sent: The base URL for Ollama (local) in Settings is plain http:// to "
        "another machine"
    )


def test_the_other_server_needs_its_base_url(fake_services: FakeServices) -> None:
    check = model_check(fake_services, "openai-compatible:qwen2.5:7b")
    assert check.sentence == "The model server: no base URL is set."
