"""One turn of a chat session as an async iterator of typed events (`TurnStream`)."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING, Protocol

from desktop.core.agent.attachments import Attachment, prompt_with_attachments
from desktop.core.agent.budget import TurnBudget
from desktop.core.agent.build import Endpoints
from desktop.core.agent.events import (
    STOP_GRACE_SECONDS,
    TERMINAL_EVENTS,
    ApprovalRequested,
    ApprovalResolved,
    TextDelta,
    TurnCancelled,
    TurnEvent,
    TurnFailed,
    TurnFinished,
)
from desktop.core.agent.lone_surrogates import clean_messages, clean_text
from desktop.core.agent.model_errors import describe_model_error
from desktop.core.agent.output_files import OutputFiles
from desktop.core.agent.prompt import validate_prompt
from desktop.core.agent.run_usage import usage_of, usage_so_far
from desktop.core.agent.turn_calls import TurnCalls
from desktop.core.agent.turn_progress import messages_so_far
from desktop.core.config.sandbox_rates import SandboxRates
from desktop.core.config.settings import Settings
from desktop.core.consent.approvals import (
    ConsentState,
    Decision,
    deferred_results,
    pending_call,
)
from desktop.core.errors import ErrorKind, UserFacingError, unexpected
from desktop.core.lazy_imports import AGENT_STACK, import_off_loop
from desktop.core.redaction import Redactor
from desktop.core.router.types import ConnectionInfo, Timeouts

if TYPE_CHECKING:
    from pydantic_ai import Agent, RunContext
    from pydantic_ai.agent import AgentRunEvents
    from pydantic_ai.messages import ModelMessage, ToolReturnPart
    from pydantic_ai.tools import DeferredToolRequests, DeferredToolResults

log = logging.getLogger(__name__)


class TurnSession(Protocol):
    """What a turn needs of its chat session (`desktop.core.agent.session.ChatSession`)."""

    @property
    def history(self) -> tuple[ModelMessage, ...]: ...

    @property
    def agent(self) -> Agent[None, str]: ...

    @property
    def endpoints(self) -> Endpoints: ...

    @property
    def model_name(self) -> str: ...

    @property
    def model_base_url(self) -> str | None: ...

    @property
    def timeouts(self) -> Timeouts: ...

    @property
    def secrets(self) -> tuple[str, ...]: ...

    @property
    def redactor(self) -> Redactor: ...

    @property
    def consent(self) -> ConsentState: ...

    @property
    def settings(self) -> Settings: ...  # its sandbox prices name what an action costs

    output_files: OutputFiles  # what each code run left in the files mount

    def load_history(self, messages: Sequence[ModelMessage]) -> None: ...

    async def connect(self) -> ConnectionInfo: ...

    async def after_failure(self, exc: BaseException) -> None: ...


def _dump(messages: Sequence[ModelMessage]) -> bytes:
    from pydantic_ai.messages import ModelMessagesTypeAdapter

    return ModelMessagesTypeAdapter.dump_json(clean_messages(messages))


class TurnStream:
    """One turn as an async iterator of events, ending with TurnFinished/Cancelled/Failed.

    `cancel()` stops the turn promptly; what arrived stays in the history and is reported in
    TurnCancelled. Iterating never raises (other than the consumer's own cancellation).
    """

    def __init__(
        self,
        session: TurnSession,
        prompt: str,
        attachments: Sequence[Attachment] = (),
        conversation_id: str | None = None,
        budget: TurnBudget | None = None,
    ) -> None:
        self._session = session
        self._prompt = prompt
        self._attachments = tuple(attachments)  # uploaded already: the prompt names them
        self._conversation_id = conversation_id  # its sandbox creations are tagged with it
        self._budget = budget
        self._queue: asyncio.Queue[TurnEvent] = asyncio.Queue()
        self._task: asyncio.Task[None] | None = None
        self._handle: AgentRunEvents[str] | None = None
        self._cancel_requested = False
        self._done = False
        self._ended = False  # a terminal event was emitted
        self._text: list[str] = []
        self._decisions: asyncio.Future[tuple[Decision, ...]] | None = None  # while waiting
        self._before = 0  # how many messages of history the run began with
        self._returned: dict[str, ToolReturnPart] = {}  # by call id, as each call finished
        hosts = session.endpoints.composio_hosts
        self._calls = TurnCalls(session.consent, hosts, session.output_files)

    def __aiter__(self) -> TurnStream:
        return self

    async def __anext__(self) -> TurnEvent:
        if self._done:
            raise StopAsyncIteration
        if self._task is None:
            if self._cancel_requested:
                self._done = True
                return TurnCancelled("")
            self._task = asyncio.ensure_future(self._produce())
        event = await self._queue.get()
        if isinstance(event, TERMINAL_EVENTS):
            self._done = True
        return event

    @property
    def text(self) -> str:
        return "".join(self._text)

    def cancel(self) -> None:
        if self._done or self._cancel_requested:
            return
        self._cancel_requested = True
        if self._task is None:
            return
        if self._decisions is not None:
            self._decisions.cancel()  # what waited for a person is not run
        if self._handle is not None:
            self._handle.cancel()
            # A run stuck in a tool call or a silent socket is cut off after a short grace.
            asyncio.get_running_loop().call_later(STOP_GRACE_SECONDS, self._hard_cancel)
        else:
            self._hard_cancel()

    def progress(self) -> bytes:
        """The turn's messages so far while it runs (`turn_progress.messages_so_far`), for the
        store to keep as each call finishes; b"" when the run is not under way."""
        handle = self._handle
        try:
            messages = handle.all_messages() if handle is not None else []
        except Exception:  # the run has not started
            return b""
        if len(messages) <= self._before:
            return b""
        return _dump(messages_so_far(messages[self._before :], self._returned))

    def leftover(self) -> list[TurnEvent]:
        """The events produced and not taken yet: after `aclose`, what a consumer cut off from
        outside keeps (the end among them)."""
        events = []
        while not self._queue.empty():
            events.append(self._queue.get_nowait())
        return events

    def decide(self, decisions: tuple[Decision, ...]) -> None:
        """A person's answer to the pending `ApprovalRequested` (ignored if none is pending)."""
        waiting, self._decisions = self._decisions, None
        if waiting is not None and not waiting.done():
            waiting.set_result(decisions)

    async def _ask(
        self, _ctx: RunContext[None], requests: DeferredToolRequests
    ) -> DeferredToolResults:
        """While the run waits on calls that need a person: announce them, wait for `decide`.
        No timer decides; Stop cancels the run, and with it this wait (nothing runs)."""
        consent = self._session.consent
        calls = tuple(
            pending_call(part, consent.grants, consent.hints.get(part.tool_name, frozenset()))
            for part in requests.approvals
        )
        waiting = self._decisions = asyncio.get_running_loop().create_future()
        self._emit(ApprovalRequested(calls, SandboxRates.of(self._session.settings)))
        try:
            decisions = await waiting
        finally:
            self._decisions = None
        consent.remember(calls, decisions)
        results, outcomes = deferred_results(calls, {d.call_id: d for d in decisions})
        self._emit(ApprovalResolved(outcomes))
        return results

    def _hard_cancel(self) -> None:
        if self._task is not None and not self._task.done():
            self._task.cancel()

    async def aclose(self) -> None:
        """Stop the producer if the consumer goes away early (e.g. on shutdown)."""
        self.cancel()
        if self._task is not None and not self._task.done():
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task
        self._done = True

    def _emit(self, event: TurnEvent) -> None:
        if isinstance(event, TextDelta):
            self._text.append(event.text)
        elif isinstance(event, TERMINAL_EVENTS):
            self._ended = True
            if isinstance(event, TurnCancelled | TurnFailed):
                # What its requests cost until it stopped or failed counts all the same.
                spent = usage_so_far(self._handle, self._session.model_name)
                event = dataclasses.replace(event, usage=spent, model=self._session.model_name)
            if isinstance(event, TurnFailed):  # whatever words it was made of, no key
                event = dataclasses.replace(
                    event, message=self._session.redactor.text(event.message)
                )
        self._queue.put_nowait(event)

    async def _produce(self) -> None:
        session = self._session
        before = list(session.history)
        self._before = len(before)
        problem = validate_prompt(self._prompt)
        if problem:
            self._emit(TurnFailed(ErrorKind.BAD_INPUT, problem))
            return
        try:
            # The first turn may have to wait for the agent's libraries (off the event loop).
            await import_off_loop(AGENT_STACK)
        except asyncio.CancelledError:
            self._finish_cancelled(None, before)
            if not self._cancel_requested:
                raise
            return
        except Exception as exc:  # a broken install
            log.error("the agent's libraries failed to import", exc_info=True)
            self._emit(TurnFailed(ErrorKind.UNEXPECTED, unexpected(exc).message))
            return
        from pydantic_ai.capabilities import AbstractCapability, HandleDeferredToolCalls
        from pydantic_ai.exceptions import RunCancelled

        from desktop.core.agent.run_capabilities import BudgetGuard, SandboxTagging

        capabilities: list[AbstractCapability[None]] = [HandleDeferredToolCalls(handler=self._ask)]
        if self._conversation_id is not None:
            capabilities.append(SandboxTagging(self._conversation_id))
        if self._budget is not None:
            capabilities.append(BudgetGuard(self._budget))

        try:
            await session.connect()
            agent = session.agent
            if self._cancel_requested:
                raise asyncio.CancelledError
            async with agent.run_stream_events(
                # A key pasted into the prompt (or in a file's name) is not sent, nor kept in
                # the history.
                session.redactor.text(prompt_with_attachments(self._prompt, self._attachments)),
                message_history=before,
                capabilities=capabilities,
            ) as handle:
                self._handle = handle
                async for event in handle:
                    self._translate(event)
        except RunCancelled as exc:
            self._finish_cancelled(exc.all_messages(), before)
        except asyncio.CancelledError as exc:
            recovered = RunCancelled.from_cancellation(exc)
            self._finish_cancelled(recovered.all_messages() if recovered else None, before)
            if not self._cancel_requested:
                raise  # cancelled from outside (shutdown): let it propagate
        except UserFacingError as exc:
            # A budget reached, or a refused key found after a tool call: what ran stays.
            self._emit(TurnFailed.of(exc, self._keep_actions_taken(before)))
        except Exception as exc:
            log.warning("turn failed", exc_info=True)
            await session.after_failure(exc)
            try:
                error = describe_model_error(
                    exc,
                    base_url=session.model_base_url,
                    read_timeout=session.timeouts.model_read,
                    secrets=session.secrets,
                    model=session.model_name,
                )
            except Exception:  # a failure the wording trips on still fails the turn, not "Stopped"
                log.error("describing the failure failed", exc_info=True)
                error = unexpected(exc, session.secrets)
            kept = self._keep_actions_taken(before)
            self._emit(TurnFailed.of(error, kept))
        except BaseException as exc:  # pragma: no cover - e.g. KeyboardInterrupt in the CLI
            self._emit(TurnFailed(ErrorKind.UNEXPECTED, unexpected(exc).message))
            raise
        finally:
            if not self._ended:
                # Cut off before its end was reported (e.g. Stop while a failure was being
                # cleaned up): the stream still ends, and nothing is added to the history;
                # what its requests cost is read from the run while it is still known.
                self._emit(TurnCancelled(self.text))
            self._handle = None

    def _keep_actions_taken(self, before: list[ModelMessage]) -> bytes:
        """After a failure, keep the turn in history if tools ran: the agent must not forget
        a sandbox it created just because the model failed afterwards."""
        from pydantic_ai.messages import ToolReturnPart, repair_messages

        handle = self._handle
        if handle is None:
            return b""
        try:
            messages = handle.all_messages()
        except Exception:  # the run never started: nothing happened
            return b""
        new = messages[len(before) :]
        ran_tools = any(
            isinstance(part, ToolReturnPart) for message in new for part in message.parts
        )
        if len(messages) < len(before) or not ran_tools:
            return b""
        self._session.load_history(repair_messages(messages))
        return _dump(new)

    def _finish_cancelled(
        self, messages: list[ModelMessage] | None, before: list[ModelMessage]
    ) -> None:
        new: list[ModelMessage] = []
        if messages is not None and len(messages) >= len(before):
            self._session.load_history(messages)
            new = list(messages[len(before) :])
        self._emit(TurnCancelled(self.text, _dump(new) if new else b""))

    def _translate(self, event: object) -> None:
        from pydantic_ai import AgentRunResultEvent
        from pydantic_ai.messages import (
            FunctionToolCallEvent,
            FunctionToolResultEvent,
            PartDeltaEvent,
            PartStartEvent,
            TextPart,
            TextPartDelta,
        )

        if isinstance(event, PartStartEvent) and isinstance(event.part, TextPart):
            # The first piece of a text part arrives here, not as a delta.
            if event.part.content:
                self._emit(TextDelta(clean_text(event.part.content)))
        elif isinstance(event, PartDeltaEvent) and isinstance(event.delta, TextPartDelta):
            if event.delta.content_delta:
                self._emit(TextDelta(clean_text(event.delta.content_delta)))
        elif isinstance(event, FunctionToolCallEvent):
            self._emit(self._calls.started(event.part))
        elif isinstance(event, FunctionToolResultEvent):
            returned = self._returned[event.part.tool_call_id] = event.part
            self._emit(self._calls.finished(returned))
        elif isinstance(event, AgentRunResultEvent):
            result = event.result
            self._session.load_history(result.all_messages())
            self._emit(
                TurnFinished(
                    text=clean_text(str(result.output)),
                    usage=usage_of(result.usage, self._session.model_name),
                    messages_json=_dump(result.new_messages()),
                    model=self._session.model_name,
                )
            )
