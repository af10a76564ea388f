"""What a turn showed, collected for the store: the reply's text and its tool cards, in place."""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable
from datetime import datetime
from typing import assert_never

from desktop.core.agent.events import (
    ApprovalRequested,
    ApprovalResolved,
    TextDelta,
    ToolCallFinished,
    ToolCallStarted,
    TurnCancelled,
    TurnEvent,
    TurnFailed,
    TurnFinished,
)
from desktop.core.consent.approvals import STOPPED_NOTE
from desktop.core.store.records import ToolCardRecord, tool_card_from_events


class TurnRecorder:
    """Collects what a turn showed, for the store: the reply's text and its tool cards."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._stretches: list[list[str]] = [[]]
        self._started: dict[str, ToolCallStarted] = {}
        self._finished: dict[str, ToolCallFinished] = {}
        self._began: dict[str, float] = {}
        self._seconds: dict[str, float] = {}
        self._stretches_before: dict[str, int] = {}  # how many stretches of text came first
        self._consent: dict[str, str] = {}  # who decided, per call asked about
        self._consent_at: dict[str, datetime | None] = {}  # and when
        self._not_run: dict[str, tuple[int, ...]] = {}  # the actions a decision left out

    def add(self, event: TurnEvent) -> None:
        match event:
            case TextDelta():
                self._stretches[-1].append(event.text)
            case ToolCallStarted():
                self._started.setdefault(event.call_id, event)
                self._began.setdefault(event.call_id, self._clock())
                if self._stretches[-1]:
                    self._stretches.append([])  # a tool call ends a stretch of text
                self._stretches_before.setdefault(event.call_id, len(self._stretches) - 1)
            case ToolCallFinished():
                self._finished[event.call_id] = event
                if event.call_id in self._began:
                    began = self._began[event.call_id]
                    self._seconds[event.call_id] = max(0.0, self._clock() - began)
                if event.call_id not in self._started:  # a result without a start: keep it
                    self._started[event.call_id] = ToolCallStarted(
                        event.call_id, event.tool_name, {}, ()
                    )
                    if self._stretches[-1]:
                        self._stretches.append([])
                    self._stretches_before[event.call_id] = len(self._stretches) - 1
            case TurnFinished() | TurnCancelled() | TurnFailed():
                pass  # the end is stored by `PersistentChat.store_reply`
            case ApprovalRequested():
                for call in event.calls:  # until decided: what a cut-off turn keeps
                    self._consent[call.call_id] = STOPPED_NOTE
            case ApprovalResolved():
                for outcome in event.outcomes:
                    self._consent[outcome.call_id] = outcome.note
                    self._consent_at[outcome.call_id] = outcome.decided_at
                    self._not_run[outcome.call_id] = outcome.not_run
            case _:
                assert_never(event)

    def text(self, final: str = "") -> str:
        """The streamed stretches, a blank line between them; the final output if none."""
        stretches = ["".join(parts).strip() for parts in self._stretches]
        streamed = "\n\n".join(s for s in stretches if s)
        return streamed or final.strip()

    def cards(self) -> list[ToolCardRecord]:
        """The cards, each with where in `text()` it came (so history shows them in place)."""
        stretches = ["".join(parts).strip() for parts in self._stretches]
        cards = []
        for call_id, started in self._started.items():
            card = tool_card_from_events(
                started, self._finished.get(call_id), self._seconds.get(call_id)
            )
            before = stretches[: self._stretches_before.get(call_id, len(stretches))]
            offset = len("\n\n".join(s for s in before if s))
            consent = self._consent.get(call_id, card.consent)
            decided_at = self._consent_at.get(call_id)
            cards.append(
                dataclasses.replace(
                    card,
                    text_offset=offset,
                    consent=consent,
                    consent_at=decided_at,
                    not_run=self._not_run.get(call_id, ()),
                )
            )
        return cards
