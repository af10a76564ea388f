"""The conversation store as the app uses it: an async facade running SQLite on one worker thread.

`ConversationRepository` is the protocol the UI and the chat session depend on;
`AsyncConversationStore` implements it over the synchronous `ConversationStore`, which runs only on
the store's own thread, so no sqlite call ever blocks the event loop.

Decisions (see the methods for details):
- Timestamps are UTC epoch seconds in the database and aware UTC datetimes in the records.
- `begin_turn` commits the prompt as a 'pending' turn before the agent runs, `record_progress`
  what it has done each time a tool call finishes, and `complete_turn` the reply; a crash loses
  at most what came after the last call that finished, and the turn stays 'pending'.
- `history()` is the stored pydantic-ai messages of every turn that holds a model response
  (a pending one's progress included), repaired so that a new prompt is always accepted;
  unanswered turns are shown, never sent.
- With a redactor, a prompt is stored (and titles the conversation) without the keys it knows,
  and an export leaves with none either, also of a conversation stored before it knew them.
"""

from __future__ import annotations

import asyncio
import dataclasses
import functools
import time
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Protocol, TypeVar

from desktop.core.agent.events import Usage
from desktop.core.errors import Fix
from desktop.core.lazy_imports import MESSAGE_TYPES, import_off_loop
from desktop.core.redaction import Redactor
from desktop.core.store.records import (
    Conversation,
    ConversationSummary,
    FinalStatus,
    SearchHit,
    StoreError,
    ToolCardRecord,
    TurnRecord,
)
from desktop.core.store.spending import Spending
from desktop.core.store.sqlite import ConversationStore

if TYPE_CHECKING:
    from decimal import Decimal

    from pydantic_ai.messages import ModelMessage

    from desktop.core.agent.attachments import Attachment
    from desktop.core.agent.budget import OwnBudget
    from desktop.core.store.export_cells import MarkdownExport

__all__ = ["AsyncConversationStore", "ConversationRepository"]

_T = TypeVar("_T")


class ConversationRepository(Protocol):
    """What the app needs from a conversation store; every call is safe on the event loop."""

    async def create_conversation(self, model: str, title: str | None = None) -> str: ...
    async def get_conversation(self, conversation_id: str) -> Conversation: ...
    async def list_conversations(
        self, limit: int = 50, offset: int = 0
    ) -> list[ConversationSummary]: ...
    async def rename(self, conversation_id: str, title: str) -> None: ...
    async def delete(self, conversation_id: str) -> bool: ...
    async def set_router_session(self, conversation_id: str, session_id: str | None) -> None: ...
    async def set_allowed_actions(self, conversation_id: str, slugs: Iterable[str]) -> None: ...
    async def set_budget(self, conversation_id: str, budget: OwnBudget) -> None: ...
    async def begin_turn(
        self,
        conversation_id: str,
        prompt: str,
        attachments: Sequence[Attachment] = (),
        *,
        model: str | None = None,
    ) -> int: ...
    async def complete_turn(
        self,
        turn_id: int,
        messages_json: bytes | str | None,
        text: str,
        tool_cards: Sequence[ToolCardRecord] = (),
        usage: Usage | None = None,
        status: FinalStatus = "complete",
        *,
        error: str | None = None,
        fix: Fix | None = None,
    ) -> None: ...
    async def record_progress(
        self,
        turn_id: int,
        messages_json: bytes | str | None,
        text: str,
        tool_cards: Sequence[ToolCardRecord] = (),
    ) -> None: ...
    async def turns(
        self, conversation_id: str, limit: int | None = None, *, before: int | None = None
    ) -> list[TurnRecord]: ...
    async def history(self, conversation_id: str) -> list[ModelMessage]: ...
    async def delete_last_turn(self, conversation_id: str) -> TurnRecord | None: ...
    async def truncate_after(self, turn_id: int, *, inclusive: bool = False) -> int: ...
    async def search(self, query: str, limit: int = 20) -> list[SearchHit]: ...
    async def spending_between(self, start: float, end: float) -> Spending: ...
    async def export_markdown(
        self, conversation_id: str, sandbox_cost: Decimal | None = None
    ) -> str: ...
    async def export_markdown_files(
        self, conversation_id: str, images_folder: str, sandbox_cost: Decimal | None = None
    ) -> MarkdownExport: ...
    async def export_json(
        self, conversation_id: str, sandbox_cost: Decimal | None = None
    ) -> str: ...
    async def import_json(self, text: str | bytes) -> str: ...
    async def sandbox_clocks(self) -> list[str]: ...
    async def keep_sandbox_clocks(
        self, kept: Mapping[str, str], dropped: Collection[str] = ()
    ) -> None: ...
    async def aclose(self) -> None: ...


