"""Opening the conversation database at start-up: the store, or why there is none this session."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from pathlib import Path

from desktop.core.redaction import Redactor
from desktop.core.store.facade import AsyncConversationStore
from desktop.core.store.integrity import SetAside, damage_of, move_aside
from desktop.core.store.records import StoreError

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class StoreUnavailable:
    """The database at `path` could not be opened; `reason` is one sentence ending in a full
    stop. Each face says what it means for the session (the window: chats are not kept)."""

    path: Path
    reason: str


@dataclass(frozen=True)
class StoreOpened:
    """The open store; `set_aside` when a damaged database was moved aside for a fresh one,
    which each face tells the person about (where the old file now is)."""

    store: AsyncConversationStore
    set_aside: SetAside | None = None


async def open_conversation_store(
    path: Path, redactor: Redactor | None = None
) -> StoreOpened | StoreUnavailable:
    """Create the folder if needed, move a damaged database aside (`PRAGMA quick_check`), and
    open (creating or migrating) the database; an unreadable or newer database, or a damaged
    one that cannot be moved, gives the reason, never an exception."""
    try:
        await asyncio.to_thread(path.parent.mkdir, parents=True, exist_ok=True)
        problem = await asyncio.to_thread(damage_of, path)
        set_aside = None
        if problem is not None:
            try:
                set_aside = await asyncio.to_thread(move_aside, path, problem)
            except OSError as exc:
                log.error("could not move the damaged database aside", exc_info=True)
                # Not opened either: a fresh database beside the old -wal would replay it.
                return StoreUnavailable(
                    path,
                    f"It is damaged ({problem}) and could not be moved aside: "
                    f"{exc.strerror or exc}.",
                )
        store = await AsyncConversationStore.open(path, redactor=redactor)
        return StoreOpened(store, set_aside)
    except (StoreError, OSError, ImportError) as exc:
        log.error("conversation store unavailable", exc_info=True)
        if isinstance(exc, OSError):
            reason = f"{exc.strerror or exc}."
        else:
            reason = str(exc.args[0]) if exc.args else type(exc).__name__
        return StoreUnavailable(path, reason)
