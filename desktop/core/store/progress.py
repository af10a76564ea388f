"""A pending turn's progress, kept while it runs: what it has done so far, one write per call.

The chat writes it each time a tool call finishes (`PersistentChat.store_progress`): the turn's
messages so far (the calls that ran and what they returned), its text and its tool cards. The
turn stays 'pending' until `complete_turn`; a process killed meanwhile leaves it so, holding
every call that had finished, which `history()` then gives the model and the view shows.
"""

from __future__ import annotations

import sqlite3

from desktop.core.store.records import NotFoundError, TurnEndedError


def save_progress(
    conn: sqlite3.Connection,
    turn_id: int,
    messages_json: str | None,
    text: str,
    cards_json: str,
) -> None:
    """One UPDATE of the pending turn; `messages_json` None keeps the messages it has."""
    cursor = conn.execute(
        "UPDATE turns SET messages_json = COALESCE(?, messages_json), reply_text = ?,"
        " tool_cards_json = ? WHERE id = ? AND status = 'pending'",
        (messages_json, text, cards_json, turn_id),
    )
    if cursor.rowcount:
        return
    row = conn.execute("SELECT status FROM turns WHERE id = ?", (turn_id,)).fetchone()
    if row is None:
        raise NotFoundError("This turn no longer exists.")
    raise TurnEndedError(f"Turn {turn_id} is already {row[0]}.")
