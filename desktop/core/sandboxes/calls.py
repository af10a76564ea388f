"""E2B actions called without the model: `COMPOSIO_MULTI_EXECUTE_TOOL` on the Tool Router's MCP
connection (`shared/reference/composio-files-workbench-direct.md`), no tokens spent.

Each method runs one E2B tool (or, for a sandbox's details, three in one router call) and reads
the router's answer: `data.results[i]` = `{tool_slug, response: {successful, data, error} |
null, error}`. A failure is a `SandboxError`: one sentence, its kind telling the face whether to
offer the Connect Link (E2B not connected), say the sandbox is gone, or just show it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from desktop.core.errors import ErrorKind, UserFacingError, quoted
from desktop.core.router.connection import ToolAnsweredError
from desktop.core.router.types import MANAGE_CONNECTIONS_TOOL, MULTI_EXECUTE_TOOL
from desktop.core.sandboxes.records import LifecycleEvent, LogLine, MetricSample, Sandbox, read_each

DIRECT_CALL_SECONDS = 30.0
"""How long one call without the model may take (the panel waits for it, not the agent)."""
PAGE_SIZE = 100  # E2B's most sandboxes per page
MAX_PAGES = 50  # 5,000 sandboxes: a bound against a next-page token that never ends
LOG_LINES = 100  # the last lines a sandbox's details show

LIST = "E2B_LIST_ALL_SANDBOXES"
PAUSE = "E2B_PAUSE_SANDBOX"
RESUME = "E2B_CONNECT_SANDBOX"
SET_TIMEOUT = "E2B_SET_SANDBOX_TIMEOUT"
KILL = "E2B_DELETE_SANDBOXES"
METRICS = "E2B_GET_SANDBOX_METRICS"
LOGS = "E2B_GET_SANDBOX_LOGS"
EVENTS = "E2B_GET_SANDBOX_LIFECYCLE_EVENTS"

# What each action does, as a sentence names it ("could not pause sandbox X").
VERBS = {
    LIST: "list your sandboxes",
    PAUSE: "pause",
    RESUME: "resume",
    SET_TIMEOUT: "extend",
    KILL: "kill",
    METRICS: "read the metrics of",
    LOGS: "read the logs of",
    EVENTS: "read the lifecycle events of",
}
PAST = {PAUSE: "paused", RESUME: "resumed", SET_TIMEOUT: "extended", KILL: "killed"}

NOT_CONNECTED_MESSAGE = (
    "E2B is not connected to your Composio account yet: connect it (with its Connect Link) to "
    "see and manage your sandboxes."
)
_NOT_CONNECTED_WORDS = ("no active connection", "not connected", "no connected account")


def _not_found(text: str, sandbox_id: str) -> bool:
    """E2B's 404 for a sandbox (`sandbox "x" doesn't exist or you don't have access`)."""
    if text.startswith("404") or "doesn't exist" in text or "does not exist" in text:
        return True
    return sandbox_id in text and "not found" in text


class ToolCaller(Protocol):
    """Where the calls go: the Tool Router connection of a chat session
    (`ChatSession.call_tool`, as `PersistentChat` and `MemoryChat` pass it on)."""

    async def call_tool(self, name: str, arguments: dict[str, Any], seconds: float) -> Any: ...


class SandboxError(UserFacingError):
    """An E2B action that failed, in one sentence; `kind` is NOT_CONNECTED, NOT_FOUND, TIMEOUT,
    UNREACHABLE, SERVER_ERROR or another of the router's."""


@dataclass(frozen=True)
class Listing:
    """Every running and paused sandbox of the team, read page after page."""

    sandboxes: tuple[Sandbox, ...]
    unreadable: int = 0  # entries E2B listed that could not be read (logged)
    pages: int = 1


@dataclass(frozen=True)
class Details:
    """What the panel shows for a selected sandbox; each part is read or says why not
    (`metrics` None: not asked for, the sandbox is paused and E2B collects none)."""

    metrics: tuple[MetricSample, ...] | SandboxError | None
    logs: tuple[LogLine, ...] | SandboxError
    events: tuple[LifecycleEvent, ...] | SandboxError


