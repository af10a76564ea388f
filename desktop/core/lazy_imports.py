"""Heavy libraries, imported when first needed, off the event loop, one group at a time.

The window paints and the app sits idle without the agent's libraries: pydantic-ai's message
types alone weigh ~50 MB and the whole agent stack (pydantic-ai, its MCP client, openai) ~110 MB
and over a second of import on a 2-core laptop. They are imported when a conversation is first
continued or a prompt first typed, on a background thread so the UI keeps painting.

All heavy imports go through one lock: two threads importing pydantic-ai at once can see its
modules half-initialised. What surrounds each group's import beyond that (the window pauses the
garbage collector) is the process's decision, made at start-up through `surround_imports`.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import importlib
import logging
import sys
import threading
import time
from collections.abc import Callable, Sequence

log = logging.getLogger(__name__)

# httpx loads its transport (httpcore) on first use, on the event loop otherwise (~80 ms).
HTTP_CLIENT: tuple[str, ...] = ("httpx", "httpcore", "certifi", "httpx_sse")
MESSAGE_TYPES: tuple[str, ...] = ("pydantic_ai.messages",)
AGENT_STACK: tuple[str, ...] = (
    *HTTP_CLIENT,
    "pydantic_ai",
    "pydantic_ai.messages",
    "pydantic_ai.mcp",
    "pydantic_ai.models.openai",
    "pydantic_ai.providers.openai",
    "openai",
    # What the model and its first run import on demand, on the event loop otherwise (~150 ms):
    # the SDK's resources for either API, its stream helpers, and the price tables.
    "openai.resources.responses.responses",
    "openai.resources.chat.chat",
    "openai.resources.chat.completions.completions",
    "openai.lib._response_resources",
    "openai.lib._chat_completion_resources",
    "openai.lib.streaming.responses",
    "openai.lib.streaming.chat",
    "genai_prices.data",
    "genai_prices.decompose",
    "genai_prices.validation",
)

# What a reply's first markdown and code block import (~70 ms on the UI thread otherwise):
# markdown-it-py for the streaming cuts, Pygments' lexer table and the Python lexer.
RENDERING: tuple[str, ...] = (
    "markdown_it",
    "pygments.lexer",
    "pygments.token",
    "pygments.lexers",
    "pygments.lexers.python",
)

ImportGuard = Callable[[], contextlib.AbstractContextManager[object]]

_import_lock = threading.Lock()  # held by the one thread importing
_guard: ImportGuard = contextlib.nullcontext
_registry_lock = threading.Lock()
_pending: dict[tuple[str, ...], concurrent.futures.Future[None]] = {}


def imported(modules: Sequence[str]) -> bool:
    """True when every module of the group is already loaded."""
    return all(name in sys.modules for name in modules)


def surround_imports(guard: ImportGuard) -> None:
    """Run every later group's import inside `guard()` (held with the import lock).

    A process-wide choice, such as pausing the garbage collector, belongs to the start-up of
    the face that makes it, not to the core: by default nothing surrounds the imports.
    """
    global _guard
    _guard = guard


def _import_group(modules: tuple[str, ...], then: Callable[[], object] | None) -> None:
    started = time.perf_counter()
    with _import_lock, _guard():
        for name in modules:
            importlib.import_module(name)
        if then is not None:
            then()
    more = f" and {len(modules) - 1} more modules" if len(modules) > 1 else ""
    log.info("imported %s%s in %.2f s", modules[0], more, time.perf_counter() - started)


def _run(
    modules: tuple[str, ...],
    then: Callable[[], object] | None,
    future: concurrent.futures.Future[None],
) -> None:
    if not future.set_running_or_notify_cancel():
        return
    try:
        _import_group(modules, then)
    except BaseException as exc:  # an ImportError of a broken install, reported to the caller
        future.set_exception(exc)
    else:
        future.set_result(None)


def start_import(
    modules: Sequence[str], then: Callable[[], object] | None = None
) -> concurrent.futures.Future[None]:
    """Start importing `modules` on a background thread (once); a future of the import.

    `then` runs on that thread once they are imported, to build ahead what they are for (a
    parser, a lexer); not when the group was imported or started already. A failed import is
    tried again by the next call.
    """
    key = tuple(modules)
    with _registry_lock:
        future = _pending.get(key)
        if future is not None and not (future.done() and future.exception() is not None):
            return future
        future = concurrent.futures.Future()
        _pending[key] = future
        if imported(key):
            future.set_running_or_notify_cancel()
            future.set_result(None)
            return future
    # A daemon thread: an import still running at exit must not hold the process up.
    threading.Thread(target=_run, args=(key, then, future), name="imports", daemon=True).start()
    return future


async def import_off_loop(modules: Sequence[str]) -> None:
    """Import `modules` without blocking the event loop; returns at once when they are loaded."""
    if imported(modules):
        return
    await asyncio.wrap_future(start_import(modules))
