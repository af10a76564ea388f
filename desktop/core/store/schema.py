"""The conversation database: connection settings and `PRAGMA user_version` migrations."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from pathlib import Path

from desktop.core.store.records import StoreError

BUSY_TIMEOUT_S = 5.0

Migration = Sequence[str]
"""One schema step: statements run in one transaction that also sets `user_version`."""

# Timestamps are UTC epoch seconds (REAL). Conversations have an integer key for the
# external-content FTS table (an implicit rowid may be renumbered by VACUUM) and a public uuid.
_V1: Migration = (
    """
    CREATE TABLE conversations (
        pk INTEGER PRIMARY KEY,
        id TEXT NOT NULL UNIQUE,
        title TEXT,
        model TEXT NOT NULL,
        router_session_id TEXT,
        created_at REAL NOT NULL,
        updated_at REAL NOT NULL,
        turn_count INTEGER NOT NULL DEFAULT 0,
        input_tokens INTEGER NOT NULL DEFAULT 0,
        output_tokens INTEGER NOT NULL DEFAULT 0,
        requests INTEGER NOT NULL DEFAULT 0,
        tool_calls INTEGER NOT NULL DEFAULT 0,
        cost TEXT
    )
    """,
    "CREATE INDEX conversations_by_updated ON conversations (updated_at)",
    """
    CREATE TABLE turns (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        conversation_pk INTEGER NOT NULL REFERENCES conversations (pk) ON DELETE CASCADE,
        prompt TEXT NOT NULL,
        status TEXT NOT NULL DEFAULT 'pending'
            CHECK (status IN ('pending', 'complete', 'cancelled', 'failed')),
        messages_json TEXT,
        reply_text TEXT,
        tool_cards_json TEXT NOT NULL DEFAULT '[]',
        error TEXT,
        input_tokens INTEGER NOT NULL DEFAULT 0,
        output_tokens INTEGER NOT NULL DEFAULT 0,
        requests INTEGER NOT NULL DEFAULT 0,
        tool_calls INTEGER NOT NULL DEFAULT 0,
        cost TEXT,
        created_at REAL NOT NULL,
        completed_at REAL
    )
    """,
    "CREATE INDEX turns_by_conversation ON turns (conversation_pk, id)",
    """
    CREATE VIRTUAL TABLE conversations_fts USING fts5 (
        title, content='conversations', content_rowid='pk',
        tokenize='unicode61 remove_diacritics 2'
    )
    """,
    """
    CREATE TRIGGER conversations_fts_insert AFTER INSERT ON conversations BEGIN
        INSERT INTO conversations_fts (rowid, title) VALUES (new.pk, new.title);
    END
    """,
    """
    CREATE TRIGGER conversations_fts_delete AFTER DELETE ON conversations BEGIN
        INSERT INTO conversations_fts (conversations_fts, rowid, title)
            VALUES ('delete', old.pk, old.title);
    END
    """,
    """
    CREATE TRIGGER conversations_fts_update AFTER UPDATE OF title ON conversations BEGIN
        INSERT INTO conversations_fts (conversations_fts, rowid, title)
            VALUES ('delete', old.pk, old.title);
        INSERT INTO conversations_fts (rowid, title) VALUES (new.pk, new.title);
    END
    """,
    """
    CREATE VIRTUAL TABLE turns_fts USING fts5 (
        prompt, reply_text, content='turns', content_rowid='id',
        tokenize='unicode61 remove_diacritics 2'
    )
    """,
    """
    CREATE TRIGGER turns_fts_insert AFTER INSERT ON turns BEGIN
        INSERT INTO turns_fts (rowid, prompt, reply_text)
            VALUES (new.id, new.prompt, new.reply_text);
    END
    """,
    """
    CREATE TRIGGER turns_fts_delete AFTER DELETE ON turns BEGIN
        INSERT INTO turns_fts (turns_fts, rowid, prompt, reply_text)
            VALUES ('delete', old.id, old.prompt, old.reply_text);
    END
    """,
    """
    CREATE TRIGGER turns_fts_update AFTER UPDATE OF prompt, reply_text ON turns BEGIN
        INSERT INTO turns_fts (turns_fts, rowid, prompt, reply_text)
            VALUES ('delete', old.id, old.prompt, old.reply_text);
        INSERT INTO turns_fts (rowid, prompt, reply_text)
            VALUES (new.id, new.prompt, new.reply_text);
    END
    """,
)

# What a failed turn lacked, for each face to word the remedy again on reload: its `Fix` (JSON,
# through `codec.fix_to_json`). NULL in turns stored before, and in turns without a fix.
_V2: Migration = ("ALTER TABLE turns ADD COLUMN fix_json TEXT",)

# The actions a person allowed for the rest of a conversation (a JSON list of slugs), so that
# the allowance lasts as long as the conversation, across restarts. NULL: none.
_V3: Migration = ("ALTER TABLE conversations ADD COLUMN allowed_actions TEXT",)

# The files a person attached to a turn's prompt, as records without their content (name, size,
# type, sha256, where they are in the workbench): a JSON list (`codec.attachments_to_json`).
# NULL in turns stored before, and in turns without attachments.
_V4: Migration = ("ALTER TABLE turns ADD COLUMN attachments_json TEXT",)
# Which model a turn went to ("anthropic:claude-sonnet-4-5"): the window shows it on hover, the
# exports write it. NULL in turns stored before.
_V5: Migration = ("ALTER TABLE turns ADD COLUMN model TEXT",)
# A conversation's own budget (`budget.OwnBudget`): a dollar amount kept exact as TEXT, 'off'
# (none), or NULL: it follows the `conversation_budget` setting, as every conversation stored
# before did.
_V6: Migration = ("ALTER TABLE conversations ADD COLUMN budget TEXT",)
# What the sandbox meter has seen of each sandbox (`desktop.core.sandboxes.meter.RunClock`, as
# the meter's own JSON), so that its running time resumes after a restart; and the index that a
# day's cost (`spending.BETWEEN_SQL`) reads the turns completed that day through.
_V7: Migration = (
    """
    CREATE TABLE sandbox_clocks (
        sandbox_id TEXT PRIMARY KEY,
        clock_json TEXT NOT NULL
    )
    """,
    "CREATE INDEX turns_by_completed ON turns (completed_at)",
)

MIGRATIONS: tuple[Migration, ...] = (_V1, _V2, _V3, _V4, _V5, _V6, _V7)
"""Append only: step N (1-based) takes a database from user_version N-1 to N."""

SCHEMA_VERSION = len(MIGRATIONS)


def connect(path: Path | str) -> sqlite3.Connection:
    """Open (creating if needed) and configure a connection; the caller's thread owns it."""
    try:
        # isolation_level=None: no implicit transactions, the store issues BEGIN/COMMIT itself.
        conn = sqlite3.connect(path, timeout=BUSY_TIMEOUT_S, isolation_level=None)
    except sqlite3.Error as exc:
        raise StoreError(f"Cannot open the conversation database at {path}: {exc}.") from exc
    try:
        conn.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_S * 1000)}")
        mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
        if str(path) != ":memory:" and str(mode).lower() != "wal":
            raise StoreError(f"The conversation database could not switch to WAL (got {mode}).")
        # NORMAL in WAL mode: a killed process loses nothing committed; power loss at most the
        # last commits, never consistency.
        conn.execute("PRAGMA synchronous = NORMAL")
        conn.execute("PRAGMA foreign_keys = ON")
    except sqlite3.DatabaseError as exc:
        conn.close()
        raise StoreError(f"{path} is not a usable conversation database: {exc}.") from exc
    except BaseException:
        conn.close()
        raise
    return conn


def migrate(conn: sqlite3.Connection, migrations: Sequence[Migration] = MIGRATIONS) -> int:
    """Bring the schema up to date, one transaction per step; returns the resulting version."""
    latest = len(migrations)
    version = int(conn.execute("PRAGMA user_version").fetchone()[0])
    if version > latest:
        raise StoreError(
            f"The conversation database has schema version {version}, newer than this app "
            f"understands ({latest}). Update the app."
        )
    while version < latest:
        try:
            conn.execute("BEGIN IMMEDIATE")
            # Another process may have migrated while we waited for the write lock.
            version = int(conn.execute("PRAGMA user_version").fetchone()[0])
            if version < latest:
                for statement in migrations[version]:
                    conn.execute(statement)
                version += 1
                conn.execute(f"PRAGMA user_version = {version}")
            conn.execute("COMMIT")
        except BaseException as exc:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            if isinstance(exc, sqlite3.Error):
                raise StoreError(
                    f"Upgrading the conversation database to version {version + 1} failed: {exc}."
                ) from exc
            raise
    return version
