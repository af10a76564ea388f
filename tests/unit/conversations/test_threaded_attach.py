"""Attaching files across threads: the upload runs on the agent's loop, its progress reaches the
face's loop in order, a cancel there cuts the upload off on the agent's loop, and a turn that
carries the records gets them."""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Sequence
from pathlib import Path

from desktop.core.agent.attachments import Attachment, AttachProgress
from desktop.core.agent.events import TurnEvent, TurnFinished, Usage
from desktop.core.agent.worker import AgentLoop
from desktop.core.conversations.threaded import ThreadedBackend
from tests.unit.agent.test_attachments import SALES

RECORD = SALES


class _Turn:
    def __init__(self, attachments: Sequence[Attachment]) -> None:
        self.attachments = tuple(attachments)

    def cancel(self) -> None: ...

    def decide(self, decisions: object) -> None: ...

    def __aiter__(self) -> _Turn:
        return self

    async def __anext__(self) -> TurnEvent:
        if self.attachments == ():
            raise StopAsyncIteration
        names = ",".join(a.name for a in self.attachments)
        self.attachments = ()
        return TurnFinished(names, Usage())


class _UploadingBackend:
    """Reports progress from the agent's thread; "slow" files wait until cancelled."""

    def __init__(self) -> None:
        self.threads: list[threading.Thread] = []
        self.cancelled = threading.Event()
        self.turn_attachments: list[tuple[Attachment, ...]] = []

    async def attach(
        self, paths: Sequence[Path], progress: AttachProgress | None = None
    ) -> tuple[Attachment, ...]:
        self.threads.append(threading.current_thread())
        assert progress is not None
        for sent in range(0, 101, 25):
            progress(0, sent, 100)
        if paths[0].name == "slow":
            try:
                await asyncio.sleep(3600)
            except asyncio.CancelledError:
                self.cancelled.set()
                raise
        return (RECORD,)

    def run_turn(
        self, prompt: str, attachments: Sequence[Attachment] = (), **_run: object
    ) -> _Turn:
        self.turn_attachments.append(tuple(attachments))
        return _Turn(attachments)


def test_progress_crosses_in_order_and_the_records_come_back() -> None:
    inner = _UploadingBackend()

    async def scenario() -> tuple[list[tuple[int, int, int | None, threading.Thread]], object]:
        agent_loop = AgentLoop()
        seen: list[tuple[int, int, int | None, threading.Thread]] = []
        try:
            backend = ThreadedBackend(agent_loop, inner)  # type: ignore[arg-type]
            records = await backend.attach(
                [Path("a.csv")], lambda *p: seen.append((*p, threading.current_thread()))
            )
            events = [event async for event in backend.run_turn("go", records)]
            return seen, (records, events)
        finally:
            await agent_loop.aclose()

    seen, (records, events) = asyncio.run(scenario())
    assert records == (RECORD,)
    assert [(i, sent, size) for i, sent, size, _ in seen] == [
        (0, s, 100) for s in range(0, 101, 25)
    ]
    assert {thread for *_, thread in seen} == {threading.main_thread()}  # the face's thread
    assert inner.threads and inner.threads[0] is not threading.main_thread()
    assert inner.turn_attachments == [(RECORD,)]
    assert events == [TurnFinished("sales.csv", Usage())]


def test_cancelling_the_face_cancels_the_upload_on_the_agent_s_loop() -> None:
    inner = _UploadingBackend()

    async def scenario() -> None:
        agent_loop = AgentLoop()
        try:
            backend = ThreadedBackend(agent_loop, inner)  # type: ignore[arg-type]
            started = asyncio.Event()
            upload = asyncio.ensure_future(backend.attach([Path("slow")], lambda *_: started.set()))
            await started.wait()
            upload.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await upload
            await asyncio.to_thread(inner.cancelled.wait, 5)
        finally:
            await agent_loop.aclose()

    asyncio.run(scenario())
    assert inner.cancelled.is_set()
