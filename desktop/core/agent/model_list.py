"""The model provider's check for Settings' "Test connection": its model list, which costs no
tokens, asked with the key. One entry per wire format (`MODEL_PROVIDERS`): OpenAI-compatible
servers answer `GET {base}/models` with `{"data": [{"id": ...}]}` (401 for a wrong key),
Anthropic `GET /v1/models` (`x-api-key`), Gemini `GET /v1beta/models` (`x-goog-api-key`, 400
for a wrong key), OpenRouter its model list and `GET /key` (the list itself needs no key)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from pydantic import BaseModel, ValidationError

from desktop.core.agent.build import model_endpoint_refusal
from desktop.core.agent.model_errors import model_remote
from desktop.core.agent.service_check import ServiceCheck
from desktop.core.config.providers import BY_PREFIX, ProviderSpec, Wire, family_label
from desktop.core.errors import ErrorKind, host_of, quoted
from desktop.core.router.http import request_failure

if TYPE_CHECKING:
    import httpx

log = logging.getLogger(__name__)

OPENAI_DEFAULT_BASE_URL = BY_PREFIX["openai"].default_base_url
ANTHROPIC_VERSION = "2023-06-01"  # the Messages API version the anthropic SDK sends


@dataclass(frozen=True)
class ModelTarget:
    """What the check asks about: `model` of `provider` (the halves of "openai:gpt-5"), with
    `api_key` ("" for a server that takes none), at `base_url`, which `named_by` set;
    `plain_http_providers`: the families the user let be plain http on another machine."""

    provider: str
    model: str
    api_key: str
    base_url: str
    plain_http_providers: tuple[str, ...] = ()
    named_by: str = "OPENAI_BASE_URL"

    @property
    def spec(self) -> ProviderSpec:
        return BY_PREFIX[self.provider]


ModelListCheck = Callable[[ModelTarget, "httpx.AsyncClient", float], Awaitable[ServiceCheck]]


def service_for(spec: ProviderSpec, base_url: str | None) -> str:
    """How the report names the provider: itself at its own address (a local server always:
    its failures say where), else by host."""
    if spec.local:
        return spec.service
    if spec.default_base_url is None or base_url is None:
        return f"Model server ({host_of(base_url, spec.service)})" if base_url else spec.service
    default_host = host_of(spec.default_base_url, spec.service)
    host = host_of(base_url, default_host)
    if host == default_host:
        return spec.service
    return f"Model server ({host})" if spec.family == "openai" else f"{spec.service} ({host})"


class _Model(BaseModel):
    id: str


class _ModelList(BaseModel):
    data: list[_Model]


class _GeminiModel(BaseModel):
    name: str


class _GeminiModelList(BaseModel):
    models: list[_GeminiModel] = []


def _ids_of_data(content: bytes) -> list[str]:
    return [model.id for model in _ModelList.model_validate_json(content).data]


def _ids_of_gemini(content: bytes) -> list[str]:
    return [
        m.name.removeprefix("models/") for m in _GeminiModelList.model_validate_json(content).models
    ]


def offers(ids: list[str], model: str) -> bool:
    """The list names `model`, or a tag of it ("llama3" and "llama3:latest", as Ollama lists)."""
    return any(i == model or i.startswith(f"{model}:") for i in ids)


def _refused_key(response: httpx.Response) -> bool:
    if response.status_code in (401, 403):
        return True
    # Gemini answers a wrong key with 400 INVALID_ARGUMENT and the reason API_KEY_INVALID.
    return response.status_code == 400 and "API_KEY_INVALID" in response.text


def _failure(response: httpx.Response, target: ModelTarget) -> str | None:
    """What an answer other than the list says, or None for a 200."""
    status = response.status_code
    if _refused_key(response):
        return f"the key was refused ({status})"
    if status == 404:
        return f"has no model list at this address (404): check {target.named_by}"
    if status == 429:
        return "is rate limiting this key (429): try again in a moment"
    if status >= 500:
        return f"had a server error ({status}): try again in a moment"
    if status != 200:
        body = quoted(response.text, [target.api_key], limit=120)
        return f"refused the request ({status}){f': {body}' if body else ''}"
    return None


def _listed(
    response: httpx.Response, target: ModelTarget, ids_of: Callable[[bytes], list[str]]
) -> ServiceCheck:
    service = service_for(target.spec, target.base_url)
    failure = _failure(response, target)
    if failure is not None:
        return ServiceCheck.failed(service, failure)
    try:
        ids = ids_of(response.content)
    except ValidationError:
        return ServiceCheck.failed(
            service, f"answered, but not with a model list: check {target.named_by}"
        )
    works = "the key works" if target.api_key else "it answers"
    if not offers(ids, target.model):
        detail = f"{works}, but {target.model} is not among its {len(ids)} models"
        return ServiceCheck(service, "failed", detail, models=tuple(ids))
    return ServiceCheck.ok(service, f"connected ({target.model} is available)", models=tuple(ids))


async def _get(
    target: ModelTarget,
    http: httpx.AsyncClient,
    seconds: float,
    path: str,
    headers: Mapping[str, str],
) -> httpx.Response | ServiceCheck:
    """The answer to `GET {base}{path}`, or the check's failure (refused before it was sent,
    unreachable, silent)."""
    spec = target.spec
    service = service_for(spec, target.base_url)
    base = target.base_url.rstrip("/")
    refusal = model_endpoint_refusal(
        base, spec, plain_http_providers=target.plain_http_providers, named_by=target.named_by
    )
    if refusal is not None and refusal.fix is None:  # not a usable address
        return ServiceCheck.failed(service, refusal.message)
    if refusal is not None:  # plain http elsewhere, without the consent for this provider
        sent = "the key was not sent" if target.api_key else "nothing was sent"
        return ServiceCheck.failed(
            service,
            f"{sent}: {target.named_by} is plain http:// to another machine, which needs your "
            f"consent for {family_label(spec.family)} (the plain-http switch in Settings)",
        )
    try:
        async with asyncio.timeout(seconds + 1):  # the request's own bound is per read
            return await http.get(f"{base}{path}", headers=dict(headers), timeout=seconds)
    except Exception as exc:
        log.info("model list check failed: %s", quoted(repr(exc), [target.api_key], limit=300))
        where = host_of(base, service)
        failure = request_failure(exc, model_remote(spec, base), seconds)
        if failure is None:
            return ServiceCheck.failed(service, f"the check failed ({type(exc).__name__})")
        if spec.not_running and failure.kind is ErrorKind.UNREACHABLE:
            return ServiceCheck.failed(service, f"not running on {where}: {spec.not_running}")
        return ServiceCheck.from_error(service, failure)


def _bearer(target: ModelTarget) -> dict[str, str]:
    headers = {"accept": "application/json"}
    if target.api_key:
        headers["authorization"] = f"Bearer {target.api_key}"
    return headers


async def openai_compatible(
    target: ModelTarget, http: httpx.AsyncClient, seconds: float
) -> ServiceCheck:
    """`GET {base}/models` with the key as a bearer token; never a chat or a response."""
    answer = await _get(target, http, seconds, "/models", _bearer(target))
    return answer if isinstance(answer, ServiceCheck) else _listed(answer, target, _ids_of_data)


async def anthropic_models(
    target: ModelTarget, http: httpx.AsyncClient, seconds: float
) -> ServiceCheck:
    """Anthropic's `GET /v1/models` with `x-api-key`, as its SDK sends it."""
    headers = {
        "x-api-key": target.api_key,
        "anthropic-version": ANTHROPIC_VERSION,
        "accept": "application/json",
    }
    answer = await _get(target, http, seconds, "/v1/models?limit=1000", headers)
    return answer if isinstance(answer, ServiceCheck) else _listed(answer, target, _ids_of_data)


