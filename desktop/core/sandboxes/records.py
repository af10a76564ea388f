"""E2B's answers as typed records: a listed sandbox, metric samples, log lines, lifecycle events.

Field names are E2B's (`sandboxID`, `startedAt`, `cpuCount`, ...; `shared/reference/
e2b-openapi.yml`), read by pydantic aliases; fields the app does not use are ignored, so a new
field in E2B's answer changes nothing. An entry that cannot be read at all is counted, not
dropped silently (`read_each`).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any, TypeVar

from pydantic import (
    AliasChoices,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
)

from desktop.core.agent.sandbox_tag import CONVERSATION_KEY

log = logging.getLogger(__name__)

RUNNING = "running"
PAUSED = "paused"

_Record = TypeVar("_Record", bound=BaseModel)


class _E2BRecord(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore", populate_by_name=True)


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


# The moments a sandbox's times may be (the meter's kept clocks hold the same bounds): Go's
# zero time ("0001-01-01T00:00:00Z") as a start charged a conversation for 2,000 years.
FIRST_MOMENT = datetime(1970, 1, 1, tzinfo=UTC)
LAST_MOMENT = datetime.fromtimestamp(1e10, tz=UTC)  # year 2286
MOST_CPUS = 4096
MOST_MB = 1 << 30  # a petabyte
MOST_BYTES = 1 << 53  # what a float still counts exactly


class Sandbox(_E2BRecord):
    """One running or paused sandbox of the user's E2B team (E2B's `ListedSandbox`)."""

    sandbox_id: str = Field(alias="sandboxID", min_length=1)
    template_id: str = Field(default="", alias="templateID")
    alias: str | None = None
    state: str = RUNNING  # "running" or "paused"; another state E2B adds is kept as it is
    started_at: datetime | None = Field(default=None, alias="startedAt")
    end_at: datetime | None = Field(default=None, alias="endAt")  # when its TTL runs out
    cpu_count: int = Field(default=0, alias="cpuCount", ge=0, le=MOST_CPUS)
    memory_mb: int = Field(default=0, alias="memoryMB", ge=0, le=MOST_MB)
    disk_size_mb: int | None = Field(default=None, alias="diskSizeMB", ge=0, le=MOST_MB)
    metadata: Mapping[str, str] = Field(default_factory=dict)

    @field_validator("started_at", "end_at")
    @classmethod
    def _utc(cls, value: datetime | None) -> datetime | None:
        """Aware, and unknown (None: counted from when it is first seen) when it is out of
        any sandbox's life (a zero time, a year past 2286)."""
        if value is None:
            return None
        moment = _aware(value)
        return moment if FIRST_MOMENT <= moment <= LAST_MOMENT else None

    @field_validator("state", mode="before")
    @classmethod
    def _lower(cls, value: object) -> object:
        return value.strip().lower() if isinstance(value, str) else value

    @field_validator("metadata", mode="before")
    @classmethod
    def _strings(cls, value: object) -> object:
        if value is None:
            return {}
        if isinstance(value, Mapping):
            return {str(k): v if isinstance(v, str) else str(v) for k, v in value.items()}
        return value

    @property
    def running(self) -> bool:
        return self.state == RUNNING

    @property
    def paused(self) -> bool:
        return self.state == PAUSED

    @property
    def label(self) -> str:
        """Its template as people call it: the alias, else the template id."""
        return self.alias or self.template_id or "unknown template"

    @property
    def conversation_id(self) -> str | None:
        """The conversation of this app that created it (its tag), or None."""
        value = self.metadata.get(CONVERSATION_KEY)
        return value or None

    @property
    def made_here(self) -> bool:
        """Created by this app's agent (it carries the app's tag)."""
        return self.conversation_id is not None

    def seconds_left(self, now: datetime) -> float | None:
        """Seconds until its TTL ends (never below 0); None when paused or unknown."""
        if not self.running or self.end_at is None:
            return None
        return max(0.0, (self.end_at - now).total_seconds())


LAST_TIMESTAMP = 253_402_300_799  # 9999-12-31T23:59:59Z


class MetricSample(_E2BRecord):
    """One of E2B's 5-second samples of a sandbox (`SandboxMetric`); sizes in bytes."""

    # Bounded: a time past year 9999 (or before 1970) made the chart and its words raise, so
    # such a sample is unreadable (odd figures are clamped where they are drawn: `shown`).
    timestamp_unix: int = Field(alias="timestampUnix", ge=0, le=LAST_TIMESTAMP)
    # Sizes bounded above too: 10**400 bytes made the chart's arithmetic overflow (a negative
    # or NaN figure is clamped where it is drawn).
    cpu_count: int = Field(default=0, alias="cpuCount", le=MOST_CPUS)
    cpu_used_pct: float = Field(default=0.0, alias="cpuUsedPct")
    mem_used: int = Field(default=0, alias="memUsed", le=MOST_BYTES)
    mem_total: int = Field(default=0, alias="memTotal", le=MOST_BYTES)
    disk_used: int = Field(default=0, alias="diskUsed", le=MOST_BYTES)
    disk_total: int = Field(default=0, alias="diskTotal", le=MOST_BYTES)

    @property
    def at(self) -> datetime:
        return datetime.fromtimestamp(self.timestamp_unix, tz=UTC)


class LogLine(_E2BRecord):
    """One log entry of a sandbox (`SandboxLogEntry`, or the older `SandboxLog`'s `line`)."""

    timestamp: datetime
    message: str = Field(default="", validation_alias=AliasChoices("message", "line"))
    level: str = "info"

    @field_validator("timestamp")
    @classmethod
    def _utc(cls, value: datetime) -> datetime:
        return _aware(value)


class LifecycleEvent(_E2BRecord):
    """A sandbox was created, paused, resumed, updated or killed (E2B's lifecycle events)."""

    timestamp: datetime
    label: str = Field(default="", alias="eventLabel")  # "created", "paused", "killed", ...
    type: str = ""

    @field_validator("timestamp")
    @classmethod
    def _utc(cls, value: datetime) -> datetime:
        return _aware(value)


def read_each(model: type[_Record], items: Iterable[Any]) -> tuple[tuple[_Record, ...], int]:
    """The entries that read as `model`, and how many did not (logged once, with the first
    one's errors: an answer of 60,000 odd entries is not 60,000 log lines; never shown raw)."""
    read: list[_Record] = []
    unreadable = 0
    first: ValidationError | None = None
    for item in items:
        try:
            read.append(model.model_validate(item))
        except ValidationError as exc:
            unreadable += 1
            first = first or exc
    if first is not None:
        log.warning(
            "%d E2B %s entries could not be read; the first: %s",
            unreadable,
            model.__name__,
            first.errors(include_input=False, include_url=False)[:2],
        )
    return tuple(read), unreadable
