"""Sessions on each model provider's fake: the keys the fakes take, the endpoints that point the
providers at them."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping

from desktop.core.agent.build import Endpoints
from desktop.core.agent.session import ChatSession
from desktop.core.config.credentials import Credentials
from desktop.core.config.settings import Settings
from desktop.core.router.types import Timeouts
from tests.fakes.anthropic_server import TEST_ANTHROPIC_KEY
from tests.fakes.gemini_server import TEST_GOOGLE_KEY
from tests.fakes.harness import FakeServices
from tests.fakes.openai_server import TEST_OPENROUTER_KEY
from tests.integration.chat_helpers import FAST_TIMEOUTS, credentials_for


def every_key(services: FakeServices) -> Credentials:
    """Each provider's test key, Composio's and the user id."""
    return dataclasses.replace(
        credentials_for(services),
        anthropic_api_key=TEST_ANTHROPIC_KEY,
        google_api_key=TEST_GOOGLE_KEY,
        openrouter_api_key=TEST_OPENROUTER_KEY,
    )


def provider_session(
    services: FakeServices,
    model: str,
    *,
    from_environment: Mapping[str, str] | None = None,
    base_urls: Mapping[str, str] | None = None,
    credentials: Credentials | None = None,
    timeouts: Timeouts = FAST_TIMEOUTS,
    plain_http: tuple[str, ...] = (),
) -> ChatSession:
    """A session on `model`; `from_environment` are the providers' base URLs as their variables
    set them (by family), `base_urls` as Settings saved them; `plain_http`: the families the
    user let be plain http on another machine."""
    settings = Settings(
        user_id=services.user_id,
        model=model,
        base_urls=dict(base_urls or {}),
        plain_http_model_providers=plain_http,
    )
    endpoints = Endpoints(
        services.openai_base_url, services.composio_base_url, dict(from_environment or {})
    )
    return ChatSession(settings, credentials or every_key(services), endpoints, timeouts)
