"""Which model a chat session's next turn goes to: its string, the Pydantic AI model made from
it and that model's HTTP client, and the clients of models switched from (closed later)."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from desktop.core.agent.build import Endpoints, model_endpoint, open_model
from desktop.core.config.providers import BY_PREFIX, provider_of

if TYPE_CHECKING:
    import httpx2
    from pydantic_ai.models import Model

    from desktop.core.config.settings import Settings
    from desktop.core.router.types import Timeouts

log = logging.getLogger(__name__)


class ModelChoice:
    """The model string the next turn goes to and, once opened, its model and client."""

    def __init__(self, name: str) -> None:
        self._name = name
        self._model: Model | None = None
        self._http: httpx2.AsyncClient | None = None  # the model SDK's client, ours
        self._retired: list[httpx2.AsyncClient] = []  # a switched-from model's, closed later

    @property
    def name(self) -> str:
        """The model string ("anthropic:claude-sonnet-4-5")."""
        return self._name

    @property
    def is_open(self) -> bool:
        return self._model is not None

    def base_url(self, endpoints: Endpoints, base_urls: Mapping[str, str]) -> str | None:
        """Where the model's requests go (None: a server the settings do not name yet)."""
        spec = provider_of(self._name) or BY_PREFIX["openai"]
        return model_endpoint(spec, endpoints, base_urls).url

    def switch(self, name: str) -> bool:
        """From now on `name` (stripped); False when it is the one already chosen. The model
        made for the old one is dropped and its client retired (`close_retired`)."""
        name = name.strip()
        if name == self._name:
            return False
        log.info("model switched to %s", name)
        self._name = name
        self._model = None
        if self._http is not None:
            self._retired.append(self._http)
            self._http = None
        return True

    async def open(
        self, key: str | None, endpoints: Endpoints, timeouts: Timeouts, settings: Settings
    ) -> Model:
        """The model for the chosen string, made once (`build.open_model`)."""
        if self._model is None:
            self._model, self._http = await open_model(
                self._name, key, endpoints, timeouts, settings
            )
        return self._model

    async def close_retired(self) -> None:
        """Close the clients of the models switched from (between turns)."""
        retired, self._retired = self._retired, []
        await _close_all(retired)

    async def aclose(self) -> None:
        """Drop the model and close every client (the SDKs do not close one they were given)."""
        clients = [*self._retired, *([self._http] if self._http else [])]
        self._model, self._http, self._retired = None, None, []
        await _close_all(clients)


async def _close_all(clients: Sequence[httpx2.AsyncClient]) -> None:
    for client in clients:
        with contextlib.suppress(Exception):
            await client.aclose()
