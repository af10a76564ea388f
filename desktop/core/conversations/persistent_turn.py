"""One stored turn of a `PersistentChat`: the prompt before the agent runs, the reply before
the turn's last event reaches the caller (see `desktop.core.conversations.persistent`)."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING

from desktop.core.agent.events import TERMINAL_EVENTS, TurnCancelled, TurnEvent, TurnFailed
from desktop.core.agent.prompt import validate_prompt
from desktop.core.conversations.recorder import TurnRecorder
from desktop.core.errors import REPLY_ENDED_MESSAGE, ErrorKind
from desktop.core.store.records import StoreError

if TYPE_CHECKING:
    from desktop.core.consent.approvals import Decision
    from desktop.core.conversations.persistent import PersistentChat, SessionTurn


class PersistentTurn:
    """One turn, stored: the prompt before the agent runs, the reply before the last event.

    Iterate it like `TurnStream` (it yields the session's events unchanged); `cancel()` stops
    the turn and what arrived is stored as a stopped turn.
    """

    def __init__(self, chat: PersistentChat, prompt: str) -> None:
        self._chat = chat
        self._prompt = prompt
        self._inner: SessionTurn | None = None
        self._cancel_requested = False
        self.conversation_id: str | None = None
        self.turn_id: int | None = None

    def __aiter__(self) -> AsyncIterator[TurnEvent]:
        return self._events()

    def cancel(self) -> None:
        self._cancel_requested = True
        if self._inner is not None:
            self._inner.cancel()

    def decide(self, decisions: tuple[Decision, ...]) -> None:
        if self._inner is not None:
            self._inner.decide(decisions)

    async def _events(self) -> AsyncIterator[TurnEvent]:
        chat = self._chat
        problem = validate_prompt(self._prompt)
        if problem:  # never stored: there is nothing to keep
            yield TurnFailed(ErrorKind.BAD_INPUT, problem)
            return
        try:
            await chat.sync_with_store()
            conversation_id, turn_id, _ = await chat.store_prompt(self._prompt)
        except StoreError as exc:
            yield TurnFailed(ErrorKind.UNEXPECTED, str(exc))
            return
        self.conversation_id, self.turn_id = conversation_id, turn_id
        inner = self._inner = chat.session.run_turn(self._prompt)
        if self._cancel_requested:
            inner.cancel()
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
                # Stored as stopped, with what arrived.
                await chat.store_reply(conversation_id, turn_id, TurnCancelled(""), recorder)
