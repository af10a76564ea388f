"""What the window's sandbox panel calls through: the open chat's Tool Router connection, and
the model's cost today from the store (used by `desktop_app.DesktopApp`)."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from desktop.core.errors import ErrorKind
from desktop.core.sandboxes.calls import SandboxError
from desktop.core.store.spending import day_bounds

if TYPE_CHECKING:
    from desktop.core.conversations.backend import ChatBackend
    from desktop.core.sandboxes.calls import ToolCaller
    from desktop.core.store.facade import AsyncConversationStore


def sandbox_tools(backend: ChatBackend | None) -> ToolCaller:
    """The Tool Router connection of the chat on screen (asked for on the agent's loop)."""
    inner: ToolCaller | None = getattr(backend, "inner", None)
    if inner is None:
        raise SandboxError(
            ErrorKind.MISSING_KEY,
            "The app is not connected yet: add your keys in Settings to list your sandboxes.",
        )
    return inner


async def model_cost_today(store: AsyncConversationStore | None) -> tuple[Decimal | None, int]:
    """What the model cost today, from the stored turns where a price was known (None: none
    was), and how many turns had no price."""
    if store is None:
        return None, 0
    spending = await store.spending_between(*day_bounds(datetime.now(UTC)))
    return spending.priced_cost, spending.unpriced_turns
