"""Settings' "Test connection": each service checked with keys not yet saved, without spending
tokens: the model provider's model list, a Composio Tool Router session, its MCP tool list.

The model and Composio are checked side by side; the Tool Router once Composio gave a session.
Every request has its own timeout and each check a bound of its own, so one dead service cannot
hold up the report of the others. The report says each service's answer by name.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from typing import TYPE_CHECKING

from desktop.core.agent.model_list import MODEL_PROVIDERS, ModelTarget, service_for
from desktop.core.agent.service_check import ConnectionReport, ServiceCheck
from desktop.core.config.providers import model_problem, provider_of, split_model
from desktop.core.config.secrets import SecretName
from desktop.core.errors import UserFacingError, quoted, unexpected
from desktop.core.router.http import open_http_client
from desktop.core.router.probe import list_router_tools
from desktop.core.router.rest import open_router_session

if TYPE_CHECKING:
    import httpx

    from desktop.core.agent.build import Endpoints
    from desktop.core.config.settings import Settings
    from desktop.core.router.types import RouterSession, Timeouts

log = logging.getLogger(__name__)

COMPOSIO = "Composio"
TOOL_ROUTER = "Tool Router"


async def _model(
    settings: Settings,
    keys: Mapping[SecretName, str],
    endpoints: Endpoints,
    timeouts: Timeouts,
    http: httpx.AsyncClient,
) -> ServiceCheck:
    from desktop.core.agent.build import model_endpoint

    spec = provider_of(settings.model)
    if spec is None or model_problem(settings.model):
        return ServiceCheck.failed("Model", model_problem(settings.model) or "unknown provider")
    _prefix, model = split_model(settings.model)
    endpoint = model_endpoint(spec, endpoints, settings.base_urls)
    service = service_for(spec, endpoint.url)
    if endpoint.url is None:
        return ServiceCheck.failed(service, "no base URL is set")
    key = keys.get(spec.key) if spec.key is not None else ""
    if key is None:
        return ServiceCheck.failed(service, "no key is set")
    target = ModelTarget(
        spec.prefix,
        model,
        key,
        endpoint.url,
        plain_http_providers=settings.plain_http_model_providers,
        named_by=endpoint.named_by,
    )
    return await MODEL_PROVIDERS[spec.wire](target, http, timeouts.model_list)


async def _composio(
    settings: Settings,
    key: str | None,
    endpoints: Endpoints,
    timeouts: Timeouts,
    http: httpx.AsyncClient,
) -> tuple[ServiceCheck, RouterSession | None]:
    if not key or not settings.user_id:
        return ServiceCheck.failed(COMPOSIO, f"no {'key' if not key else 'user id'} is set"), None
    try:
        session = await open_router_session(
            http,
            api_key=key,
            user_id=settings.user_id,
            toolkits=settings.toolkits,
            base_url=endpoints.composio_base_url,
            timeouts=timeouts,
        )
    except UserFacingError as exc:
        return ServiceCheck.from_error(COMPOSIO, exc), None
    except Exception as exc:  # open_router_session words every failure; a bug still reports
        return ServiceCheck.from_error(COMPOSIO, unexpected(exc, [key])), None
    return ServiceCheck.ok(COMPOSIO, "connected"), session


async def _tool_router(
    session: RouterSession | None, timeouts: Timeouts, http: httpx.AsyncClient
) -> ServiceCheck:
    if session is None:
        return ServiceCheck.not_checked(TOOL_ROUTER, "it needs a Composio session")
    try:
        info = await list_router_tools(http, session, timeouts.mcp_init)
    except UserFacingError as exc:
        return ServiceCheck.from_error(TOOL_ROUTER, exc)
    except Exception as exc:
        return ServiceCheck.from_error(TOOL_ROUTER, unexpected(exc, session.headers.values()))
    count = len(info.tool_names)
    return ServiceCheck.ok(TOOL_ROUTER, f"{count} tool{'s' if count != 1 else ''}", info.tool_names)


async def check_services(
    settings: Settings,
    keys: Mapping[SecretName, str],
    endpoints: Endpoints,
    timeouts: Timeouts,
    *,
    http: httpx.AsyncClient | None = None,
) -> ConnectionReport:
    """Each service's answer to `keys` (with `settings`' model, user id and toolkits). Without
    `http` (the app's shared client) it uses a client of its own."""
    client = http or await open_http_client(timeouts)
    try:
        model, (composio, session) = await asyncio.gather(
            _model(settings, keys, endpoints, timeouts, client),
            _composio(settings, keys.get(SecretName.COMPOSIO_API_KEY), endpoints, timeouts, client),
        )
        router = await _tool_router(session, timeouts, client)
    finally:
        if http is None:
            await client.aclose()
    report = ConnectionReport((model, composio, router))
    log.info("test connection: %s", quoted(report.text(), keys.values(), limit=600))
    return report
