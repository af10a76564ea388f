"""SQL-level pieces of the conversation store: rows to records, search, bulk import, checks."""

from __future__ import annotations

import dataclasses
import json
import math
import sqlite3
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from desktop.core.agent.code_runs import bounded_run
from desktop.core.agent.tool_calls import truncate_result
from desktop.core.store.codec import (
    attachments_from_json,
    attachments_to_json,
    budget_column,
    budget_from_column,
    cards_from_json,
    cards_to_json,
    fix_from_json,
    fix_to_json,
    usage_columns,
    usage_from_columns,
)
from desktop.core.store.highlight import HIGHLIGHT_END, HIGHLIGHT_START
from desktop.core.store.records import (
    DEFAULT_TITLE,
    Conversation,
    NotFoundError,
    SearchHit,
    StoreError,
    ToolCardRecord,
    TurnRecord,
    fts_query,
    to_datetime,
)

if TYPE_CHECKING:  # the export's models load with the first export or import, not the store
    from desktop.core.store.export import ImportedConversation, StoredTurn

CONVERSATION_COLUMNS = (
    "id, title, model, created_at, updated_at, router_session_id, turn_count,"
    " input_tokens, output_tokens, requests, tool_calls, cost, allowed_actions, budget,"
    " (SELECT COUNT(*) FROM turns WHERE conversation_pk = conversations.pk AND cost IS NULL"
    " AND input_tokens + output_tokens > 0)"
)
TURN_COLUMNS = (
    "id, prompt, status, reply_text, tool_cards_json, error,"
    " input_tokens, output_tokens, requests, tool_calls, cost, created_at, completed_at,"
    " fix_json, attachments_json, model"
)
SNIPPET_TOKENS = 12

_TURN_HITS = """
SELECT t.conversation_pk, t.id, hit.score FROM (
    SELECT rowid, bm25(turns_fts) AS score FROM turns_fts
    WHERE turns_fts MATCH ? ORDER BY score LIMIT ?
) AS hit JOIN turns AS t ON t.id = hit.rowid
"""
_TITLE_HITS = """
SELECT rowid, NULL, bm25(conversations_fts) AS score FROM conversations_fts
WHERE conversations_fts MATCH ? ORDER BY score LIMIT ?
"""


def search_hits(conn: sqlite3.Connection, query: str, limit: int) -> list[SearchHit]:
    """Best hit per conversation over titles, prompts and replies, best first (bm25).

    Any input is safe: terms are quoted, the last one matches as a prefix.
    """
    match = fts_query(query)
    if match is None or limit <= 0:
        return []
    best = _best_per_conversation(conn, match, limit)
    if not best:
        return []
    found = {
        pk: (cid, title)
        for pk, cid, title in conn.execute(
            f"SELECT pk, id, title FROM conversations WHERE pk IN ({','.join('?' * len(best))})",
            [pk for pk, _ in best],
        )
    }
    # Snippets only for the hits returned: computing one for every match is the slow part.
    return [
        SearchHit(
            conversation_id=found[pk][0],
            title=found[pk][1] or DEFAULT_TITLE,
            snippet=_snippet(conn, match, pk, turn_id),
            turn_id=turn_id,
        )
        for pk, turn_id in best
    ]


def _best_per_conversation(
    conn: sqlite3.Connection, match: str, limit: int
) -> list[tuple[int, int | None]]:
    """(conversation pk, turn id or None for the title) of the best hits, best first.

    Ranks only the top `depth` matches of each index (ranking every match is what costs), and
    trusts a conversation's place only if its score is no worse than the last one fetched from
    an index that had more matches; when that leaves too few, it looks deeper.
    """
    depth = max(4 * limit, 64)
    while True:
        turn_rows = conn.execute(_TURN_HITS, (match, depth)).fetchall()
        title_rows = conn.execute(_TITLE_HITS, (match, depth)).fetchall()
        cutoff = math.inf
        for rows in (turn_rows, title_rows):
            if len(rows) == depth:  # there may be more, all scoring no better than the last
                cutoff = min(cutoff, rows[-1][2])
        best: dict[int, tuple[float, int | None]] = {}
        for pk, turn_id, score in sorted(turn_rows + title_rows, key=_hit_order):
            if score <= cutoff:
                best.setdefault(pk, (score, turn_id))
        if len(best) >= limit or cutoff == math.inf:
            return [(pk, turn_id) for pk, (_, turn_id) in list(best.items())[:limit]]
        depth *= 4


def _hit_order(row: Sequence[Any]) -> tuple[float, int]:
    # Best score first (bm25 is lower for better); on a tie the title, then the earlier turn.
    return (row[2], row[1] or 0)


def _snippet(conn: sqlite3.Connection, match: str, pk: int, turn_id: int | None) -> str:
    table, rowid = ("conversations_fts", pk) if turn_id is None else ("turns_fts", turn_id)
    row = conn.execute(
        f"SELECT snippet({table}, -1, ?, ?, '…', {SNIPPET_TOKENS}) FROM {table}"
        f" WHERE {table} MATCH ? AND rowid = ?",
        (HIGHLIGHT_START, HIGHLIGHT_END, match, rowid),
    ).fetchone()
    return "" if row is None or row[0] is None else str(row[0])


