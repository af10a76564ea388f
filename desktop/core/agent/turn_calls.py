"""A turn's tool calls as the events its faces show: each call's start and its end, and for a
workbench or bash call the code run its cell shows.

The start of a code call carries its language and code (`code_runs.running_cell`); its end the
run read from the whole result (`code_runs.read_code_run`: images live only there, not in the
card's cut text) with the files it left in the mount (`output_files.OutputFiles`). A call a
person denied shows its code and no result.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import TYPE_CHECKING

from desktop.core.agent.code_runs import CODE_TOOLS, read_code_run, running_cell
from desktop.core.agent.tool_calls import call_finished, call_started

if TYPE_CHECKING:
    from pydantic_ai.messages import ToolCallPart, ToolReturnPart

    from desktop.core.agent.connect_links import ComposioHosts
    from desktop.core.agent.events import ToolCallFinished, ToolCallStarted
    from desktop.core.agent.output_files import OutputFiles
    from desktop.core.consent.approvals import ConsentState


class TurnCalls:
    """Reads one turn's calls; remembers each call's arguments until its end is read."""

    def __init__(
        self, consent: ConsentState, hosts: ComposioHosts, files: OutputFiles | None = None
    ) -> None:
        self._consent = consent
        self._hosts = hosts
        self._files = files
        self._arguments: dict[str, Mapping[str, object]] = {}

    def started(self, part: ToolCallPart) -> ToolCallStarted:
        event = call_started(part, self._consent)
        run = running_cell(event.tool_name, event.arguments)
        if run is None:
            return event
        self._arguments[event.call_id] = event.arguments
        return dataclasses.replace(event, code_run=run)

    def finished(self, part: ToolReturnPart) -> ToolCallFinished:
        event = call_finished(part, self._hosts)
        if event.tool_name not in CODE_TOOLS:
            return event
        arguments = self._arguments.pop(event.call_id, {})
        files, more = self._files.take(event.call_id) if self._files else ((), 0)
        if part.outcome == "denied":  # nothing ran: its content is the denial, not a result
            run = running_cell(event.tool_name, arguments)
        else:
            run = read_code_run(event.tool_name, arguments, part.content)
        assert run is not None  # a code tool
        run = dataclasses.replace(run, output_files=files, more_output_files=more)
        return dataclasses.replace(event, code_run=run)
