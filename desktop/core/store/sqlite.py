"""The synchronous conversation store: one sqlite3 connection, used on the thread that opened it."""

from __future__ import annotations

import json
import uuid
from collections.abc import Collection, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING

from desktop.core.agent.events import Usage
from desktop.core.errors import Fix
from desktop.core.store.codec import (
    attachments_to_json,
    budget_column,
    cards_to_json,
    fix_to_json,
    usage_columns,
)
from desktop.core.store.model_history import history_of, history_rows
from desktop.core.store.progress import save_progress
from desktop.core.store.records import (
    DEFAULT_TITLE,
    FINAL_STATUSES,
    Conversation,
    ConversationSummary,
    FinalStatus,
    NotFoundError,
    SearchHit,
    StoreError,
    ToolCardRecord,
    TurnEndedError,
    TurnRecord,
    clean_title,
    derive_title,
    to_datetime,
)
from desktop.core.store.rows import (
    CONVERSATION_COLUMNS,
    TURN_COLUMNS,
    bounded_card,
    checked_messages,
    conversation_from_row,
    conversation_key,
    delete_turns,
    insert_imported,
    search_hits,
    stored_turns,
    turn_from_row,
)
from desktop.core.store.spending import Spending, add_to_conversation, spending_between
from desktop.core.store.transactions import StoreConnection

if TYPE_CHECKING:
    from decimal import Decimal

    from pydantic_ai.messages import ModelMessage

    from desktop.core.agent.attachments import Attachment
    from desktop.core.agent.budget import OwnBudget
    from desktop.core.store.export import StoredTurn


