"""Settings' Test connection against the fakes: each service checked by name, no token spent."""

from __future__ import annotations

import pytest

from desktop.core.agent.build import Endpoints
from desktop.core.agent.probe import check_services
from desktop.core.agent.service_check import ConnectionReport
from desktop.core.config.secrets import SecretName
from desktop.core.config.settings import Settings
from tests.fakes.harness import FakeServices
from tests.fakes.serving import DeadServer, closed_url
from tests.integration.chat_helpers import FAST_TIMEOUTS, run


def check(
    services: FakeServices,
    *,
    openai_key: str | None = None,
    composio_key: str | None = None,
    model: str = "openai:gpt-5",
    openai_base_url: str | None = None,
    plain_http: tuple[str, ...] = (),
) -> ConnectionReport:
    keys = {
        SecretName.OPENAI_API_KEY: openai_key or services.openai_api_key,
        SecretName.COMPOSIO_API_KEY: composio_key or services.composio_api_key,
    }
    endpoints = Endpoints(openai_base_url or services.openai_base_url, services.composio_base_url)
    settings = Settings(
        user_id=services.user_id, model=model, plain_http_model_providers=plain_http
    )
    return run(check_services(settings, keys, endpoints, FAST_TIMEOUTS))


def model_server(services: FakeServices) -> str:
    return f"Model server ({services.openai_base_url.split('/')[2]})"


def test_a_wrong_openai_key_is_named_and_no_token_is_spent(fake_services: FakeServices) -> None:
    report = check(fake_services, openai_key="sk-wrong-key-0000")
    sentences = [c.sentence for c in report.checks]
    assert sentences[0] == f"{model_server(fake_services)}: the key was refused (401)."
    assert sentences[1] == "Composio: connected."
    assert sentences[2].startswith("Tool Router: ") and sentences[2].endswith(" tools.")
    assert not report.ok
    assert [c.outcome for c in report.checks] == ["failed", "ok", "ok"]
    # The model list was asked with the key typed; no chat or response was requested.
    (listed,) = fake_services.openai.model_lists
    assert listed.headers["authorization"] == "Bearer sk-wrong-key-0000"
    assert fake_services.openai.requests == []
    assert "sk-wrong-key-0000" not in report.text()


def test_the_right_keys_pass_every_check(fake_services: FakeServices) -> None:
    report = check(fake_services)
    assert report.ok, report.text()
    assert report.checks[0].sentence == (
        f"{model_server(fake_services)}: connected (gpt-5 is available)."
    )
    assert report.checks[2].tool_names == report.tool_names
    assert f"Tool Router: {len(report.tool_names)} tools." == report.checks[2].sentence
    assert "COMPOSIO_MULTI_EXECUTE_TOOL" in report.tool_names
    assert fake_services.openai.requests == []


def test_a_wrong_composio_key_leaves_the_tool_router_unchecked(
    fake_services: FakeServices,
) -> None:
    report = check(fake_services, composio_key="wrong-composio-key")
    assert [c.sentence for c in report.checks[1:]] == [
        "Composio: the key was refused.",
        "Tool Router: not checked (it needs a Composio session).",
    ]
    assert report.checks[0].outcome == "ok"
    assert [c.outcome for c in report.checks[1:]] == ["failed", "not_checked"]


def test_a_model_the_key_cannot_use_is_named(fake_services: FakeServices) -> None:
    report = check(fake_services, model="openai-chat:gpt-9-imaginary")
    assert report.checks[0].sentence == (
        f"{model_server(fake_services)}: the key works, but gpt-9-imaginary is not among its "
        "4 models."
    )
    assert fake_services.openai.requests == []


def test_an_unreachable_or_silent_model_server_is_reported_in_time(
    fake_services: FakeServices, dead_server: DeadServer
) -> None:
    closed = closed_url()
    report = check(fake_services, openai_base_url=f"{closed}/v1")
    model = report.checks[0]
    assert model.outcome == "failed"
    assert "Could not reach" in model.detail and closed.split("/")[2] in model.detail
    assert report.checks[1].outcome == "ok"  # the others are still checked

    silent = check(fake_services, openai_base_url=f"{dead_server.base_url}/v1")
    assert silent.checks[0].outcome == "failed"
    assert f"did not answer within {FAST_TIMEOUTS.model_list:g} s" in silent.checks[0].detail


@pytest.mark.parametrize("plain_http", [(), ("ollama", "lmstudio", "openai-compatible")])
def test_the_key_never_goes_over_plain_http_to_another_machine(
    fake_services: FakeServices, plain_http: tuple[str, ...]
) -> None:
    """Not without consent, and not on the consent given for other providers."""
    report = check(
        fake_services, openai_base_url="http://192.0.2.10:11434/v1", plain_http=plain_http
    )
    assert report.checks[0].sentence == (
        "Model server (192.0.2.10:11434): the key was not sent: OPENAI_BASE_URL is plain "
        "http:// to another machine, which needs your consent for OpenAI (the plain-http "
        "switch in Settings)."
    )


@pytest.mark.parametrize("missing", ["openai", "composio"])
def test_a_missing_key_is_said_per_service(fake_services: FakeServices, missing: str) -> None:
    keys = {
        SecretName.OPENAI_API_KEY: fake_services.openai_api_key,
        SecretName.COMPOSIO_API_KEY: fake_services.composio_api_key,
    }
    del keys[SecretName.OPENAI_API_KEY if missing == "openai" else SecretName.COMPOSIO_API_KEY]
    endpoints = Endpoints(fake_services.openai_base_url, fake_services.composio_base_url)
    settings = Settings(user_id=fake_services.user_id)
    report = run(check_services(settings, keys, endpoints, FAST_TIMEOUTS))
    index = 0 if missing == "openai" else 1
    assert report.checks[index].detail == "no key is set"
    assert fake_services.openai.requests == []


def test_the_fake_answers_the_model_list_as_openai_does(fake_services: FakeServices) -> None:
    """What the check relies on, seen through the real openai SDK: the list for a good key,
    401 `invalid_api_key` in OpenAI's error body for a wrong one."""
    import openai

    async def listing(key: str) -> list[str]:
        async with openai.AsyncOpenAI(
            api_key=key, base_url=fake_services.openai_base_url, max_retries=0, timeout=10
        ) as client:
            return [model.id async for model in client.models.list()]

    assert "gpt-5" in run(listing(fake_services.openai_api_key))
    with pytest.raises(openai.AuthenticationError) as refused:
        run(listing("sk-wrong-key-0000"))
    assert refused.value.status_code == 401
    assert refused.value.code == "invalid_api_key"
    assert refused.value.body == {
        "message": "Incorrect API key provided: sk-wr******0000. You can find your API key at "
        "https://platform.openai.com/account/api-keys.",
        "type": "invalid_request_error",
        "param": None,
        "code": "invalid_api_key",
    }
    assert len(fake_services.openai.model_lists) == 2
    assert fake_services.openai.requests == []