def _what(slug: str, sandbox_id: str | None) -> str:
    verb = VERBS.get(slug, f"run {slug} on")
    return verb if sandbox_id is None else f"{verb} sandbox {sandbox_id}"


def _failure(slug: str, sandbox_id: str | None, text: str) -> SandboxError:
    low = text.lower()
    if any(word in low for word in _NOT_CONNECTED_WORDS):
        return SandboxError(ErrorKind.NOT_CONNECTED, NOT_CONNECTED_MESSAGE)
    if sandbox_id is not None and _not_found(low, sandbox_id.lower()):
        return SandboxError(
            ErrorKind.NOT_FOUND,
            f"Sandbox {sandbox_id} no longer exists: it was killed or its time ran out.",
        )
    detail = quoted(text) or "no reason given"
    return SandboxError(
        ErrorKind.SERVER_ERROR, f"E2B could not {_what(slug, sandbox_id)}: {detail}."
    )


def _loaded(value: Any) -> Any:
    if isinstance(value, str | bytes):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def _results(answer: Any, slugs: Sequence[str], sandbox_id: str | None) -> list[Any]:
    """The router's `data.results`, one per tool asked for, each its `data` or an error."""
    answer = _loaded(answer)
    data = answer.get("data") if isinstance(answer, Mapping) else None
    results = data.get("results") if isinstance(data, Mapping) else None
    if not isinstance(results, list):
        error = answer.get("error") if isinstance(answer, Mapping) else None
        text = str(error or answer or "an answer the app cannot read")
        return [_failure(slugs[0], sandbox_id, text)] * len(slugs)
    by_index: dict[int, Any] = {}
    for position, result in enumerate(results):
        if not isinstance(result, Mapping):
            continue
        index = result.get("index", position)
        response = result.get("response")
        error = result.get("error")
        inner = response.get("data") if isinstance(response, Mapping) else None
        if error or not isinstance(response, Mapping) or response.get("successful") is False:
            reason = error or (response.get("error") if isinstance(response, Mapping) else None)
            slug = slugs[index] if isinstance(index, int) and 0 <= index < len(slugs) else slugs[0]
            by_index[index] = _failure(slug, sandbox_id, str(reason or "it failed"))
        else:
            by_index[index] = inner if inner is not None else {}
    return [
        by_index.get(i, _failure(slug, sandbox_id, "no answer for it"))
        for i, slug in enumerate(slugs)
    ]


def listed_items(data: Any, *keys: str) -> list[Any]:
    """The list an answer holds under the first of `keys` (or the answer itself, a list)."""
    if isinstance(data, list):
        return data
    if isinstance(data, Mapping):
        for key in keys:
            value = data.get(key)
            if isinstance(value, list):
                return value
    return []