async def gemini_models(
    target: ModelTarget, http: httpx.AsyncClient, seconds: float
) -> ServiceCheck:
    """Gemini's `GET /v1beta/models` with `x-goog-api-key`, as google-genai sends it."""
    headers = {"x-goog-api-key": target.api_key, "accept": "application/json"}
    answer = await _get(target, http, seconds, "/v1beta/models?pageSize=1000", headers)
    return answer if isinstance(answer, ServiceCheck) else _listed(answer, target, _ids_of_gemini)


async def openrouter_models(
    target: ModelTarget, http: httpx.AsyncClient, seconds: float
) -> ServiceCheck:
    """OpenRouter lists its models to anyone: its `GET /key` says whether the key works."""
    key = await _get(target, http, seconds, "/key", _bearer(target))
    if isinstance(key, ServiceCheck):
        return key
    failure = _failure(key, target)
    if failure is not None:
        return ServiceCheck.failed(service_for(target.spec, target.base_url), failure)
    return await openai_compatible(target, http, seconds)


MODEL_PROVIDERS: Mapping[Wire, ModelListCheck] = {
    "openai-responses": openai_compatible,
    "openai-chat": openai_compatible,
    "ollama": openai_compatible,
    "anthropic": anthropic_models,
    "google": gemini_models,
    "openrouter": openrouter_models,
}
"""How each wire format's provider is checked (`providers.PROVIDERS` names each one's)."""
