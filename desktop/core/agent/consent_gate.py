"""The agent's tools behind consent: Pydantic AI's own approval, deciding from the arguments.

`gated(toolset, consent)` is `toolset.approval_required(...)`, asking the consent policy about
every call (each inner action of a multi-execute on its own), plus one small wrapper: a call a
person allowed only in part gets, in its result, the list of the actions that were not run and
why, so that the model does not take them for done.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from pydantic_ai.toolsets import AbstractToolset, WrapperToolset

from desktop.core.consent.approvals import NOT_RUN_KEY, ConsentState
from desktop.core.consent.policy import hints_of, needs_approval

if TYPE_CHECKING:
    from pydantic_ai import RunContext
    from pydantic_ai.tools import ToolDefinition
    from pydantic_ai.toolsets.abstract import ToolsetTool


def gated(toolset: AbstractToolset[None], consent: ConsentState) -> AbstractToolset[None]:
    def approval_required(
        _ctx: RunContext[None], tool_def: ToolDefinition, args: dict[str, Any]
    ) -> bool:
        hints = hints_of((tool_def.metadata or {}).get("annotations"))
        consent.hints[tool_def.name] = hints  # the faces' cards show the same classification
        return needs_approval(tool_def.name, args, consent.grants, hints)

    return NotRunNote(toolset.approval_required(approval_required))


@dataclass
class NotRunNote(WrapperToolset[None]):
    """Adds to a partly allowed call's result which of its actions the user did not allow."""

    async def call_tool(
        self,
        name: str,
        tool_args: dict[str, Any],
        ctx: RunContext[None],
        tool: ToolsetTool[None],
    ) -> Any:
        result = await super().call_tool(name, tool_args, ctx, tool)
        metadata = ctx.tool_call_metadata if ctx.tool_call_approved else None
        note = metadata.get(NOT_RUN_KEY) if isinstance(metadata, Mapping) else None
        if not note:
            return result
        if isinstance(result, Mapping):
            return {**result, NOT_RUN_KEY: note}
        return {"result": result, NOT_RUN_KEY: note}
