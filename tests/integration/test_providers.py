"""Every model provider through its real SDK against a loopback fake of its wire format: a whole
turn with a tool call through the Tool Router, then a turn that remembers it; the history kept
across a switch of provider; each provider's own headers, model names and costs."""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass
from decimal import Decimal

import pytest

from desktop.core.agent.events import (
    ToolCallFinished,
    ToolCallStarted,
    TurnEvent,
    TurnFailed,
    TurnFinished,
)
from desktop.core.agent.session import ChatSession
from tests.fakes.anthropic_server import TEST_ANTHROPIC_KEY, AnthropicFake
from tests.fakes.e2b_emulator import SEED_RUNNING_ID
from tests.fakes.gemini_server import TEST_GOOGLE_KEY, GeminiFake
from tests.fakes.harness import FakeServices
from tests.fakes.model_fake import ScriptedModelFake
from tests.fakes.openai_script import RecordedRequest
from tests.fakes.openai_server import TEST_OPENROUTER_KEY, OpenAIFake
from tests.integration.chat_helpers import collect, run
from tests.integration.provider_helpers import every_key, provider_session


@dataclass(frozen=True)
class Case:
    """A provider's model, the fake that plays it, and how the app is pointed at the fake."""

    model: str
    fake: OpenAIFake | ScriptedModelFake
    family: str
    in_settings: bool = False  # the base URL is Settings' (else its variable's)

    @property
    def base_url(self) -> str:
        return self.fake.base_url

    def session(self, services: FakeServices) -> ChatSession:
        where = {self.family: self.base_url}
        if self.in_settings:
            return provider_session(services, self.model, base_urls=where)
        return provider_session(services, self.model, from_environment=where)

    @property
    def requests(self) -> list[RecordedRequest]:
        return self.fake.requests


PROVIDERS = ("anthropic", "google", "openrouter", "ollama", "lmstudio", "openai-compatible")


@pytest.fixture(params=PROVIDERS)
def case(request: pytest.FixtureRequest) -> Case:
    name = request.param
    if name == "anthropic":
        return Case("anthropic:claude-sonnet-4-5", request.getfixturevalue("anthropic_fake"), name)
    if name == "google":
        return Case("google:gemini-2.5-flash", request.getfixturevalue("gemini_fake"), name)
    if name == "openrouter":
        fake = request.getfixturevalue("openrouter_fake")
        return Case("openrouter:anthropic/claude-sonnet-4.5", fake, name)
    local = request.getfixturevalue("local_model_fake")
    if name == "ollama":
        return Case("ollama:llama3.1", local, name)
    if name == "lmstudio":
        return Case("lmstudio:qwen2.5-7b-instruct", local, name, in_settings=True)
    return Case("openai-compatible:qwen2.5:7b", local, name, in_settings=True)


def _two_turns(services: FakeServices, session: ChatSession) -> tuple[list[TurnEvent], ...]:
    async def scenario() -> tuple[list[TurnEvent], list[TurnEvent]]:
        try:
            first = await collect(session, "List my sandboxes")
            return first, await collect(session, "What did I ask before?")
        finally:
            await session.aclose()

    return run(scenario())


def test_a_turn_with_a_tool_call_and_one_that_remembers_it(
    fake_services: FakeServices, case: Case
) -> None:
    first, second = _two_turns(fake_services, case.session(fake_services))
    started = [e for e in first if isinstance(e, ToolCallStarted)]
    finished = [e for e in first if isinstance(e, ToolCallFinished)]
    assert [a.slug for s in started for a in s.actions] == ["E2B_LIST_ALL_SANDBOXES"]
    assert finished[0].outcome == "success"
    end = first[-1]
    assert isinstance(end, TurnFinished), end
    assert SEED_RUNNING_ID in end.text
    assert end.model == case.model and end.usage.tool_calls == 1
    # The E2B action really ran in the emulator, through the Tool Router's MCP endpoint.
    assert [c.name for c in fake_services.composio.tool_calls] == ["COMPOSIO_MULTI_EXECUTE_TOOL"]
    remembered = second[-1]
    assert isinstance(remembered, TurnFinished), remembered
    assert remembered.text == 'You previously asked: "List my sandboxes"'
    # The provider's own fake heard all three requests: the call, its result, the second turn,
    # which carried the first turn's tool call and result.
    assert len(case.requests) == 3
    last = json.dumps(case.requests[-1].json)
    assert "List my sandboxes" in last and SEED_RUNNING_ID in last
    assert fake_services.openai.requests == []  # nothing went to OpenAI


