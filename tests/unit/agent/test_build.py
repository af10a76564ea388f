"""The agent builder checks the model string with the settings' own check."""

from __future__ import annotations

import pytest

from desktop.core.agent.build import Endpoints, build_model
from desktop.core.config.settings import model_problem
from desktop.core.errors import ErrorKind, UserFacingError
from desktop.core.router.types import Timeouts


@pytest.mark.parametrize("model", ["anthropic:claude-sonnet", "gpt-5", "openai:"])
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