class AsyncConversationStore:
    """Runs a `ConversationStore` on one dedicated worker thread; calls are queued in order.

    Cancelling an awaiting task does not undo a call the worker has already started (its write
    still commits); a call still queued is dropped.
    """

    def __init__(
        self,
        executor: ThreadPoolExecutor,
        store: ConversationStore,
        redactor: Redactor | None = None,
    ) -> None:
        # Use `open()`: the store must be created on the executor's thread.
        self._executor = executor
        self._store = store
        self._redactor = redactor or Redactor()
        self._closed = False

    @classmethod
    async def open(
        cls,
        path: Path | str,
        *,
        clock: Callable[[], float] = time.time,
        redactor: Redactor | None = None,
    ) -> AsyncConversationStore:
        """Open (creating and migrating if needed) the database on a new worker thread."""
        executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="conversation-store")
        loop = asyncio.get_running_loop()
        try:
            store = await loop.run_in_executor(
                executor, functools.partial(ConversationStore, path, clock=clock)
            )
        except BaseException:
            executor.shutdown(wait=False)
            raise
        return cls(executor, store, redactor)

    async def _call(self, fn: Callable[[], _T]) -> _T:
        if self._closed:
            raise StoreError("The conversation store is closed.")
        return await asyncio.get_running_loop().run_in_executor(self._executor, fn)

    async def create_conversation(self, model: str, title: str | None = None) -> str:
        return await self._call(functools.partial(self._store.create_conversation, model, title))

    async def get_conversation(self, conversation_id: str) -> Conversation:
        return await self._call(functools.partial(self._store.get_conversation, conversation_id))

    async def list_conversations(
        self, limit: int = 50, offset: int = 0
    ) -> list[ConversationSummary]:
        return await self._call(functools.partial(self._store.list_conversations, limit, offset))

    async def rename(self, conversation_id: str, title: str) -> None:
        await self._call(functools.partial(self._store.rename, conversation_id, title))

    async def delete(self, conversation_id: str) -> bool:
        return await self._call(functools.partial(self._store.delete, conversation_id))

    async def set_router_session(self, conversation_id: str, session_id: str | None) -> None:
        await self._call(
            functools.partial(self._store.set_router_session, conversation_id, session_id)
        )

    async def set_allowed_actions(self, conversation_id: str, slugs: Iterable[str]) -> None:
        await self._call(
            functools.partial(self._store.set_allowed_actions, conversation_id, tuple(slugs))
        )

    async def set_budget(self, conversation_id: str, budget: OwnBudget) -> None:
        await self._call(functools.partial(self._store.set_budget, conversation_id, budget))

    async def begin_turn(
        self,
        conversation_id: str,
        prompt: str,
        attachments: Sequence[Attachment] = (),
        *,
        model: str | None = None,
    ) -> int:
        prompt = self._redactor.text(prompt)
        begin = self._store.begin_turn
        return await self._call(
            functools.partial(begin, conversation_id, prompt, tuple(attachments), model=model)
        )

    async def complete_turn(
        self,
        turn_id: int,
        messages_json: bytes | str | None,
        text: str,
        tool_cards: Sequence[ToolCardRecord] = (),
        usage: Usage | None = None,
        status: FinalStatus = "complete",
        *,
        error: str | None = None,
        fix: Fix | None = None,
    ) -> None:
        if messages_json:
            await import_off_loop(MESSAGE_TYPES)  # the messages are checked before storing
        await self._call(
            functools.partial(
                self._store.complete_turn,
                turn_id,
                messages_json,
                text,
                tuple(tool_cards),
                usage,
                status,
                error=error,
                fix=fix,
            )
        )

    async def record_progress(
        self,
        turn_id: int,
        messages_json: bytes | str | None,
        text: str,
        tool_cards: Sequence[ToolCardRecord] = (),
    ) -> None:
        if messages_json:
            await import_off_loop(MESSAGE_TYPES)  # the messages are checked before storing
        await self._call(
            functools.partial(
                self._store.record_progress, turn_id, messages_json, text, tuple(tool_cards)
            )
        )

    async def turns(
        self, conversation_id: str, limit: int | None = None, *, before: int | None = None
    ) -> list[TurnRecord]:
        return await self._call(
            functools.partial(self._store.turns, conversation_id, limit, before=before)
        )

    async def history(self, conversation_id: str) -> list[ModelMessage]:
        await import_off_loop(MESSAGE_TYPES)
        return await self._call(functools.partial(self._store.history, conversation_id))

    async def delete_last_turn(self, conversation_id: str) -> TurnRecord | None:
        return await self._call(functools.partial(self._store.delete_last_turn, conversation_id))

    async def truncate_after(self, turn_id: int, *, inclusive: bool = False) -> int:
        return await self._call(
            functools.partial(self._store.truncate_after, turn_id, inclusive=inclusive)
        )

    async def search(self, query: str, limit: int = 20) -> list[SearchHit]:
        return await self._call(functools.partial(self._store.search, query, limit))

    async def spending_between(self, start: float, end: float) -> Spending:
        """The model's cost of the turns completed in [start, end): `spending.day_bounds`
        gives today's."""
        return await self._call(functools.partial(self._store.spending_between, start, end))

    async def export_markdown(
        self, conversation_id: str, sandbox_cost: Decimal | None = None
    ) -> str:
        export = functools.partial(self._store.export_markdown, conversation_id, sandbox_cost)
        return await self._call(lambda: self._redactor.text(export()))  # on the store's thread

    async def export_markdown_files(
        self, conversation_id: str, images_folder: str, sandbox_cost: Decimal | None = None
    ) -> MarkdownExport:
        """The Markdown and the cells' images, as files in `images_folder` beside it;
        `sandbox_cost`: what its sandboxes have cost so far, when the app knows."""

        def export() -> MarkdownExport:  # on the store's thread
            from desktop.core.store.export import render_markdown_export

            conversation, turns = self._store.export_data(conversation_id)
            records = [record for record, _ in turns]
            made = render_markdown_export(conversation, records, images_folder, sandbox_cost)
            return dataclasses.replace(made, text=self._redactor.text(made.text))

        return await self._call(export)

    async def export_json(self, conversation_id: str, sandbox_cost: Decimal | None = None) -> str:
        export = functools.partial(self._store.export_json, conversation_id, sandbox_cost)
        return await self._call(lambda: self._redactor.text(export()))

    async def import_json(self, text: str | bytes) -> str:
        await import_off_loop(MESSAGE_TYPES)
        return await self._call(functools.partial(self._store.import_json, text))

    async def sandbox_clocks(self) -> list[str]:
        """What the sandbox meter kept of each sandbox (`sandboxes.meter_keeping`)."""
        return await self._call(self._store.sandbox_clocks)

    async def keep_sandbox_clocks(
        self, kept: Mapping[str, str], dropped: Collection[str] = ()
    ) -> None:
        await self._call(
            functools.partial(self._store.keep_sandbox_clocks, dict(kept), tuple(dropped))
        )

    async def aclose(self) -> None:
        """Close the database on its thread, then let the worker thread end. Idempotent."""
        if self._closed:
            return
        self._closed = True
        try:
            await asyncio.get_running_loop().run_in_executor(self._executor, self._store.close)
        finally:
            # The queue is empty once close() has run, so the thread exits at once.
            self._executor.shutdown(wait=False)
