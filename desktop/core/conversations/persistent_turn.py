"""One stored turn of a `PersistentChat`: the prompt before the agent runs, what it has done so
far as each tool call finishes, the reply before the turn's last event reaches the caller (see
`desktop.core.conversations.persistent`)."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING

from desktop.core.agent.events import (
    TERMINAL_EVENTS,
    ToolCallFinished,
    TurnCancelled,
    TurnEnd,
    TurnEvent,
    TurnFailed,
)
from desktop.core.agent.prompt import validate_prompt
from desktop.core.conversations.recorder import TurnRecorder
from desktop.core.conversations.session_protocols import OuterTurn
from desktop.core.errors import REPLY_ENDED_MESSAGE, ErrorKind
from desktop.core.store.records import StoreError

if TYPE_CHECKING:
    from collections.abc import Sequence

    from desktop.core.agent.attachments import Attachment
    from desktop.core.conversations.persistent import PersistentChat


class PersistentTurn(OuterTurn):
    """One turn, stored: the prompt before the agent runs, its messages, text and cards each time
    a tool call finishes (before that event is passed on), the reply before the last event.

    Iterate it like `TurnStream` (it yields the session's events unchanged); `cancel()` stops
    the turn and what arrived is stored as a stopped turn, as it is when the turn is cut off
    from outside (its task cancelled at shutdown, or its consumer gone).
    """

    def __init__(
        self, chat: PersistentChat, prompt: str, attachments: Sequence[Attachment] = ()
    ) -> None:
        super().__init__()
        self._chat = chat
        self._prompt = prompt
        self._attachments = tuple(attachments)  # uploaded already; stored with the prompt
        self.conversation_id: str | None = None
        self.turn_id: int | None = None

    async def _events(self) -> AsyncIterator[TurnEvent]:
        chat = self._chat
        problem = validate_prompt(self._prompt)
        if problem:  # never stored: there is nothing to keep
            yield TurnFailed(ErrorKind.BAD_INPUT, problem)
            return
        try:
            await chat.sync_with_store()
            conversation_id, turn_id, _ = await chat.store_prompt(self._prompt, self._attachments)
        except StoreError as exc:
            yield TurnFailed(ErrorKind.UNEXPECTED, str(exc))
            return
        self.conversation_id, self.turn_id = conversation_id, turn_id
        try:  # its own, else the setting's; what it spent before, as stored
            budget = await chat.budgets.turn_budget(conversation_id) if chat.budgets else None
        except StoreError as exc:
            yield TurnFailed(ErrorKind.UNEXPECTED, str(exc))
            return
        inner = self._begin(
            chat.session.run_turn(
                self._prompt, self._attachments, conversation_id=conversation_id, budget=budget
            )
        )
        recorder = TurnRecorder()
        stored = False
        try:
            async for event in inner:
                recorder.add(event)
                if isinstance(event, TERMINAL_EVENTS):
                    await chat.store_reply(conversation_id, turn_id, event, recorder)
                    stored = True
                    yield event
                    return
                if isinstance(event, ToolCallFinished):  # what ran is on disk before it shows
                    await chat.store_progress(turn_id, inner.progress(), recorder)
                yield event
            # A stream that ends without a terminal event breaks its contract; keep what came.
            await chat.store_reply(
                conversation_id,
                turn_id,
                TurnFailed(ErrorKind.UNEXPECTED, REPLY_ENDED_MESSAGE),
                recorder,
            )
            stored = True
        finally:
            if not stored:
                # Cut off from outside (the task was cancelled, or the consumer left).
                with contextlib.suppress(Exception):
                    await inner.aclose()
                # Stored with what arrived: the stream's own end (stopped, with its messages)
                # and the events it produced that were not taken yet.
                end: TurnEnd = TurnCancelled("")
                for event in inner.leftover():
                    recorder.add(event)
                    if isinstance(event, TERMINAL_EVENTS):
                        end = event
                await chat.store_reply(conversation_id, turn_id, end, recorder)
