"""Records of the E2B emulator (sandboxes, templates) rendered with E2B's OpenAPI field names."""

from __future__ import annotations

import json
import random
import string
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http import HTTPStatus
from typing import Any

TEAM_ID = "6f1d6c1e-3b5a-4c8e-9f2a-7d4b0e9c1a23"
BASE_TEMPLATE_ID = "rki5dems9wqfm4r03t7g"
CODE_TEMPLATE_ID = "nlhz8vlwyupq845jsdg9"
SEED_RUNNING_ID = "ihk2q7b0v3xw9t5m4c1a"
SEED_PAUSED_ID = "i6pd0fz3ngk8r1yse7uw"
ENVD_VERSION = "0.2.4"

_rng = random.Random()


def new_id(length: int = 20) -> str:
    """An E2B-style id: lowercase letters and digits, starting with a letter."""
    alphabet = string.ascii_lowercase + string.digits
    return "i" + "".join(_rng.choice(alphabet) for _ in range(length - 1))


def iso(ts: float) -> str:
    """RFC 3339 UTC timestamp like E2B's (`2026-08-01T12:00:00.000Z`)."""
    moment = datetime.fromtimestamp(ts, tz=UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


class E2BError(Exception):
    """An E2B API error; `str()` is what Composio passes on to the agent."""

    def __init__(self, status: int, message: str) -> None:
        self.status = status
        self.message = message
        body = json.dumps({"code": status, "message": message})
        super().__init__(f"{status} {HTTPStatus(status).phrase}: {body}")


@dataclass
class Template:
    template_id: str
    aliases: list[str]
    build_id: str
    cpu_count: int
    memory_mb: int
    created_at: float
    updated_at: float
    public: bool = False
    disk_size_mb: int = 5120
    spawn_count: int = 0
    build_count: int = 1
    last_spawned_at: float | None = None
    build_status: str = "ready"

    @classmethod
    def new(cls, alias: str, now: float, cpu: int = 2, memory: int = 1024) -> Template:
        return cls(
            new_id()[1:] + "t",
            [alias],
            str(uuid.uuid4()),
            cpu,
            memory,
            now,
            now,
            build_status="waiting",
            build_count=0,
        )

    @property
    def label(self) -> str:
        return self.aliases[0] if self.aliases else self.template_id

    def as_dict(self) -> dict[str, Any]:
        return {
            "templateID": self.template_id,
            "buildID": self.build_id,
            "cpuCount": self.cpu_count,
            "memoryMB": self.memory_mb,
            "diskSizeMB": self.disk_size_mb,
            "public": self.public,
            "aliases": list(self.aliases),
            "names": list(self.aliases),
            "createdAt": iso(self.created_at),
            "updatedAt": iso(self.updated_at),
            "createdBy": None,
            "lastSpawnedAt": iso(self.last_spawned_at) if self.last_spawned_at else None,
            "spawnCount": self.spawn_count,
            "buildCount": self.build_count,
            "envdVersion": ENVD_VERSION,
            "buildStatus": self.build_status,
        }


def default_templates(now: float) -> dict[str, Template]:
    day = 86400
    # template id, alias, memory MB, created / updated (days ago), spawn count, build count
    rows = [
        (BASE_TEMPLATE_ID, "base", 512, 90, 30, 42, 7),
        (CODE_TEMPLATE_ID, "code-interpreter-v1", 1024, 60, 10, 17, 3),
    ]
    templates = [
        Template(
            template_id,
            [alias],
            str(uuid.uuid4()),
            2,
            memory_mb,
            now - created * day,
            now - updated * day,
            public=True,
            spawn_count=spawns,
            build_count=builds,
        )
        for template_id, alias, memory_mb, created, updated, spawns, builds in rows
    ]
    return {t.template_id: t for t in templates}


@dataclass
class Sandbox:
    sandbox_id: str
    template: Template
    started_at: float
    end_at: float
    state: str = "running"
    cpu_count: int = 2
    memory_mb: int = 512
    disk_size_mb: int = 5120
    metadata: dict[str, str] = field(default_factory=dict)
    auto_pause: bool = False
    client_id: str = "6532622b"
    execution_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    logs: list[dict[str, Any]] = field(default_factory=list)

    @classmethod
    def new(cls, template: Template, now: float, timeout: float) -> Sandbox:
        return cls(
            new_id(),
            template,
            now,
            now + timeout,
            cpu_count=template.cpu_count,
            memory_mb=template.memory_mb,
        )

    @property
    def template_id(self) -> str:
        return self.template.template_id

    @property
    def build_id(self) -> str:
        return self.template.build_id

    def _common(self) -> dict[str, Any]:
        return {
            "templateID": self.template_id,
            "alias": self.template.label,
            "sandboxID": self.sandbox_id,
            "clientID": self.client_id,
            "envdVersion": ENVD_VERSION,
        }

    def listed(self) -> dict[str, Any]:
        """E2B `ListedSandbox`."""
        return {
            **self._common(),
            "startedAt": iso(self.started_at),
            "endAt": iso(self.end_at),
            "cpuCount": self.cpu_count,
            "memoryMB": self.memory_mb,
            "diskSizeMB": self.disk_size_mb,
            "metadata": dict(self.metadata),
            "state": self.state,
            "volumeMounts": [],
        }

    def detail(self) -> dict[str, Any]:
        """E2B `SandboxDetail`."""
        return {
            **self.listed(),
            "envdAccessToken": f"envd-{self.execution_id[:8]}",
            "allowInternetAccess": None,
            "domain": "e2b.app",
            "lifecycle": {"autoResume": False, "onTimeout": "pause" if self.auto_pause else "kill"},
        }

    def created(self) -> dict[str, Any]:
        """E2B `Sandbox` (answer to create / connect)."""
        return {
            **self._common(),
            "envdAccessToken": f"envd-{self.execution_id[:8]}",
            "trafficAccessToken": None,
            "domain": "e2b.app",
        }

    def metrics(self, now: float) -> list[dict[str, Any]]:
        """E2B `SandboxMetric` samples every 5 s over the last minute of running time."""
        end = int(now if self.state == "running" else self.end_at)
        seed = sum(map(ord, self.sandbox_id))
        samples = []
        for i, ts in enumerate(range(max(int(self.started_at), end - 60), end + 1, 5)):
            used = 180_000_000 + ((seed * 7 + i * 13) % 50) * 1_000_000
            samples.append(
                {
                    "timestamp": iso(ts),
                    "timestampUnix": ts,
                    "cpuCount": self.cpu_count,
                    "cpuUsedPct": round(((seed + i * 17) % 400) / 10, 1),
                    "memUsed": used,
                    "memTotal": self.memory_mb * 1024 * 1024,
                    "memCache": 40_000_000,
                    "diskUsed": 1_200_000_000,
                    "diskTotal": self.disk_size_mb * 1024 * 1024,
                }
            )
        return samples


_DEFAULT_SEED: tuple[dict[str, Any], ...] = (
    {
        "sandboxID": SEED_RUNNING_ID,
        "templateID": "base",
        "state": "running",
        "metadata": {"purpose": "demo"},
        "age": 25 * 60,
        "ttl": 35 * 60,
    },
    {
        "sandboxID": SEED_PAUSED_ID,
        "templateID": "code-interpreter-v1",
        "state": "paused",
        "metadata": {"owner": "data-team"},
        "age": 2 * 3600,
        "ttl": 0,
        "memoryMB": 1024,
    },
)


def many_sandboxes(count: int) -> list[dict[str, Any]]:
    """Seeds for a heavy team: `count` sandboxes started a few seconds apart, four in five
    running (for a day), the rest paused."""
    return [
        {
            "sandboxID": f"i{n:019d}",
            "state": "paused" if n % 5 == 4 else "running",
            "age": 60 + 7 * n,
            "ttl": 24 * 3600,
            "metadata": {"n": str(n)},
        }
        for n in range(count)
    ]


def seed_sandboxes(
    seed: bool | Sequence[Mapping[str, Any]], now: float, templates: Mapping[str, Template]
) -> list[Sandbox]:
    """Sandboxes for a fresh emulator (`True` = the two defaults, `False` = none)."""
    specs: Sequence[Mapping[str, Any]]
    if seed is True:
        specs = _DEFAULT_SEED
    elif seed is False:
        specs = ()
    else:
        specs = seed
    boxes: list[Sandbox] = []
    for spec in specs:
        ref = str(spec.get("templateID", "base"))
        template = next(
            (t for t in templates.values() if ref == t.template_id or ref in t.aliases),
            templates[BASE_TEMPLATE_ID],
        )
        started = now - float(spec.get("age", 60))
        state = str(spec.get("state", "running"))
        end = now + float(spec.get("ttl", 300)) if state == "running" else now - 60
        boxes.append(
            Sandbox(
                str(spec.get("sandboxID") or new_id()),
                template,
                started,
                end,
                state=state,
                cpu_count=int(spec.get("cpuCount", template.cpu_count)),
                memory_mb=int(spec.get("memoryMB", template.memory_mb)),
                metadata={str(k): str(v) for k, v in (spec.get("metadata") or {}).items()},
            )
        )
    return boxes


# Other spellings of E2B tool arguments that the emulator accepts.
ALIASES: dict[str, tuple[str, ...]] = {
    "sandbox_id": ("sandboxID", "sandboxId", "id"),
    "templateID": ("template_id", "templateId", "template"),
    "template_id": ("templateID", "templateId"),
    "build_id": ("buildID",),
    "webhook_id": ("webhookID", "id"),
    "sandbox_ids": ("sandboxIds",),
    "name": ("alias",),
}


def arg(args: Mapping[str, Any], *names: str, default: Any = None) -> Any:
    """The first of `names` present (and not None) in `args`, else `default`."""
    for name in names:
        if name in args and args[name] is not None:
            return args[name]
    return default