def test_each_provider_is_spoken_to_in_its_own_format(
    fake_services: FakeServices, case: Case
) -> None:
    _two_turns(fake_services, case.session(fake_services))
    request = case.requests[0]
    _prefix, _, name = case.model.partition(":")
    headers = request.headers
    match case.family:
        case "anthropic":
            assert request.path == "/v1/messages"
            assert request.json["model"] == name and request.json["stream"] is True
            assert "anthropic-version" in headers
            assert TEST_ANTHROPIC_KEY in (headers.get("x-api-key", "") + headers["authorization"])
        case "google":
            assert request.path == f"/v1beta/models/{name}:streamGenerateContent"
            assert headers["x-goog-api-key"] == TEST_GOOGLE_KEY
            assert "contents" in request.json
        case "openrouter":
            assert request.path == "/v1/chat/completions"
            assert request.json["model"] == name
            assert headers["authorization"] == f"Bearer {TEST_OPENROUTER_KEY}"
            assert headers["x-title"] == "E2B Agent"  # OpenRouter's attribution header
        case _:
            assert request.path == "/v1/chat/completions"
            assert request.json["model"] == name
            # A local server takes no key: no real key of the user's goes to it.
            assert headers["authorization"] == "Bearer api-key-not-set"


def test_switching_provider_mid_conversation_keeps_the_history(
    fake_services: FakeServices, anthropic_fake: AnthropicFake, local_model_fake: OpenAIFake
) -> None:
    session = provider_session(
        fake_services,
        "anthropic:claude-sonnet-4-5",
        from_environment={
            "anthropic": anthropic_fake.base_url,
            "ollama": local_model_fake.base_url,
        },
    )

    async def scenario() -> tuple[list[TurnEvent], list[TurnEvent]]:
        try:
            first = await collect(session, "List my sandboxes")
            session.use_model("ollama:llama3.1")
            return first, await collect(session, "What did I ask before?")
        finally:
            await session.aclose()

    first, second = run(scenario())
    assert isinstance(first[-1], TurnFinished) and first[-1].model == "anthropic:claude-sonnet-4-5"
    answer = second[-1]
    assert isinstance(answer, TurnFinished) and answer.model == "ollama:llama3.1"
    assert answer.text == 'You previously asked: "List my sandboxes"'
    assert len(anthropic_fake.requests) == 2 and len(local_model_fake.requests) == 1
    # Ollama received Anthropic's turn: the prompt, the tool call and its result.
    messages = local_model_fake.requests[0].json["messages"]
    assert any(m.get("tool_calls") for m in messages)
    assert any(m["role"] == "tool" and SEED_RUNNING_ID in m["content"] for m in messages)


def test_a_priced_model_costs_a_local_one_is_free_and_an_unknown_one_has_no_price(
    fake_services: FakeServices, anthropic_fake: AnthropicFake, local_model_fake: OpenAIFake
) -> None:
    def cost(model: str, family: str, base_url: str) -> Decimal | None:
        session = provider_session(fake_services, model, from_environment={family: base_url})
        first, _ = _two_turns(fake_services, session)
        end = first[-1]
        assert isinstance(end, TurnFinished), end
        return end.usage.cost

    priced = cost("anthropic:claude-sonnet-4-5", "anthropic", anthropic_fake.base_url)
    assert priced is not None and priced > 0
    assert cost("ollama:llama3.1", "ollama", local_model_fake.base_url) == Decimal(0)
    fake_services.composio.tool_calls.clear()
    unknown = provider_session(
        fake_services,
        "openai-compatible:qwen2.5:7b",
        base_urls={"openai-compatible": local_model_fake.base_url},
    )
    first, _ = _two_turns(fake_services, unknown)
    assert isinstance(first[-1], TurnFinished) and first[-1].usage.cost is None


def test_gemini_answers_a_wrong_key_and_the_app_names_it(
    fake_services: FakeServices, gemini_fake: GeminiFake
) -> None:
    session = provider_session(
        fake_services,
        "google:gemini-2.5-flash",
        from_environment={"google": gemini_fake.base_url},
        credentials=dataclasses.replace(every_key(fake_services), google_api_key="AIza-wrong"),
    )
    first, _ = _two_turns(fake_services, session)
    failure = first[-1]
    assert isinstance(failure, TurnFailed)
    assert failure.message.startswith("Google Gemini rejected the API key (400)")
    assert "GOOGLE_API_KEY" in failure.message and "AIza-wrong" not in failure.message
