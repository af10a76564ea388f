"""Builds the Pydantic AI agent: the model from Settings and the Tool Router's MCP toolset."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from desktop.core.agent.connect_links import ComposioHosts
from desktop.core.config.providers import (
    MODEL_SHAPE_PROBLEM,
    PROVIDERS,
    ProviderSpec,
    model_problem,
    provider_of,
    split_model,
)
from desktop.core.errors import (
    ErrorKind,
    Fix,
    Remedy,
    UserFacingError,
    endpoint_problem,
    quoted,
)
from desktop.core.router.transport import key_may_travel_to, key_route_problem
from desktop.core.router.types import Timeouts

if TYPE_CHECKING:
    import httpx2
    from pydantic_ai import Agent
    from pydantic_ai.models import Model
    from pydantic_ai.toolsets import AbstractToolset

    from desktop.core.config.settings import Settings


@dataclass(frozen=True)
class Endpoints:
    """Where the remote services live; None means the SDK's default (the real service).
    `model_base_urls`: the other model providers' servers, by provider family, as their
    environment variables name them (`ANTHROPIC_BASE_URL`, `OLLAMA_BASE_URL`...)."""

    openai_base_url: str | None = None
    composio_base_url: str | None = None
    model_base_urls: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def from_environ(cls, environ: Mapping[str, str] | None = None) -> Endpoints:
        import os

        env = os.environ if environ is None else environ
        others = {
            spec.family: env[spec.base_url_variable]
            for spec in PROVIDERS
            if spec.family != "openai"
            and spec.base_url_variable
            and env.get(spec.base_url_variable, "").strip()
        }
        return cls(
            openai_base_url=env.get("OPENAI_BASE_URL") or None,
            composio_base_url=env.get("COMPOSIO_BASE_URL") or None,
            model_base_urls=others,
        )

    @property
    def composio_hosts(self) -> ComposioHosts:
        """Composio's own hosts for this run (the Connect Links' rule)."""
        return ComposioHosts(self.composio_base_url)

    def from_environment(self, spec: ProviderSpec) -> str | None:
        """The base URL `spec`'s variable sets for this run, or None."""
        if spec.family == "openai":
            return self.openai_base_url
        return self.model_base_urls.get(spec.family)


@dataclass(frozen=True)
class ModelEndpoint:
    """Where a model's requests go: `url` (None: the provider's own service, as its SDK knows
    it), and what set it, for sentences: the variable, or Settings' field."""

    url: str | None
    named_by: str


def model_endpoint(
    spec: ProviderSpec, endpoints: Endpoints, base_urls: Mapping[str, str] | None = None
) -> ModelEndpoint:
    """The variable wins over the URL saved in Settings, which wins over the default."""
    from_environment = endpoints.from_environment(spec)
    if from_environment:
        return ModelEndpoint(from_environment, spec.base_url_variable or "the base URL")
    saved = (base_urls or {}).get(spec.family)
    if saved:
        return ModelEndpoint(saved, f"The base URL for {spec.label} in Settings")
    return ModelEndpoint(spec.default_base_url, f"The address of {spec.service}")


def model_endpoint_refusal(
    url: str,
    spec: ProviderSpec,
    *,
    plain_http_providers: Collection[str],
    named_by: str = "OPENAI_BASE_URL",
) -> UserFacingError | None:
    """Why `spec`'s requests may not go to `url` (named by `named_by`), or None when they may:
    the one rule of the model's address. Plain http to another machine (a LAN Ollama) needs
    the user's consent for that provider, its family among `plain_http_providers`: consent
    given for one provider never carries another's key in clear."""
    refusal = endpoint_problem(named_by, url)
    if refusal is not None:
        return refusal
    problem = key_route_problem(url, plain_http_allowed=spec.family in plain_http_providers)
    if problem is None:
        return None
    if key_may_travel_to(url, plain_http_allowed=True):  # only the user's consent is missing
        return UserFacingError.fixable(
            ErrorKind.BAD_INPUT,
            Fix(
                Remedy.ALLOW_PLAIN_HTTP,
                f"{named_by} is {problem}: {what_travels(spec)} would travel unencrypted, so "
                "nothing was sent",
                provider=spec.family,
            ),
        )
    return UserFacingError(
        ErrorKind.BAD_INPUT,
        f"{named_by} is not a usable address ({problem}): correct or unset it, then "
        "restart the app.",
    )


def what_travels(spec: ProviderSpec) -> str:
    """What a request to `spec`'s server carries, for a refusal's sentence."""
    if spec.key is None:
        return "the conversation"
    return f"the {spec.service} key and the conversation"


def build_model(
    model: str,
    api_key: str | None,
    endpoints: Endpoints,
    timeouts: Timeouts,
    *,
    plain_http_providers: Collection[str] = (),
    base_urls: Mapping[str, str] | None = None,
    http_client: httpx2.AsyncClient | None = None,
) -> Model:
    """The model object, built once the key is known (never from the process environment).
    `plain_http_providers`: the provider families the user let be plain http on another
    machine (`model_endpoint_refusal`); `base_urls`: the servers saved in Settings, by provider
    family; `http_client`: the SDK's client (`router.transport.new_model_http_client`), which
    the caller closes (without one, a new one, closed with the SDK's client)."""
    # Here, not at the top: Endpoints is needed before the first paint, the SDKs are not.
    from desktop.core.agent.model_clients import new_model

    problem = model_problem(model)
    spec = provider_of(model)
    if problem or spec is None:
        raise UserFacingError(ErrorKind.BAD_INPUT, problem or MODEL_SHAPE_PROBLEM)
    endpoint = model_endpoint(spec, endpoints, base_urls)
    if endpoint.url is None:
        raise UserFacingError.fixable(
            ErrorKind.BAD_INPUT,
            Fix(Remedy.CHOOSE_MODEL, f"No base URL is set for {spec.label}"),
        )
    refusal = model_endpoint_refusal(
        endpoint.url,
        spec,
        plain_http_providers=plain_http_providers,
        named_by=endpoint.named_by,
    )
    if refusal is not None:
        raise refusal
    _prefix, name = split_model(model)
    if http_client is None:
        from desktop.core.router.transport import new_model_http_client

        http_client = new_model_http_client(timeouts.model_read, timeouts.model_connect)
    from pydantic_ai.exceptions import UserError

    try:
        return new_model(spec, name, api_key or "", endpoint.url, timeouts, http_client)
    except UserError as exc:  # a name the provider's own rules refuse
        raise UserFacingError(ErrorKind.BAD_INPUT, quoted(str(exc), [api_key or ""])) from exc


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


async def open_model(
    model: str, api_key: str | None, endpoints: Endpoints, timeouts: Timeouts, settings: Settings
) -> tuple[Model, httpx2.AsyncClient]:
    """`build_model` for `settings`, on a client of its own (`new_model_http_client`: no proxy
    for loopback, no redirects) that the caller closes with the model."""
    from desktop.core.router.transport import new_model_http_client

    http = new_model_http_client(timeouts.model_read, timeouts.model_connect)
    try:
        built = build_model(
            model,
            api_key,
            endpoints,
            timeouts,
            plain_http_providers=settings.plain_http_model_providers,
            base_urls=settings.base_urls,
            http_client=http,
        )
    except BaseException:
        await http.aclose()
        raise
    return built, http