def insert_imported(
    conn: sqlite3.Connection, conversation_id: str, imported: ImportedConversation, now: float
) -> None:
    meta = imported.conversation
    cursor = conn.execute(
        "INSERT INTO conversations (id, title, model, created_at, updated_at, turn_count,"
        " input_tokens, output_tokens, requests, tool_calls, cost, budget)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            conversation_id,
            meta.title,
            meta.model,
            meta.created_at,
            now,  # an import is new activity: it shows at the top of the list
            len(imported.turns),
            *usage_columns(meta.usage),
            budget_column(meta.budget),
        ),
    )
    conn.executemany(
        "INSERT INTO turns (conversation_pk, prompt, status, messages_json, reply_text,"
        " tool_cards_json, error, input_tokens, output_tokens, requests, tool_calls, cost,"
        " created_at, completed_at, fix_json, attachments_json, model)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            (
                cursor.lastrowid,
                t.prompt,
                t.status,
                messages_json,
                t.text,  # a pending turn keeps what it had shown when it was cut off
                cards_to_json([bounded_card(c) for c in t.tool_cards]),
                t.error,
                *usage_columns(t.usage),
                t.created_at.timestamp(),
                None if t.completed_at is None else t.completed_at.timestamp(),
                fix_to_json(t.fix),
                attachments_to_json(t.attachments),
                t.model,
            )
            for t, messages_json in imported.turns
        ],
    )


def stored_turns(
    conn: sqlite3.Connection, conversation_id: str
) -> tuple[Conversation, list[StoredTurn]]:
    """A conversation and every turn of it with its messages, oldest first (for an export)."""
    row = conn.execute(
        f"SELECT {CONVERSATION_COLUMNS}, pk FROM conversations WHERE id = ?", (conversation_id,)
    ).fetchone()
    if row is None:
        raise NotFoundError("This conversation no longer exists.")
    turn_rows = conn.execute(
        f"SELECT {TURN_COLUMNS}, messages_json FROM turns WHERE conversation_pk = ? ORDER BY id",
        (row[-1],),
    ).fetchall()
    return conversation_from_row(row[:-1]), [
        (turn_from_row(conversation_id, r[:-1]), r[-1]) for r in turn_rows
    ]


def conversation_key(conn: sqlite3.Connection, conversation_id: str) -> tuple[int, str | None]:
    """The conversation's integer key and title; NotFoundError when it is gone."""
    row = conn.execute(
        "SELECT pk, title FROM conversations WHERE id = ?", (conversation_id,)
    ).fetchone()
    if row is None:
        raise NotFoundError("This conversation no longer exists.")
    return int(row[0]), row[1]


def delete_turns(
    conn: sqlite3.Connection, pk: int, condition: str, params: tuple[object, ...], now: float
) -> int:
    """Delete conversation `pk`'s turns that meet `condition`; how many."""
    # Usage totals stay: the tokens of a deleted turn were spent all the same.
    cursor = conn.execute(
        f"DELETE FROM turns WHERE conversation_pk = ? AND {condition}", (pk, *params)
    )
    conn.execute(
        "UPDATE conversations SET turn_count = turn_count - ?, updated_at = ? WHERE pk = ?",
        (cursor.rowcount, now, pk),
    )
    return cursor.rowcount


def describe_error(exc: sqlite3.Error) -> str:
    text = str(exc)
    if "locked" in text or "busy" in text:
        return "The conversation database is busy (another copy of the app?); try again."
    if "full" in text:
        return "The disk is full: the conversation could not be saved."
    return f"The conversation database failed: {text}."


def checked_messages(messages_json: bytes | str | None) -> str | None:
    """The messages as stored text, after proving they load (so `history()` never breaks).

    Empty (b"", what the chat session sends for a turn without messages) is stored as NULL.
    """
    if not messages_json:
        return None
    from pydantic_ai.messages import ModelMessagesTypeAdapter  # heavy: see store_sync.history

    try:
        ModelMessagesTypeAdapter.validate_json(messages_json)
    except ValidationError as exc:
        raise StoreError("The turn's messages are not valid pydantic-ai messages.") from exc
    if isinstance(messages_json, bytes):
        return messages_json.decode()
    return messages_json


def bounded_card(card: ToolCardRecord) -> ToolCardRecord:
    """The card with its result (and its code run's texts) cut as the live card cut them
    (cards from an import may be longer)."""
    text = truncate_result(card.result_text)
    run = bounded_run(card.code_run) if card.code_run is not None else None
    if text is card.result_text and run is card.code_run:
        return card
    return dataclasses.replace(card, result_text=text, code_run=run)


def conversation_from_row(row: Sequence[Any]) -> Conversation:
    (cid, title, model, created, updated, session, count, i, o, r, t, cost, allowed) = row[:13]
    budget, unpriced = row[13:15]
    return Conversation(
        id=cid,
        title=title if title is not None else DEFAULT_TITLE,
        model=model,
        created_at=to_datetime(created),
        updated_at=to_datetime(updated),
        router_session_id=session,
        usage=usage_from_columns(i, o, r, t, cost),
        turn_count=count,
        allowed_actions=allowed_actions_from_column(allowed),
        budget=budget_from_column(budget),
        unpriced_turns=unpriced,
    )


def allowed_actions_from_column(value: str | None) -> tuple[str, ...]:
    """The stored allowance; a damaged one is none (the app then asks again, never less)."""
    try:
        slugs = json.loads(value) if value else []
    except ValueError:
        return ()
    if not isinstance(slugs, list):
        return ()
    return tuple(slug for slug in slugs if isinstance(slug, str))


def turn_from_row(conversation_id: str, row: Sequence[Any]) -> TurnRecord:
    (tid, prompt, status, text, cards, error, i, o, r, t, cost, created, done, fix) = row[:14]
    files, model = row[14:16]
    return TurnRecord(
        id=tid,
        conversation_id=conversation_id,
        prompt=prompt,
        status=status,
        text=text or "",
        tool_cards=cards_from_json(cards),
        error=error,
        usage=usage_from_columns(i, o, r, t, cost),
        created_at=to_datetime(created),
        completed_at=None if done is None else to_datetime(done),
        fix=fix_from_json(fix),
        attachments=attachments_from_json(files),
        model=model,
    )
