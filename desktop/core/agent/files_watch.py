"""The agent's toolset seen by `OutputFiles`: each code run between two listings of the mount.

Wrapped inside the consent layer (`consent_gate.gated` wraps this), so only a call that runs
is listed around, once, and never one that waits for a person or was denied.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from pydantic_ai.toolsets import AbstractToolset, WrapperToolset

from desktop.core.agent.code_runs import CODE_TOOLS
from desktop.core.agent.output_files import OutputFiles

if TYPE_CHECKING:
    from pydantic_ai import RunContext
    from pydantic_ai.toolsets.abstract import ToolsetTool


def watching_files(toolset: AbstractToolset[None], files: OutputFiles) -> AbstractToolset[None]:
    """`toolset`, its code runs listed around by `files`."""
    return FilesWatch(toolset, files)


@dataclass
class FilesWatch(WrapperToolset[None]):
    """See the module."""

    files: OutputFiles | None = None

    async def call_tool(
        self,
        name: str,
        tool_args: dict[str, Any],
        ctx: RunContext[None],
        tool: ToolsetTool[None],
    ) -> Any:
        def call() -> Any:
            return super(FilesWatch, self).call_tool(name, tool_args, ctx, tool)

        if self.files is None or name not in CODE_TOOLS:
            return await call()
        return await self.files.around(ctx.tool_call_id, call)
