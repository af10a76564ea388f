"""The sidebar's bridge to the conversation store: pages, search, rename, delete, export, import.

Like `ChatController` it owns the tasks it starts (strong references), never blocks the UI
thread (the store runs on its own thread, files are read and written with `asyncio.to_thread`)
and reports results and failures as signals with one user-facing sentence.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal

from desktop.core.files import write_text_atomically
from desktop.core.store.records import (
    ConversationSummary,
    NotFoundError,
    StoreError,
    check_import_size,
)

if TYPE_CHECKING:
    from desktop.core.store.facade import ConversationRepository

log = logging.getLogger(__name__)

SEARCH_LIMIT = 50


def read_import_file(path: Path) -> bytes:
    """The file's bytes, unless it is larger than the store imports (checked before reading)."""
    check_import_size(path.stat().st_size)
    return path.read_bytes()


def _file_problem(exc: OSError) -> str:
    reason = exc.strerror or str(exc)
    return f"{reason} ({exc.filename})." if exc.filename else f"{reason}."


class ConversationListController(QObject):
    page_loaded = Signal(int, object)  # offset, list[ConversationSummary]
    page_failed = Signal(str)
    search_finished = Signal(str, object)  # query, list[SearchHit]
    conversation_updated = Signal(object)  # ConversationSummary with new activity
    conversation_renamed = Signal(str, str)  # id, title as stored
    conversation_deleted = Signal(str)
    conversation_imported = Signal(str)  # id of the new conversation (already updated)
    exported = Signal(str)  # the file written
    operation_failed = Signal(str, str)  # dialog title, one sentence

    def __init__(
        self, repository: ConversationRepository | None = None, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self._repository = repository
        self._tasks: set[asyncio.Task[None]] = set()
        self._search_generation = 0
        # What a conversation's sandboxes have cost so far (None: not known), for the exports.
        self.sandbox_cost: Callable[[str], Decimal | None] = lambda _conversation_id: None

    def set_repository(self, repository: ConversationRepository | None) -> None:
        self._repository = repository

    def _run(
        self,
        operation: Callable[..., Awaitable[None]],
        *args: object,
        failure: str | None = None,
        about: str = "",
    ) -> None:
        """Run `operation(repository, *args)` as a task this controller holds. With `failure`
        (a dialog title), a store or file error is reported by `operation_failed` in one
        sentence (after `about`, e.g. the file's name); without, the operation handles its own."""
        repository = self._repository
        if repository is None:
            return
        task: asyncio.Task[None] = asyncio.ensure_future(
            self._reporting(operation(repository, *args), failure, about)
        )
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _reporting(self, work: Awaitable[None], failure: str | None, about: str) -> None:
        if failure is None:
            await work
            return
        try:
            await work
        except StoreError as exc:
            self.operation_failed.emit(failure, f"{about}{exc}")
        except OSError as exc:
            self.operation_failed.emit(failure, _file_problem(exc))

    # -- reading -----------------------------------------------------------------------------
    def load_page(self, offset: int, limit: int) -> None:
        self._run(self._load_page, offset, limit)

    async def _load_page(self, repository: ConversationRepository, offset: int, limit: int) -> None:
        try:
            page = await repository.list_conversations(limit, offset)
        except StoreError as exc:
            self.page_failed.emit(str(exc))
            return
        self.page_loaded.emit(offset, page)

    def refresh(self, conversation_id: str) -> None:
        """Re-read a conversation that had activity; it moves to the top of the list."""
        self._run(self._refresh, conversation_id)

    async def _refresh(self, repository: ConversationRepository, conversation_id: str) -> None:
        try:
            conversation = await repository.get_conversation(conversation_id)
        except NotFoundError:
            return  # deleted meanwhile
        except StoreError:
            log.warning("could not re-read conversation %s", conversation_id, exc_info=True)
            return
        self.conversation_updated.emit(
            ConversationSummary(
                id=conversation.id,
                title=conversation.title,
                updated_at=conversation.updated_at,
                turn_count=conversation.turn_count,
            )
        )

    def search(self, query: str) -> None:
        """Search titles and messages; only the newest query's results are reported."""
        self._search_generation += 1
        if query.strip():
            self._run(self._search, query, self._search_generation, failure="Search failed")

    async def _search(
        self, repository: ConversationRepository, query: str, generation: int
    ) -> None:
        hits = await repository.search(query, SEARCH_LIMIT)
        if generation == self._search_generation:
            self.search_finished.emit(query, hits)

    # -- changing ----------------------------------------------------------------------------
    def rename(self, conversation_id: str, title: str) -> None:
        self._run(self._rename, conversation_id, title)

    async def _rename(
        self, repository: ConversationRepository, conversation_id: str, title: str
    ) -> None:
        try:
            await repository.rename(conversation_id, title)
            stored = (await repository.get_conversation(conversation_id)).title
        except StoreError as exc:
            self.operation_failed.emit("The conversation was not renamed", str(exc))
            # The list shows the new title already: put back the one the store kept.
            with contextlib.suppress(StoreError):
                kept = (await repository.get_conversation(conversation_id)).title
                self.conversation_renamed.emit(conversation_id, kept)
            return
        self.conversation_renamed.emit(conversation_id, stored)

    def delete(self, conversation_id: str) -> None:
        self._run(self._delete, conversation_id, failure="The conversation was not deleted")

    async def _delete(self, repository: ConversationRepository, conversation_id: str) -> None:
        await repository.delete(conversation_id)
        self.conversation_deleted.emit(conversation_id)

    def export(self, conversation_id: str, fmt: str, path: str) -> None:
        failure = "The conversation was not exported"
        self._run(self._export, conversation_id, fmt, Path(path), failure=failure)

    async def _export(
        self, repository: ConversationRepository, conversation_id: str, fmt: str, path: Path
    ) -> None:
        sandboxes = self.sandbox_cost(conversation_id)
        if fmt == "markdown":
            from desktop.core.store.export_cells import images_folder, write_markdown_export

            # The cells' images go beside it, in <name>_files/, linked relatively.
            folder = images_folder(path)
            export = await repository.export_markdown_files(conversation_id, folder, sandboxes)
            await asyncio.to_thread(write_markdown_export, path, export)
        else:
            text = await repository.export_json(conversation_id, sandboxes)
            await asyncio.to_thread(write_text_atomically, path, text)
        self.exported.emit(str(path))

    def import_file(self, path: str) -> None:
        file = Path(path)
        failure = "This file could not be imported"
        self._run(self._import, file, failure=failure, about=f"{file.name}: ")

    async def _import(self, repository: ConversationRepository, path: Path) -> None:
        data = await asyncio.to_thread(read_import_file, path)
        conversation_id = await repository.import_json(data)
        await self._refresh(repository, conversation_id)
        self.conversation_imported.emit(conversation_id)

    async def aclose(self) -> None:
        tasks = [task for task in self._tasks if not task.done()]
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.gather(*tasks, return_exceptions=True)
