"""Each provider's Pydantic AI model on its SDK's client, built the one way: the app's httpx2
client (`router.transport.new_model_http_client`: loopback past proxies, no redirects), the
app's timeouts, and no silent retries (a rate limit is reported at once, not waited out).

Imports the SDKs: import this module only where the agent is built (off the first paint).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, assert_never

from desktop.core.config.providers import ProviderSpec
from desktop.core.router.types import Timeouts

if TYPE_CHECKING:
    import httpx2
    import openai
    from pydantic_ai.models import Model

APP_TITLE = "E2B Agent"
"""How OpenRouter's attribution header names the app (`X-Title`, as Pydantic AI sends it)."""
NO_KEY = "api-key-not-set"
"""What the openai SDK is given for a server that takes no key (it insists on one), as
Pydantic AI's own Ollama provider does."""


def _openai_client(
    api_key: str,
    base_url: str,
    timeouts: Timeouts,
    http: httpx2.AsyncClient,
    headers: dict[str, str] | None = None,
) -> openai.AsyncOpenAI:
    import openai

    # The SDK's own request transform walks the whole history once per union member on every
    # request (0.4 s of CPU per request at turn 200, openai-python#3616); this client sends the
    # same bytes without that walk (see `request_cost`).
    from desktop.core.agent.request_cost import PlainBodyAsyncOpenAI

    return PlainBodyAsyncOpenAI(
        api_key=api_key or NO_KEY,
        base_url=base_url,
        timeout=openai.Timeout(timeouts.model_read, connect=timeouts.model_connect),
        # The SDK's silent retries honour Retry-After and can stall a turn for many seconds
        # with nothing on screen; a rate limit is reported to the user at once instead.
        max_retries=0,
        default_headers=headers,
        http_client=http,
    )


def new_model(
    spec: ProviderSpec,
    name: str,
    api_key: str,
    base_url: str,
    timeouts: Timeouts,
    http: httpx2.AsyncClient,
) -> Model:
    """`name` of `spec` at `base_url` (checked by the caller), on `http`."""
    match spec.wire:
        case "openai-responses" | "openai-chat":
            from pydantic_ai.models.openai import OpenAIChatModel, OpenAIResponsesModel
            from pydantic_ai.providers.openai import OpenAIProvider
            from pydantic_ai.providers.openai_compatible import OpenAICompatibleProvider

            client = _openai_client(api_key, base_url, timeouts, http)
            if spec.family != "openai":  # LM Studio, another server: never sent OpenAI's data
                compatible = OpenAICompatibleProvider(spec.prefix, openai_client=client)
                return OpenAIChatModel(name, provider=compatible)
            provider = OpenAIProvider(openai_client=client)
            if spec.wire == "openai-chat":
                return OpenAIChatModel(name, provider=provider)
            return OpenAIResponsesModel(name, provider=provider)
        case "openrouter":
            from pydantic_ai.models.openrouter import OpenRouterModel
            from pydantic_ai.providers.openrouter import OpenRouterProvider

            client = _openai_client(api_key, base_url, timeouts, http, {"X-Title": APP_TITLE})
            return OpenRouterModel(name, provider=OpenRouterProvider(openai_client=client))
        case "ollama":
            from pydantic_ai.models.ollama import OllamaModel
            from pydantic_ai.providers.ollama import OllamaProvider

            client = _openai_client(api_key, base_url, timeouts, http)
            return OllamaModel(name, provider=OllamaProvider(openai_client=client))
        case "anthropic":
            import anthropic
            from pydantic_ai.models.anthropic import AnthropicModel
            from pydantic_ai.providers.anthropic import AnthropicProvider

            anthropic_client = anthropic.AsyncAnthropic(
                api_key=api_key,
                base_url=base_url,
                timeout=anthropic.Timeout(timeouts.model_read, connect=timeouts.model_connect),
                max_retries=0,  # as for OpenAI: a 429 or a 529 is reported, not waited out
                http_client=http,
            )
            return AnthropicModel(
                name, provider=AnthropicProvider(anthropic_client=anthropic_client)
            )
        case "google":
            from pydantic_ai.models.google import GoogleModel
            from pydantic_ai.providers.google import GoogleProvider

            # No `retry_options`: google-genai then tries each request once. The request's
            # timeout is the client's read timeout.
            google = GoogleProvider(api_key=api_key, http_client=http, base_url=base_url)
            return GoogleModel(name, provider=google)
        case _:
            assert_never(spec.wire)
