"""Listed sandboxes for the sandbox tests, as E2B's `ListedSandbox` JSON reads."""

from __future__ import annotations

from datetime import UTC, datetime

from desktop.core.agent.sandbox_tag import CONVERSATION_KEY
from desktop.core.sandboxes.records import Sandbox

T0 = 1_800_000_000.0  # the tests' "now", in epoch seconds


def iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, tz=UTC).isoformat().replace("+00:00", "Z")


def box(
    sandbox_id: str = "isbx1",
    *,
    state: str = "running",
    started: float = T0,
    ends: float = T0 + 300,
    cpu: int = 2,
    memory: int = 512,
    conversation: str | None = None,
    **metadata: str,
) -> Sandbox:
    if conversation is not None:
        metadata[CONVERSATION_KEY] = conversation
    return Sandbox.model_validate(
        {
            "sandboxID": sandbox_id,
            "templateID": "rki5dems9wqfm4r03t7g",
            "alias": "base",
            "state": state,
            "startedAt": iso(started),
            "endAt": iso(ends),
            "cpuCount": cpu,
            "memoryMB": memory,
            "metadata": metadata,
        }
    )
