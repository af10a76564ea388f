"""Opening the conversation database at start-up: the store, or why there is none this session."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from pathlib import Path

from desktop.core.store.facade import AsyncConversationStore
from desktop.core.store.records import StoreError

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class StoreUnavailable:
    """The database at `path` could not be opened; `reason` is one sentence ending in a full
    stop. Each face says what it means for the session (the window: chats are not kept)."""

    path: Path
    reason: str


async def open_conversation_store(path: Path) -> AsyncConversationStore | StoreUnavailable:
    """Create the folder if needed and open (creating or migrating) the database; a damaged,
    unreadable or newer database gives the reason, never an exception."""
    try:
        await asyncio.to_thread(path.parent.mkdir, parents=True, exist_ok=True)
        return await AsyncConversationStore.open(path)
    except (StoreError, OSError, ImportError) as exc:
        log.error("conversation store unavailable", exc_info=True)
        if isinstance(exc, OSError):
            reason = f"{exc.strerror or exc}."
        else:
            reason = str(exc.args[0]) if exc.args else type(exc).__name__
        return StoreUnavailable(path, reason)