class ConversationStore(StoreConnection):
    """Conversations and their turns in one SQLite file (WAL, foreign keys, FTS5 search); every
    public method is one transaction, on the thread that made the store (`check_same_thread`:
    `AsyncConversationStore` does this for you)."""

    # -- conversations -----------------------------------------------------------------------

    def create_conversation(self, model: str, title: str | None = None) -> str:
        conversation_id = uuid.uuid4().hex
        with self._write() as conn:
            now = self._now()
            conn.execute(
                "INSERT INTO conversations (id, title, model, created_at, updated_at)"
                " VALUES (?, ?, ?, ?, ?)",
                (conversation_id, None if title is None else clean_title(title), model, now, now),
            )
        return conversation_id

    def get_conversation(self, conversation_id: str) -> Conversation:
        with self._read() as conn:
            row = conn.execute(
                f"SELECT {CONVERSATION_COLUMNS} FROM conversations WHERE id = ?",
                (conversation_id,),
            ).fetchone()
        if row is None:
            raise NotFoundError("This conversation no longer exists.")
        return conversation_from_row(row)

    def list_conversations(self, limit: int = 50, offset: int = 0) -> list[ConversationSummary]:
        """Newest activity first (a new or answered turn counts as activity, a rename does not)."""
        with self._read() as conn:
            rows = conn.execute(
                "SELECT id, title, updated_at, turn_count FROM conversations"
                " ORDER BY updated_at DESC, pk DESC LIMIT ? OFFSET ?",
                (limit, offset),
            ).fetchall()
        return [
            ConversationSummary(
                id=r[0], title=r[1] or DEFAULT_TITLE, updated_at=to_datetime(r[2]), turn_count=r[3]
            )
            for r in rows
        ]

    def rename(self, conversation_id: str, title: str) -> None:
        self._set(conversation_id, "title", clean_title(title))

    def set_router_session(self, conversation_id: str, session_id: str | None) -> None:
        self._set(conversation_id, "router_session_id", session_id)

    def set_allowed_actions(self, conversation_id: str, slugs: Iterable[str]) -> None:
        """Allowed for the rest of the conversation (rules live in the settings file)."""
        self._set(conversation_id, "allowed_actions", json.dumps(sorted(set(slugs))))

    def set_budget(self, conversation_id: str, budget: OwnBudget) -> None:
        """Its own budget: an amount, "off" (none), or None to follow the setting."""
        self._set(conversation_id, "budget", budget_column(budget))

    def _set(self, conversation_id: str, column: str, value: str | None) -> None:
        with self._write() as conn:
            sql = f"UPDATE conversations SET {column} = ? WHERE id = ?"  # our column names
            cursor = conn.execute(sql, (value, conversation_id))
            if cursor.rowcount == 0:
                raise NotFoundError("This conversation no longer exists.")

    def delete(self, conversation_id: str) -> bool:
        """Delete the conversation and its turns; False if it did not exist."""
        with self._write() as conn:
            cursor = conn.execute("DELETE FROM conversations WHERE id = ?", (conversation_id,))
            return cursor.rowcount > 0

    # -- turns -------------------------------------------------------------------------------

    def begin_turn(
        self,
        conversation_id: str,
        prompt: str,
        attachments: Sequence[Attachment] = (),
        *,
        model: str | None = None,
    ) -> int:
        """Commit the prompt, its files' records and `model` as a pending turn: its id."""
        if not prompt.strip():
            raise StoreError("A prompt cannot be empty.")
        with self._write() as conn:
            pk, title = conversation_key(conn, conversation_id)
            now = self._now()
            cursor = conn.execute(
                "INSERT INTO turns (conversation_pk, prompt, created_at, attachments_json, model)"
                " VALUES (?, ?, ?, ?, ?)",
                (pk, prompt, now, attachments_to_json(attachments), model),
            )
            conn.execute(
                "UPDATE conversations SET turn_count = turn_count + 1, updated_at = ?,"
                " title = ? WHERE pk = ?",
                (now, title if title is not None else derive_title(prompt), pk),
            )
            turn_id = cursor.lastrowid
        assert turn_id is not None
        return turn_id

    def complete_turn(
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
        """Store the reply of a pending turn (finished, stopped or failed) and add its usage.

        `messages_json` is `ModelMessagesTypeAdapter.dump_json(result.new_messages())`, checked
        so that a bad value can never break `history()` later; none keeps what `record_progress`
        stored. A failed turn keeps its sentence (`error`) and its `fix`, for each face to word.
        """
        if status not in FINAL_STATUSES:
            raise StoreError(f"A turn cannot be completed with status {status!r}.")
        stored_messages = checked_messages(messages_json)
        turn_usage = usage or Usage()
        cards = [bounded_card(card) for card in tool_cards]
        with self._write() as conn:
            row = conn.execute(
                "SELECT conversation_pk, status FROM turns WHERE id = ?", (turn_id,)
            ).fetchone()
            if row is None:
                raise NotFoundError("This turn no longer exists.")
            if row[1] != "pending":
                raise TurnEndedError(f"Turn {turn_id} is already {row[1]}.")
            now = self._now()
            conn.execute(
                "UPDATE turns SET status = ?, messages_json = COALESCE(?, messages_json),"
                " reply_text = ?,"
                " tool_cards_json = ?, error = ?, input_tokens = ?, output_tokens = ?,"
                " requests = ?, tool_calls = ?, cost = ?, completed_at = ?, fix_json = ?"
                " WHERE id = ?",
                (
                    status,
                    stored_messages,
                    text,
                    cards_to_json(cards),
                    error,
                    *usage_columns(turn_usage),
                    now,
                    fix_to_json(fix),
                    turn_id,
                ),
            )
            add_to_conversation(conn, row[0], turn_usage, now)

    def turns(
        self, conversation_id: str, limit: int | None = None, *, before: int | None = None
    ) -> list[TurnRecord]:
        """The newest `limit` turns (all if None) older than turn `before`, oldest first."""
        with self._read() as conn:
            pk, _ = conversation_key(conn, conversation_id)
            rows = conn.execute(
                f"SELECT {TURN_COLUMNS} FROM turns WHERE conversation_pk = ? AND id < ?"
                " ORDER BY id DESC LIMIT ?",
                (pk, before if before is not None else 2**63 - 1, -1 if limit is None else limit),
            ).fetchall()
        return [turn_from_row(conversation_id, row) for row in reversed(rows)]

    def record_progress(
        self,
        turn_id: int,
        messages_json: bytes | str | None,
        text: str,
        tool_cards: Sequence[ToolCardRecord] = (),
    ) -> None:
        """Keep what a pending turn has done so far (`progress.save_progress`): one write."""
        stored_messages = checked_messages(messages_json)
        cards = cards_to_json([bounded_card(card) for card in tool_cards])
        with self._write() as conn:
            save_progress(conn, turn_id, stored_messages, text, cards)

    def history(self, conversation_id: str) -> list[ModelMessage]:
        """The pydantic-ai message history to continue the conversation with: the stored
        messages of its turns, repaired (`model_history.history_of`)."""
        with self._read() as conn:
            pk, _ = conversation_key(conn, conversation_id)
            rows = history_rows(conn, pk)
        return history_of(rows)

    def delete_last_turn(self, conversation_id: str) -> TurnRecord | None:
        """Remove the newest turn (to regenerate it or edit its prompt); returns what it was."""
        with self._write() as conn:
            pk, _ = conversation_key(conn, conversation_id)
            row = conn.execute(
                f"SELECT {TURN_COLUMNS} FROM turns WHERE conversation_pk = ?"
                " ORDER BY id DESC LIMIT 1",
                (pk,),
            ).fetchone()
            if row is None:
                return None
            delete_turns(conn, pk, "id = ?", (row[0],), self._now())
        return turn_from_row(conversation_id, row)

    def truncate_after(self, turn_id: int, *, inclusive: bool = False) -> int:
        """Delete the turns after `turn_id` (and it too if `inclusive`); returns how many."""
        with self._write() as conn:
            row = conn.execute(
                "SELECT conversation_pk FROM turns WHERE id = ?", (turn_id,)
            ).fetchone()
            if row is None:
                raise NotFoundError("This turn no longer exists.")
            op = ">=" if inclusive else ">"
            return delete_turns(conn, row[0], f"id {op} ?", (turn_id,), self._now())

    # -- search ------------------------------------------------------------------------------

    def search(self, query: str, limit: int = 20) -> list[SearchHit]:
        """Best hit per conversation over titles, prompts and replies, best first (bm25).

        Any input is safe: terms are quoted, the last one matches as a prefix.
        """
        with self._read() as conn:
            return search_hits(conn, query, limit)

    # -- export / import (the export's models load with the first one, not with the store) -----

    def export_markdown(self, conversation_id: str, sandbox_cost: Decimal | None = None) -> str:
        """`sandbox_cost`: what its sandboxes have cost so far, when the app knows."""
        from desktop.core.store.export import render_markdown

        conversation, turns = self.export_data(conversation_id)
        return render_markdown(conversation, [record for record, _ in turns], sandbox_cost)

    def export_json(self, conversation_id: str, sandbox_cost: Decimal | None = None) -> str:
        from desktop.core.store.export import render_json

        conversation, turns = self.export_data(conversation_id)
        when = to_datetime(self._clock())
        return render_json(conversation, turns, exported_at=when, sandbox_cost=sandbox_cost)

    def import_json(self, text: str | bytes) -> str:
        """Create a new conversation (new id, no router session) from `export_json` output."""
        from desktop.core.store.export import parse_export

        imported = parse_export(text)
        conversation_id = uuid.uuid4().hex
        with self._write() as conn:
            insert_imported(conn, conversation_id, imported, self._now())
        return conversation_id

    def spending_between(self, start: float, end: float) -> Spending:
        """The model's cost of the turns completed in [start, end) (epoch seconds)."""
        with self._read() as conn:
            return spending_between(conn, start, end)

    def export_data(self, conversation_id: str) -> tuple[Conversation, list[StoredTurn]]:
        with self._read() as conn:
            return stored_turns(conn, conversation_id)

    # -- what the sandbox meter has seen (its own JSON: desktop.core.sandboxes.meter) ---------

    def sandbox_clocks(self) -> list[str]:
        """The meter's record of each sandbox, as it wrote it (a damaged one included: the
        meter decides what it is worth)."""
        with self._read() as conn:
            rows = conn.execute(
                "SELECT CAST(clock_json AS TEXT) FROM sandbox_clocks ORDER BY sandbox_id"
            ).fetchall()
        return [row[0] for row in rows if row[0] is not None]

    def keep_sandbox_clocks(self, kept: Mapping[str, str], dropped: Collection[str] = ()) -> None:
        """Keep the records of `kept` (sandbox id: record, replacing what was there) and forget
        those of `dropped`, in one transaction."""
        with self._write() as conn:
            conn.executemany(
                "INSERT INTO sandbox_clocks (sandbox_id, clock_json) VALUES (?, ?)"
                " ON CONFLICT (sandbox_id) DO UPDATE SET clock_json = excluded.clock_json",
                list(kept.items()),
            )
            conn.executemany(
                "DELETE FROM sandbox_clocks WHERE sandbox_id = ?", [(i,) for i in dropped]
            )
