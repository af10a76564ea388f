"""The long conversation's history for bench_long_chat: one real turn, copied with fresh ids."""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from desktop.core.agent.session import ChatSession
    from desktop.core.store.records import ToolCardRecord

PROMPT = "list my sandboxes"
TITLE = "A long conversation"


@dataclass(frozen=True)
class TurnTemplate:
    """One real turn: its new messages as stored, its reply text and its tool cards."""

    messages_json: bytes
    text: str
    cards: tuple[ToolCardRecord, ...]

    def ids(self) -> list[str]:
        """The ids a turn's messages carry, which a copy of the turn must not repeat."""
        found: list[str] = []
        for message in json.loads(self.messages_json):
            found += [message[k] for k in ("run_id", "provider_response_id") if message.get(k)]
            for part in message["parts"]:
                found += [part[k] for k in ("tool_call_id", "id") if part.get(k)]
        return sorted(set(found), key=len, reverse=True)

    def copy(self, n: int) -> tuple[bytes, tuple[ToolCardRecord, ...]]:
        """Turn n's messages and cards: the template with every id made unique."""
        text = self.messages_json.decode()
        renamed = {old: f"{old[:-5]}{n:05d}" for old in self.ids()}
        for old, new in renamed.items():
            text = text.replace(old, new)
        cards = tuple(replace(c, call_id=renamed.get(c.call_id, c.call_id)) for c in self.cards)
        return text.encode(), cards


async def real_turn(session: ChatSession, prompt: str = PROMPT) -> tuple[list[object], Any]:
    """Run one turn to its end; (its events, the terminal event). Fails loudly if it failed."""
    from desktop.core.agent.events import TurnFinished

    events: list[object] = [event async for event in session.run_turn(prompt)]
    last = events[-1]
    if not isinstance(last, TurnFinished):
        raise RuntimeError(f"the turn did not finish: {last!r}")
    return events, last


def template_of(events: list[object], finished: Any) -> TurnTemplate:
    from desktop.core.agent.events import ToolCallFinished, ToolCallStarted
    from desktop.core.store.records import tool_card_from_events

    started = {e.call_id: e for e in events if isinstance(e, ToolCallStarted)}
    cards = tuple(
        tool_card_from_events(started[e.call_id], e, 0.05)
        for e in events
        if isinstance(e, ToolCallFinished)
    )
    return TurnTemplate(finished.messages_json, finished.text, cards)


def write_store(
    database: Path, model: str, turns: list[tuple[bytes, tuple[ToolCardRecord, ...]]], text: str
) -> None:
    from desktop.core.store.sqlite import ConversationStore

    database.parent.mkdir(parents=True, exist_ok=True)
    with ConversationStore(database) as store:
        conversation = store.create_conversation(model, TITLE)
        for messages_json, cards in turns:
            turn = store.begin_turn(conversation, PROMPT)
            store.complete_turn(turn, messages_json, text, cards)
