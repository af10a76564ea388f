"""Every provider's model is Pydantic AI's own, on its SDK's client built the one way: the app's
httpx2 client (no redirects, loopback past proxies), no silent retries; and every base URL is
held to the https-or-loopback rule. Nothing here connects anywhere."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx2
import pytest

from desktop.core.agent.build import Endpoints, build_model
from desktop.core.config.providers import FAMILIES, PROVIDERS
from desktop.core.errors import Remedy, UserFacingError
from desktop.core.router.transport import new_model_http_client
from desktop.core.router.types import Timeouts

MODELS = {
    "openai": ("OpenAIResponsesModel", "openai"),
    "openai-chat": ("OpenAIChatModel", "openai"),
    "openai-responses": ("OpenAIResponsesModel", "openai"),
    "anthropic": ("AnthropicModel", "anthropic"),
    "google": ("GoogleModel", "google"),
    "openrouter": ("OpenRouterModel", "openrouter"),
    "ollama": ("OllamaModel", "ollama"),
    "lmstudio": ("OpenAIChatModel", "lmstudio"),
    "openai-compatible": ("OpenAIChatModel", "openai-compatible"),
}
SERVER = {"openai-compatible": "http://127.0.0.1:8000/v1"}


def _sdk_http_client(model: Any) -> object:
    """The HTTP client the model's SDK sends with."""
    if model.system == "google":
        return model.client._api_client._async_httpx_client
    return model.client._client


def _name(prefix: str) -> str:
    return "anthropic/claude-sonnet-4.5" if prefix == "openrouter" else "some-model"


def test_the_table_covers_every_provider() -> None:
    assert {spec.prefix for spec in PROVIDERS} == set(MODELS)


@pytest.mark.parametrize("prefix", sorted(MODELS))
def test_each_provider_builds_pydantic_ais_model_on_the_apps_client(prefix: str) -> None:
    async def build() -> tuple[Any, httpx2.AsyncClient]:
        http = new_model_http_client(30.0, 5.0)
        model = build_model(
            f"{prefix}:{_name(prefix)}", "k", Endpoints(), Timeouts(), base_urls=SERVER,
            http_client=http,
        )  # fmt: skip
        return model, http

    model, http = asyncio.run(build())
    kind, system = MODELS[prefix]
    assert type(model).__name__ == kind and model.system == system
    assert _sdk_http_client(model) is http
    assert http.follow_redirects is False
    if model.system != "google":
        assert model.client.max_retries == 0  # a 429 or a 529 is said at once
    else:
        retry = model.client._api_client._async_retry
        assert retry.stop.max_attempt_number == 1
    asyncio.run(http.aclose())


def test_openrouter_names_the_app_in_its_attribution_header() -> None:
    model = build_model("openrouter:openai/gpt-5", "k", Endpoints(), Timeouts())
    assert model.client.default_headers["X-Title"] == "E2B Agent"  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("prefix", "family", "variable"),
    [
        ("anthropic", "anthropic", "ANTHROPIC_BASE_URL"),
        ("google", "google", "GOOGLE_GEMINI_BASE_URL"),
        ("ollama", "ollama", "OLLAMA_BASE_URL"),
    ],
)
def test_every_base_url_is_held_to_the_key_rule(prefix: str, family: str, variable: str) -> None:
    endpoints = Endpoints.from_environ({variable: "http://10.0.0.5:8080"})
    assert endpoints.model_base_urls == {family: "http://10.0.0.5:8080"}
    with pytest.raises(UserFacingError) as refused:
        build_model(f"{prefix}:m", "k", endpoints, Timeouts())
    assert refused.value.fix is not None and refused.value.fix.remedy is Remedy.ALLOW_PLAIN_HTTP
    assert refused.value.message.startswith(f"{variable} is plain http:// to another machine")
    # Every other provider's consent does not open it; its own does (nothing connects until a
    # turn is sent).
    others = [other for other in FAMILIES if other != family]
    with pytest.raises(UserFacingError):
        build_model(f"{prefix}:m", "k", endpoints, Timeouts(), plain_http_providers=others)
    build_model(f"{prefix}:m", "k", endpoints, Timeouts(), plain_http_providers=(family,))


def test_a_server_without_a_default_address_needs_one() -> None:
    with pytest.raises(UserFacingError) as refused:
        build_model("openai-compatible:m", "", Endpoints(), Timeouts())
    assert refused.value.message.startswith("No base URL is set for Other OpenAI-compatible")


def test_the_variable_wins_over_the_address_saved_in_settings() -> None:
    endpoints = Endpoints(model_base_urls={"ollama": "http://127.0.0.1:1/v1"})
    model = build_model(
        "ollama:m", "", endpoints, Timeouts(), base_urls={"ollama": "http://127.0.0.1:2/v1"}
    )
    assert str(model.client.base_url) == "http://127.0.0.1:1/v1/"  # type: ignore[attr-defined]
