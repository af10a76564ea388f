"""Settings' "Test connection": the tools a Tool Router session offers with keys not yet saved."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from desktop.core.config.credentials import Credentials
from desktop.core.config.secrets import SecretName

if TYPE_CHECKING:
    import httpx

    from desktop.core.agent.build import Endpoints
    from desktop.core.config.settings import Settings
    from desktop.core.router.types import Timeouts


async def probe_keys(
    settings: Settings,
    keys: Mapping[SecretName, str],
    endpoints: Endpoints,
    timeouts: Timeouts,
    *,
    http: httpx.AsyncClient | None = None,
) -> Sequence[str]:
    """The tool names, or the connection's error (raised, as `check_connection` raises it)."""
    # Imported when first asked: the session's modules are not needed to paint or to idle.
    from desktop.core.agent.session import check_connection

    credentials = Credentials(
        openai_api_key=keys.get(SecretName.OPENAI_API_KEY),
        composio_api_key=keys.get(SecretName.COMPOSIO_API_KEY),
        user_id=settings.user_id,
    )
    info = await check_connection(settings, credentials, endpoints, timeouts, http=http)
    return info.tool_names
