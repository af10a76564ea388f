"""The model provider's check for Settings' "Test connection": its model list, which costs no
tokens, asked with the key. One entry per provider (`MODEL_PROVIDERS`): OpenAI-compatible
servers answer `GET {base}/models` with `{"data": [{"id": ...}]}` (401 for a wrong key)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from pydantic import BaseModel, ValidationError

from desktop.core.agent.service_check import ServiceCheck
from desktop.core.errors import Remote, Service, endpoint_problem, host_of, quoted
from desktop.core.router.http import request_failure
from desktop.core.router.transport import key_may_travel_to

if TYPE_CHECKING:
    import httpx

log = logging.getLogger(__name__)

OPENAI_DEFAULT_BASE_URL = "https://api.openai.com/v1"


@dataclass(frozen=True)
class ModelTarget:
    """What the check asks about: `model` of `provider` (the halves of "openai:gpt-5"), with
    `api_key`, at `base_url` (None: the provider's own service)."""

    provider: str
    model: str
    api_key: str
    base_url: str | None
    plain_http_allowed: bool = False  # the user's opt-in for a plain-http server elsewhere


ModelListCheck = Callable[[ModelTarget, "httpx.AsyncClient", float], Awaitable[ServiceCheck]]


@dataclass(frozen=True)
class ModelProvider:
    """How one provider is checked: `service` names it in the report (`name_for`)."""

    service: str
    default_base_url: str
    base_url_variable: str
    check: ModelListCheck

    def name_for(self, base_url: str | None) -> str:
        default_host = host_of(self.default_base_url, self.service)
        host = host_of(base_url, default_host)
        return self.service if host == default_host else f"Model server ({host})"


class _Model(BaseModel):
    id: str


class _ModelList(BaseModel):
    data: list[_Model]


def offers(ids: list[str], model: str) -> bool:
    """The list names `model`, or a tag of it ("llama3" and "llama3:latest", as Ollama lists)."""
    return any(i == model or i.startswith(f"{model}:") for i in ids)


def _answer(response: httpx.Response, target: ModelTarget, variable: str) -> tuple[bool, str]:
    status = response.status_code
    if status in (401, 403):
        return False, f"the key was refused ({status})"
    if status == 404:
        return False, f"has no model list at this address (404): check {variable}"
    if status == 429:
        return False, "is rate limiting this key (429): try again in a moment"
    if status >= 500:
        return False, f"had a server error ({status}): try again in a moment"
    if status != 200:
        body = quoted(response.text, [target.api_key], limit=120)
        return False, f"refused the request ({status}){f': {body}' if body else ''}"
    try:
        ids = [model.id for model in _ModelList.model_validate_json(response.content).data]
    except ValidationError:
        return False, f"answered, but not with a model list: check {variable}"
    if not offers(ids, target.model):
        return False, f"the key works, but {target.model} is not among its {len(ids)} models"
    return True, f"connected ({target.model} is available)"


async def openai_compatible(
    target: ModelTarget, http: httpx.AsyncClient, seconds: float
) -> ServiceCheck:
    """`GET {base}/models` with the key as a bearer token; never a chat or a response."""
    provider = MODEL_PROVIDERS[target.provider]
    service = provider.name_for(target.base_url)
    variable = provider.base_url_variable
    base = (target.base_url or provider.default_base_url).rstrip("/")
    refusal = endpoint_problem(variable, base)
    if refusal is not None:
        return ServiceCheck.failed(service, refusal.message)
    if not key_may_travel_to(base, plain_http_allowed=target.plain_http_allowed):
        return ServiceCheck.failed(
            service,
            f"the key was not sent: {variable} is plain http:// to another machine, and keys "
            "travel only over https:// (or to this machine)",
        )
    headers = {"authorization": f"Bearer {target.api_key}", "accept": "application/json"}
    try:
        async with asyncio.timeout(seconds + 1):  # the request's own bound is per read
            response = await http.get(f"{base}/models", headers=headers, timeout=seconds)
    except Exception as exc:
        log.info("model list check failed: %s", quoted(repr(exc), [target.api_key], limit=300))
        own = service == provider.service  # the provider's own API: named, not "the model server"
        remote = Remote(Service.MODEL, host_of(base, ""), name=provider.service if own else "")
        failure = request_failure(exc, remote, seconds)
        if failure is None:
            return ServiceCheck.failed(service, f"the check failed ({type(exc).__name__})")
        return ServiceCheck.from_error(service, failure)
    ok, detail = _answer(response, target, variable)
    return ServiceCheck.ok(service, detail) if ok else ServiceCheck.failed(service, detail)


_OPENAI = ModelProvider("OpenAI", OPENAI_DEFAULT_BASE_URL, "OPENAI_BASE_URL", openai_compatible)
MODEL_PROVIDERS: Mapping[str, ModelProvider] = {
    "openai": _OPENAI,
    "openai-chat": _OPENAI,
    "openai-responses": _OPENAI,
}
"""Each provider of `settings.SUPPORTED_PROVIDERS` and how its key is checked."""
