"""The store's one sqlite3 connection: opened and migrated, used on the thread that opened it,
each piece of work in one transaction."""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Self

from desktop.core.store.records import StoreError
from desktop.core.store.rows import describe_error
from desktop.core.store.schema import connect, migrate


class StoreConnection:
    """One connection (WAL, foreign keys), migrated to the latest schema when opened; every
    transaction runs on the thread that made it (`AsyncConversationStore` sees to that)."""

    def __init__(self, path: Path | str, *, clock: Callable[[], float] = time.time) -> None:
        self._clock = clock
        self._last_time = 0.0
        self._conn: sqlite3.Connection | None = None
        self._thread = threading.get_ident()
        conn = connect(path)
        try:
            migrate(conn)
        except BaseException:
            conn.close()
            raise
        self._conn = conn

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        if self._conn is None:
            return
        conn, self._conn = self._conn, None
        try:
            conn.execute("PRAGMA optimize")
        except sqlite3.Error:
            pass  # only a query-planner hint; closing matters more
        finally:
            conn.close()

    def _now(self) -> float:
        # Strictly increasing within this store, so "newest first" never ties or runs backwards.
        self._last_time = max(self._clock(), self._last_time + 1e-6)
        return self._last_time

    def _connection(self) -> sqlite3.Connection:
        if threading.get_ident() != self._thread:
            # sqlite3 would refuse too, but as a database error that reads like corruption.
            raise StoreError("The conversation store was used from another thread.")
        if self._conn is None:
            raise StoreError("The conversation store is closed.")
        return self._conn

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        # IMMEDIATE takes the write lock up front: no deadlock upgrading a read lock later.
        with self._transaction("BEGIN IMMEDIATE") as conn:
            yield conn

    @contextmanager
    def _read(self) -> Iterator[sqlite3.Connection]:
        # A read transaction: multi-statement reads see one snapshot even with another writer.
        with self._transaction("BEGIN") as conn:
            yield conn

    @contextmanager
    def _transaction(self, begin: str) -> Iterator[sqlite3.Connection]:
        conn = self._connection()
        try:
            conn.execute(begin)
            yield conn
            conn.execute("COMMIT")
        except BaseException as exc:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            if isinstance(exc, sqlite3.Error):
                raise StoreError(describe_error(exc)) from exc
            raise
