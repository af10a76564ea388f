"""Which widget shows a tool call: a code cell for a workbench or bash call, else a tool card."""

from __future__ import annotations

from PySide6.QtWidgets import QWidget

from desktop.core.agent.events import ToolCallStarted
from desktop.ui.chat.cell_requests import CellRequests
from desktop.ui.chat.running_clock import RunningClock
from desktop.ui.chat.tool_card import ToolCardWidget
from desktop.ui.links import Links


def call_widget(
    started: ToolCallStarted,
    parent: QWidget,
    links: Links,
    clock: RunningClock | None = None,
    requests: CellRequests | None = None,
) -> ToolCardWidget:
    """The call's widget, live or redrawn from the store; a cell's requests go to `requests`."""
    if started.code_run is None:
        return ToolCardWidget(started, links=links, parent=parent, clock=clock)
    from desktop.ui.chat.code_cell import CodeCellWidget

    cell = CodeCellWidget(started, links=links, parent=parent, clock=clock)
    if requests is not None:
        cell.file_save_requested.connect(requests.file_save_requested)
    return cell
