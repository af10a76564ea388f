"""Builds the Pydantic AI agent: the model from Settings and the Tool Router's MCP toolset."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from desktop.core.agent.connect_links import ComposioHosts
from desktop.core.errors import ErrorKind, Fix, Remedy, UserFacingError, endpoint_problem
from desktop.core.router.transport import (
    key_may_travel_to,
    key_route_problem,
    new_model_http_client,
)
from desktop.core.router.types import Timeouts

if TYPE_CHECKING:
    from pydantic_ai import Agent
    from pydantic_ai.models import Model
    from pydantic_ai.toolsets import AbstractToolset


@dataclass(frozen=True)
class Endpoints:
    """Where the remote services live; None means the SDK's default (the real service)."""

    openai_base_url: str | None = None
    composio_base_url: str | None = None

    @classmethod
    def from_environ(cls, environ: dict[str, str] | None = None) -> Endpoints:
        import os

        env = os.environ if environ is None else environ
        return cls(
            openai_base_url=env.get("OPENAI_BASE_URL") or None,
            composio_base_url=env.get("COMPOSIO_BASE_URL") or None,
        )

    @property
    def composio_hosts(self) -> ComposioHosts:
        """Composio's own hosts for this run (the Connect Links' rule)."""
        return ComposioHosts(self.composio_base_url)


def model_endpoint_refusal(url: str, *, plain_http_allowed: bool) -> UserFacingError | None:
    """Why the OpenAI key may not go to `url` (OPENAI_BASE_URL), or None when it may. Plain
    http to another machine (a LAN Ollama) needs the user's consent, `plain_http_allowed`."""
    refusal = endpoint_problem("OPENAI_BASE_URL", url)
    if refusal is not None:
        return refusal
    problem = key_route_problem(url, plain_http_allowed=plain_http_allowed)
    if problem is None:
        return None
    if key_may_travel_to(url, plain_http_allowed=True):  # only the user's consent is missing
        return UserFacingError.fixable(
            ErrorKind.BAD_INPUT,
            Fix(
                Remedy.ALLOW_PLAIN_HTTP,
                f"OPENAI_BASE_URL is {problem}: the OpenAI key and the conversation would "
                "travel unencrypted, so nothing was sent",
            ),
        )
    return UserFacingError(
        ErrorKind.BAD_INPUT,
        f"OPENAI_BASE_URL is not a usable address ({problem}): correct or unset it, then "
        "restart the app.",
    )


def build_model(
    model: str,
    api_key: str,
    endpoints: Endpoints,
    timeouts: Timeouts,
    *,
    plain_http_allowed: bool = False,
) -> Model:
    """The model object, built once the key is known (never from the process environment).
    `plain_http_allowed`: the user's consent to a plain-http model server on another machine."""
    import openai
    from pydantic_ai.models.openai import OpenAIChatModel, OpenAIResponsesModel
    from pydantic_ai.providers.openai import OpenAIProvider

    # Here, not at the top: Endpoints is needed before the first paint, pydantic is not.
    from desktop.core.config.settings import model_problem

    problem = model_problem(model)
    if problem:
        raise UserFacingError(ErrorKind.BAD_INPUT, problem)
    if endpoints.openai_base_url is not None:
        refusal = model_endpoint_refusal(
            endpoints.openai_base_url, plain_http_allowed=plain_http_allowed
        )
        if refusal is not None:
            raise refusal
    provider_name, _, model_name = model.strip().partition(":")
    # The SDK's own request transform walks the whole history once per union member on every
    # request (0.4 s of CPU per request at turn 200, openai-python#3616); this client sends the
    # same bytes without that walk (see `request_cost`).
    from desktop.core.agent.request_cost import PlainBodyAsyncOpenAI

    client = PlainBodyAsyncOpenAI(
        api_key=api_key,
        base_url=endpoints.openai_base_url,
        timeout=openai.Timeout(timeouts.model_read, connect=timeouts.model_connect),
        # The SDK's silent retries honour Retry-After and can stall a turn for many seconds
        # with nothing on screen; a rate limit is reported to the user at once instead.
        max_retries=0,
        # Loopback past any proxy of the environment (`router.transport`); closed with the
        # SDK's client.
        http_client=new_model_http_client(),
    )
    provider = OpenAIProvider(openai_client=client)
    if provider_name == "openai-chat":
        return OpenAIChatModel(model_name, provider=provider)
    return OpenAIResponsesModel(model_name, provider=provider)


def build_agent(
    model: Model, toolset: AbstractToolset[None], instructions: str
) -> Agent[None, str]:
    import pydantic_ai
    from pydantic_ai import Agent
    from pydantic_ai.capabilities import ProcessHistory

    from desktop.core.agent.code_runs import WHERE_CODE_RUNS_INSTRUCTION
    from desktop.core.agent.lone_surrogates import clean_history

    # The app owns its output: no first-run banner in the terminal mode or the log.
    pydantic_ai.BANNER_ENABLED = False

    return Agent(
        model,
        toolsets=[toolset],
        # The user's instructions, then where code runs: the app's own fact, not theirs to lose.
        instructions="\n\n".join(filter(None, [instructions.strip(), WHERE_CODE_RUNS_INSTRUCTION])),
        output_type=str,
        # A lone surrogate in a reply or a tool result cannot be encoded in a request.
        capabilities=[ProcessHistory(clean_history)],
    )