class SandboxCalls:
    """E2B actions on the sandboxes of the user's team, through a `ToolCaller`."""

    def __init__(self, caller: ToolCaller, seconds: float = DIRECT_CALL_SECONDS) -> None:
        self._caller = caller
        self._seconds = seconds

    async def _run(
        self, tools: Sequence[tuple[str, dict[str, Any]]], sandbox_id: str | None = None
    ) -> list[Any]:
        slugs = [slug for slug, _ in tools]
        arguments = {
            "tools": [{"tool_slug": slug, "arguments": args} for slug, args in tools],
            "sync_response_to_workbench": False,
        }
        try:
            answer = await self._caller.call_tool(MULTI_EXECUTE_TOOL, arguments, self._seconds)
        except ToolAnsweredError as exc:
            answer = _loaded(str(exc))
            if not isinstance(answer, Mapping):
                raise _failure(slugs[0], sandbox_id, str(exc)) from exc
        except UserFacingError as exc:
            if exc.kind is ErrorKind.TIMEOUT and slugs[0] in PAST:
                raise SandboxError(
                    ErrorKind.TIMEOUT,
                    f"E2B did not answer within {self._seconds:g} s: sandbox {sandbox_id} may "
                    f"have been {PAST[slugs[0]]}. Refresh the list to check.",
                ) from exc
            raise SandboxError(exc.kind, exc.message, exc.fix) from exc
        return _results(answer, slugs, sandbox_id)

    async def _one(self, slug: str, arguments: dict[str, Any], sandbox_id: str | None) -> Any:
        (result,) = await self._run([(slug, arguments)], sandbox_id)
        if isinstance(result, SandboxError):
            raise result
        return result

    async def list_all(self) -> Listing:
        """Every running and paused sandbox, following E2B's next-page token."""
        sandboxes: list[Sandbox] = []
        unreadable = 0
        token: str | None = None
        pages = 0
        while pages < MAX_PAGES:
            arguments: dict[str, Any] = {"state": ["running", "paused"], "limit": PAGE_SIZE}
            if token:
                arguments["next_token"] = token
            data = await self._one(LIST, arguments, None)
            pages += 1
            read, bad = read_each(Sandbox, listed_items(data, "sandboxes", "data", "items"))
            sandboxes.extend(read)
            unreadable += bad
            nxt = (
                data.get("next_token") or data.get("nextToken")
                if isinstance(data, Mapping)
                else None
            )
            token = str(nxt) if nxt else None
            if token is None:
                break
        unique = {box.sandbox_id: box for box in sandboxes}  # a page boundary seen twice
        return Listing(tuple(unique.values()), unreadable, pages)

    async def pause(self, sandbox_id: str) -> None:
        await self._one(PAUSE, {"sandbox_id": sandbox_id}, sandbox_id)

    async def resume(self, sandbox_id: str, seconds: int) -> None:
        """Resume a paused sandbox (E2B's connect), to run `seconds` from now."""
        await self._one(RESUME, {"sandbox_id": sandbox_id, "timeout": seconds}, sandbox_id)

    async def set_timeout(self, sandbox_id: str, seconds: int) -> None:
        """Its TTL ends `seconds` from now (E2B overwrites the previous end)."""
        await self._one(SET_TIMEOUT, {"sandbox_id": sandbox_id, "timeout": seconds}, sandbox_id)

    async def kill(self, sandbox_id: str) -> None:
        await self._one(KILL, {"sandbox_id": sandbox_id}, sandbox_id)

    async def manage_connections(self) -> Any:
        """The router's answer about E2B's connection (its Connect Link), failures as
        `SandboxError`s like every other call here."""
        try:
            return await self._caller.call_tool(
                MANAGE_CONNECTIONS_TOOL, {"toolkits": ["e2b"]}, self._seconds
            )
        except ToolAnsweredError as exc:
            raise _failure(MANAGE_CONNECTIONS_TOOL, None, str(exc)) from exc
        except UserFacingError as exc:
            raise SandboxError(exc.kind, exc.message, exc.fix) from exc

    async def details(self, sandbox_id: str, *, metrics: bool = True) -> Details:
        """Its metrics (unless `metrics` is False), last log lines and lifecycle events, in one
        router call."""
        box = {"sandbox_id": sandbox_id}
        tools: list[tuple[str, dict[str, Any]]] = [(LOGS, box), (EVENTS, {**box, "limit": 100})]
        if metrics:
            tools.insert(0, (METRICS, box))
        answers = await self._run(tools, sandbox_id)
        samples = _read_or_error(MetricSample, answers.pop(0), "metrics") if metrics else None
        logs, events = answers
        return Details(
            samples,
            _last(_read_or_error(LogLine, logs, "logs", "logEntries"), LOG_LINES),
            _read_or_error(LifecycleEvent, events, "events"),
        )


def _read_or_error(model: Any, data: Any, *keys: str) -> Any:
    if isinstance(data, SandboxError):
        return data
    read, _ = read_each(model, listed_items(data, *keys))
    return read


def _last(value: Any, count: int) -> Any:
    return value if isinstance(value, SandboxError) else value[-count:]
