"""An in-memory E2B account answering the 27 E2B tool slugs with E2B-shaped data and errors."""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from tests.fakes.e2b_catalog import TOOLS_BY_SLUG
from tests.fakes.e2b_resources import TemplatesAndWebhooks
from tests.fakes.e2b_state import (
    ALIASES,
    BASE_TEMPLATE_ID,
    SEED_PAUSED_ID,
    SEED_RUNNING_ID,
    TEAM_ID,
    E2BError,
    Sandbox,
    arg,
    iso,
    seed_sandboxes,
)

NOT_CONNECTED_MESSAGE = (
    "No active connection found for toolkit 'e2b' for this user. Use "
    "COMPOSIO_MANAGE_CONNECTIONS to create one and ask the user to complete the Connect Link."
)


@dataclass(frozen=True)
class Outcome:
    """Result of one E2B tool execution, as Composio reports it."""

    successful: bool
    data: dict[str, Any] | None
    error: str | None

    def as_response(self) -> dict[str, Any]:
        return {"successful": self.successful, "data": self.data or {}, "error": self.error}


class E2BEmulator:
    """State of one fake E2B team. Thread-safe; `execute(slug, args)` is the entry point.

    `seed=True` starts with one running and one paused sandbox, `False` with none, or pass a
    list of dicts (keys: sandboxID, templateID, state, metadata, cpuCount, memoryMB).
    """

    def __init__(
        self,
        *,
        connected: bool = True,
        seed: bool | Sequence[Mapping[str, Any]] = True,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._lock = threading.RLock()
        self._clock = clock
        self._initial_connected = connected
        self._seed = seed
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.reset()

    # ------------------------------------------------------------------ state
    def reset(self) -> None:
        with self._lock:
            now = self._clock()
            self._connected = self._initial_connected
            self.connected_account_id = f"ca_{uuid.uuid4().hex[:12]}"
            self._resources = TemplatesAndWebhooks(self._clock)
            self._templates = self._resources.templates
            self._sandboxes: dict[str, Sandbox] = {}
            self._events: list[dict[str, Any]] = []
            self.calls = []
            for box in seed_sandboxes(self._seed, now, self._templates):
                self._sandboxes[box.sandbox_id] = box
                self._event(box, "created", box.started_at)
                if box.state == "paused":
                    self._event(box, "paused", box.end_at)

    @property
    def connected(self) -> bool:
        with self._lock:
            return self._connected

    def complete_connection(self) -> None:
        """What happens when the user finishes the Connect Link: E2B becomes usable."""
        with self._lock:
            self._connected = True

    def disconnect(self) -> None:
        with self._lock:
            self._connected = False

    def sandboxes(self) -> list[dict[str, Any]]:
        """Current sandboxes as E2B's ListedSandbox dicts."""
        with self._lock:
            self._expire()
            return [b.listed() for b in self._sandboxes.values()]

    def add_sandbox(self, **fields: Any) -> dict[str, Any]:
        """Add a sandbox directly (fields as in `seed`); returns its ListedSandbox dict."""
        with self._lock:
            box = seed_sandboxes([fields], self._clock(), self._templates)[0]
            self._sandboxes[box.sandbox_id] = box
            self._event(box, "created", box.started_at)
            return box.listed()

    def sandbox_metrics(self, sandbox_id: str, now: float) -> list[dict[str, Any]]:
        """The `SandboxMetric` samples E2B_GET_SANDBOX_METRICS answers at `now`."""
        with self._lock:
            return self._sandboxes[sandbox_id].metrics(now)

    def add_log(self, sandbox_id: str, message: str, level: str = "info") -> None:
        """A line the sandbox's own processes logged (a `SandboxLogEntry`), as E2B keeps it."""
        with self._lock:
            box = self._sandboxes[sandbox_id]
            box.logs.append(
                {
                    "timestamp": iso(self._clock()),
                    "level": level,
                    "message": message,
                    "fields": {"logger": "envd", "sandboxID": box.sandbox_id},
                }
            )

    # ------------------------------------------------------------------ execution
    def execute(self, slug: str, arguments: Mapping[str, Any] | None = None) -> Outcome:
        """Run one E2B tool; never raises for E2B-level errors."""
        args = dict(arguments or {})
        with self._lock:
            self.calls.append((slug, args))
            if not self._connected:
                return Outcome(False, None, NOT_CONNECTED_MESSAGE)
            tool = TOOLS_BY_SLUG.get(slug)
            name = f"_do_{slug[4:].lower()}"
            handler = getattr(self, name, None) or getattr(self._resources, name, None)
            if tool is None or handler is None:
                return Outcome(False, None, f"Tool {slug} not found")
            missing = [r for r in tool.required if arg(args, r, *ALIASES.get(r, ())) is None]
            if missing:
                return Outcome(
                    False,
                    None,
                    f"Invalid request data provided - Following fields are missing: {set(missing)}",
                )
            self._expire()
            try:
                return Outcome(True, handler(args), None)
            except E2BError as exc:
                return Outcome(False, None, str(exc))

    def _now(self) -> float:
        return self._clock()

    def _expire(self) -> None:
        now = self._now()
        for box in list(self._sandboxes.values()):
            if box.state == "running" and box.end_at <= now:
                if box.auto_pause:
                    box.state = "paused"
                    self._event(box, "paused", box.end_at)
                else:
                    del self._sandboxes[box.sandbox_id]
                    self._event(box, "killed", box.end_at)

    def _event(
        self, box: Sandbox, label: str, at: float, data: dict[str, Any] | None = None
    ) -> None:
        self._events.append(
            {
                "id": str(uuid.uuid4()),
                "version": "v1",
                "type": f"sandbox.lifecycle.{label}",
                "eventCategory": "lifecycle",
                "eventLabel": label,
                "eventData": data,
                "sandboxId": box.sandbox_id,
                "sandboxExecutionId": box.execution_id,
                "sandboxTemplateId": box.template_id,
                "sandboxBuildId": box.build_id,
                "sandboxTeamId": TEAM_ID,
                "timestamp": iso(at),
            }
        )
        box.logs.append(
            {
                "timestamp": iso(at),
                "level": "info",
                "message": f"Sandbox {label}",
                "fields": {"logger": "orchestrator", "sandboxID": box.sandbox_id},
            }
        )

    def _box(self, args: Mapping[str, Any]) -> Sandbox:
        box_id = str(arg(args, "sandbox_id", *ALIASES["sandbox_id"]))
        box = self._sandboxes.get(box_id)
        if box is None:
            raise E2BError(404, f"sandbox \"{box_id}\" doesn't exist or you don't have access")
        return box

    # ------------------------------------------------------------------ sandboxes
    def _do_check_api_health(self, args: dict[str, Any]) -> dict[str, Any]:
        return {"healthy": True, "status_code": 204}

    def _do_list_all_sandboxes(self, args: dict[str, Any]) -> dict[str, Any]:
        states = arg(args, "state", default=["running", "paused"])
        states = [states] if isinstance(states, str) else list(states)
        wanted = dict(
            p.split("=", 1) for p in str(arg(args, "metadata", default="")).split("&") if "=" in p
        )
        boxes = [
            b
            for b in self._sandboxes.values()
            if b.state in states and all(b.metadata.get(k) == v for k, v in wanted.items())
        ]
        boxes.sort(key=lambda b: b.started_at, reverse=True)
        limit = int(arg(args, "limit", default=100))
        if not 1 <= limit <= 100:  # E2B's bounds for a page
            raise E2BError(400, "limit must be between 1 and 100")
        start = int(arg(args, "next_token", "nextToken", default=0) or 0)
        page = boxes[start : start + limit]
        more = start + limit < len(boxes)
        return {
            "sandboxes": [b.listed() for b in page],
            "next_token": str(start + limit) if more else None,
        }

    def _do_get_sandbox(self, args: dict[str, Any]) -> dict[str, Any]:
        return self._box(args).detail()

    def _do_create_sandbox(self, args: dict[str, Any]) -> dict[str, Any]:
        template = self._resources.template(str(arg(args, "templateID", *ALIASES["templateID"])))
        now = self._now()
        box = Sandbox.new(template, now, float(arg(args, "timeout", default=300)))
        box.auto_pause = bool(arg(args, "autoPause", "auto_pause", default=False))
        box.metadata = {
            str(k): str(v) for k, v in (arg(args, "metadata", default={}) or {}).items()
        }
        self._sandboxes[box.sandbox_id] = box
        template.spawn_count += 1
        template.last_spawned_at = now
        self._event(box, "created", now)
        return box.created()

    def _do_connect_sandbox(self, args: dict[str, Any]) -> dict[str, Any]:
        box = self._box(args)
        now = self._now()
        timeout = float(arg(args, "timeout", default=300))
        if box.state == "paused":
            box.state = "running"
            self._event(box, "resumed", now)
        box.end_at = max(box.end_at, now + timeout)
        return box.created()

    def _do_set_sandbox_timeout(self, args: dict[str, Any]) -> dict[str, Any]:
        box = self._running(args)
        box.end_at = self._now() + float(arg(args, "timeout", default=300))
        self._event(box, "updated", self._now(), {"set_timeout": iso(box.end_at)})
        return {"sandboxID": box.sandbox_id, "endAt": iso(box.end_at)}

    def _do_refresh_sandbox(self, args: dict[str, Any]) -> dict[str, Any]:
        box = self._running(args)
        duration = float(arg(args, "duration", default=60))
        if duration > 3600:
            raise E2BError(400, "duration must be at most 3600 seconds")
        box.end_at = max(box.end_at, self._now() + duration)
        return {"sandboxID": box.sandbox_id, "endAt": iso(box.end_at)}

    def _running(self, args: Mapping[str, Any]) -> Sandbox:
        box = self._box(args)
        if box.state != "running":
            raise E2BError(409, f'sandbox "{box.sandbox_id}" is paused')
        return box

    def _do_pause_sandbox(self, args: dict[str, Any]) -> dict[str, Any]:
        box = self._box(args)
        if box.state == "paused":
            raise E2BError(409, f'sandbox "{box.sandbox_id}" is already paused')
        box.state = "paused"
        box.end_at = self._now()
        self._event(box, "paused", self._now())
        return {"sandboxID": box.sandbox_id, "state": "paused", "message": "Sandbox paused"}

    def _do_delete_sandboxes(self, args: dict[str, Any]) -> dict[str, Any]:
        box = self._box(args)
        del self._sandboxes[box.sandbox_id]
        self._event(box, "killed", self._now())
        return {"sandboxID": box.sandbox_id, "message": "Sandbox killed"}

    def _do_get_sandbox_logs(self, args: dict[str, Any]) -> dict[str, Any]:
        box = self._box(args)
        return {"logs": box.logs[: int(arg(args, "limit", default=1000))]}

    def _do_get_sandbox_metrics(self, args: dict[str, Any]) -> dict[str, Any]:
        box = self._box(args)
        return {"metrics": box.metrics(self._now())}

    def _do_list_sandboxes_metrics(self, args: dict[str, Any]) -> dict[str, Any]:
        ids = arg(args, "sandbox_ids", "sandboxIds", default=[])
        found = {
            i: self._sandboxes[i].metrics(self._now())[-1:] for i in ids if i in self._sandboxes
        }
        return {"sandboxes": {i: samples[0] for i, samples in found.items() if samples}}

    def _do_get_sandbox_lifecycle_events(self, args: dict[str, Any]) -> dict[str, Any]:
        box_id = str(arg(args, "sandbox_id", *ALIASES["sandbox_id"]))
        events = [e for e in self._events if e["sandboxId"] == box_id]
        if not events:
            raise E2BError(404, f"sandbox \"{box_id}\" doesn't exist or you don't have access")
        return {"events": self._page(events, args)}

    def _do_list_team_sandbox_lifecycle_events(self, args: dict[str, Any]) -> dict[str, Any]:
        return {"events": self._page(self._events, args)}

    @staticmethod
    def _page(events: list[dict[str, Any]], args: Mapping[str, Any]) -> list[dict[str, Any]]:
        ordered = events if arg(args, "orderAsc", default=False) else list(reversed(events))
        offset = int(arg(args, "offset", default=0))
        return ordered[offset : offset + int(arg(args, "limit", default=100))]

    def _do_get_team_metrics(self, args: dict[str, Any]) -> dict[str, Any]:
        now = int(self._now())
        running = sum(1 for b in self._sandboxes.values() if b.state == "running")
        samples = [
            {
                "timestamp": iso(t),
                "timestampUnix": t,
                "concurrentSandboxes": running,
                "sandboxStartRate": round(0.002 * (i % 3), 4),
            }
            for i, t in enumerate(range(now - 600, now + 1, 60))
        ]
        return {"metrics": samples}

    def _do_get_team_maximum_metrics(self, args: dict[str, Any]) -> dict[str, Any]:
        metric = arg(args, "metric", default="concurrent_sandboxes")
        if metric not in ("concurrent_sandboxes", "sandbox_start_rate"):
            raise E2BError(400, f"invalid metric '{metric}'")
        now = int(self._now())
        value = float(len(self._sandboxes)) if metric == "concurrent_sandboxes" else 0.004
        return {"timestamp": iso(now), "timestampUnix": now, "value": value}

    def dump(self) -> str:
        """The whole state as JSON (handy when a test fails)."""
        with self._lock:
            return json.dumps(
                {
                    "connected": self._connected,
                    "sandboxes": self.sandboxes(),
                    "webhooks": list(self._resources.webhooks.values()),
                },
                indent=2,
            )


__all__ = [
    "BASE_TEMPLATE_ID",
    "NOT_CONNECTED_MESSAGE",
    "SEED_PAUSED_ID",
    "SEED_RUNNING_ID",
    "E2BEmulator",
    "Outcome",
]
