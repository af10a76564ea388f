"""Pytest fixtures for the loopback fakes (register with `pytest_plugins`)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from tests.fakes.anthropic_server import AnthropicFake
from tests.fakes.gemini_server import GeminiFake
from tests.fakes.harness import FakeServices
from tests.fakes.keyring_backend import InMemoryKeyring
from tests.fakes.openai_server import (
    LOCAL_MODELS,
    OPENROUTER_MODELS,
    TEST_OPENROUTER_KEY,
    OpenAIFake,
)
from tests.fakes.serving import DeadServer, closed_url

FakeServicesFactory = Callable[..., FakeServices]


@pytest.fixture
def memory_keyring() -> Iterator[InMemoryKeyring]:
    """keyring's backend for this test: an `InMemoryKeyring` (the real API, no OS keyring)."""
    import keyring

    previous = keyring.get_keyring()
    backend = InMemoryKeyring()
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(previous)


@pytest.fixture
def fake_services() -> Iterator[FakeServices]:
    """Fresh, started fakes (E2B connected, two seed sandboxes); stopped after the test."""
    with FakeServices() as services:
        yield services


@pytest.fixture
def fake_services_factory() -> Iterator[FakeServicesFactory]:
    """`make(**FakeServices kwargs)` -> started fakes, e.g. `make(e2b_connected=False)`."""
    started: list[FakeServices] = []

    def make(**kwargs: Any) -> FakeServices:
        services = FakeServices(**kwargs).start()
        started.append(services)
        return services

    yield make
    for services in started:
        services.stop()


@pytest.fixture(scope="session")
def _fake_services_for_session() -> Iterator[FakeServices]:
    with FakeServices() as services:
        yield services


@pytest.fixture
def shared_fake_services(_fake_services_for_session: FakeServices) -> FakeServices:
    """Session-wide fakes, reset to a fresh state before each test (faster; same ports)."""
    _fake_services_for_session.reset()
    return _fake_services_for_session


@pytest.fixture
def fake_env(fake_services: FakeServices, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """Sets OPENAI_BASE_URL, COMPOSIO_BASE_URL, the test keys and USER_ID for this test."""
    env = fake_services.env()
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return env


@pytest.fixture
def anthropic_fake() -> Iterator[AnthropicFake]:
    """The Anthropic Messages API on loopback (the same brain as the OpenAI fake)."""
    with AnthropicFake() as fake:
        yield fake


@pytest.fixture
def gemini_fake() -> Iterator[GeminiFake]:
    """Gemini's generateContent API on loopback (the same brain as the OpenAI fake)."""
    with GeminiFake() as fake:
        yield fake


@pytest.fixture
def local_model_fake() -> Iterator[OpenAIFake]:
    """An OpenAI-compatible server as Ollama or LM Studio are: no key, its own model names."""
    with OpenAIFake(models=LOCAL_MODELS, require_key=False) as fake:
        yield fake


@pytest.fixture
def openrouter_fake() -> Iterator[OpenAIFake]:
    """OpenRouter's OpenAI-compatible API: its key, `maker/model` names, `GET /key`."""
    with OpenAIFake(models=OPENROUTER_MODELS, api_keys={TEST_OPENROUTER_KEY}) as fake:
        yield fake


@pytest.fixture
def dead_server() -> Iterator[DeadServer]:
    """A loopback server that accepts connections and never answers."""
    with DeadServer() as server:
        yield server


@pytest.fixture
def unreachable_url() -> str:
    """`http://127.0.0.1:<port>` where nothing listens (connection refused)."""
    return closed_url()
