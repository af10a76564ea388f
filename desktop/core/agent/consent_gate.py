"""The agent's tools behind consent: Pydantic AI's own approval, deciding from the arguments.

`gated(toolset, consent)` is `toolset.approval_required(...)`, asking the consent policy about
every call (each inner action of a multi-execute on its own), plus one small wrapper around each
call (`CallGuard`):
- a call a person allowed only in part gets, in its result, the list of the actions that were
  not run and why, so that the model does not take them for done;
- a call the Tool Router did not answer in time is reported, to the model and the card, as one
  that may have run (check before retrying), not as a plain error to retry;
- a call the MCP client can only call "an error" (the client says the same of a 401) is looked
  into with the light check: a refused key or an expired session ends the turn with that reason;
- every result and every error a tool answers loses the keys the redactor knows (and URL
  passwords) here, before Pydantic AI makes it a part of the history: the model, the store, the
  cards and the terminal only ever get the redacted text.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, cast

from pydantic_ai.exceptions import ModelRetry
from pydantic_ai.toolsets import AbstractToolset, WrapperToolset

from desktop.core.consent.approvals import NOT_RUN_KEY, ConsentState
from desktop.core.consent.policy import hints_of, needs_approval
from desktop.core.redaction import Redactor

if TYPE_CHECKING:
    from pydantic_ai import RunContext
    from pydantic_ai.tools import ToolDefinition
    from pydantic_ai.toolsets.abstract import ToolsetTool


TIMED_OUT_RESULT = (
    "The Tool Router did not answer within {seconds:g} s. The action may have run: check "
    "(for example list the sandboxes) before retrying it."
)


def gated(
    toolset: AbstractToolset[None],
    consent: ConsentState,
    *,
    diagnose: Callable[[], Awaitable[None]] | None = None,
    read_timeout: float = 0.0,
    redactor: Redactor | None = None,
) -> AbstractToolset[None]:
    def approval_required(
        _ctx: RunContext[None], tool_def: ToolDefinition, args: dict[str, Any]
    ) -> bool:
        hints = hints_of((tool_def.metadata or {}).get("annotations"))
        consent.hints[tool_def.name] = hints  # the faces' cards show the same classification
        return needs_approval(tool_def.name, args, consent.grants, hints)

    return CallGuard(
        toolset.approval_required(approval_required),
        diagnose,
        read_timeout,
        redactor or Redactor(),
    )


@dataclass
class CallGuard(WrapperToolset[None]):
    """See the module: what was not run, a call that timed out, a refused key, keys echoed."""

    diagnose: Callable[[], Awaitable[None]] | None = None
    read_timeout: float = 0.0
    redactor: Redactor = field(default_factory=Redactor)

    async def call_tool(
        self,
        name: str,
        tool_args: dict[str, Any],
        ctx: RunContext[None],
        tool: ToolsetTool[None],
    ) -> Any:
        try:
            result = self._redacted(await super().call_tool(name, tool_args, ctx, tool))
        except ModelRetry as exc:
            await self._explain(exc)
            message = self.redactor.text(exc.message)
            if message == exc.message:
                raise
            raise ModelRetry(message) from exc
        metadata = ctx.tool_call_metadata if ctx.tool_call_approved else None
        note = metadata.get(NOT_RUN_KEY) if isinstance(metadata, Mapping) else None
        if not note:
            return result
        if isinstance(result, Mapping):
            return {**result, NOT_RUN_KEY: note}
        return {"result": result, NOT_RUN_KEY: note}

    def _redacted(self, result: Any) -> Any:
        from pydantic_ai.messages import ToolReturn

        if isinstance(result, ToolReturn):
            return dataclasses.replace(
                result,
                return_value=self.redactor.value(result.return_value),
                content=cast("Any", self.redactor.value(result.content)),
                metadata=self.redactor.value(result.metadata),
            )
        return self.redactor.value(result)

    async def _explain(self, exc: ModelRetry) -> None:
        """Raise what the failed call means, when the MCP client's words say too little."""
        from fastmcp.exceptions import McpError

        if not isinstance(exc.__cause__, McpError):
            return  # the tool itself answered with an error: the model reads it as it is
        if "timed out" in str(exc.__cause__).lower():
            raise ModelRetry(TIMED_OUT_RESULT.format(seconds=self.read_timeout)) from exc
        if self.diagnose is not None:
            await self.diagnose()  # raises a refused key or an expired session
