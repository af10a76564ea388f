"""What a run of the agent has spent, as the app's `Usage`: of a finished run, and of one
stopped or failed part way (its requests cost all the same: a budget counts them)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from desktop.core.agent.events import Usage
from desktop.core.config.providers import provider_of


def usage_of(run_usage: Any, model: str) -> Usage:
    """Pydantic AI's usage; its cost comes from genai-prices (None: no price is known), and a
    local server's is 0 (`usage_words` then says "local")."""
    cost = getattr(run_usage, "cost", None)
    spec = provider_of(model)
    if spec is not None and spec.local:
        cost = Decimal(0)
    return Usage(
        input_tokens=int(getattr(run_usage, "input_tokens", 0) or 0),
        output_tokens=int(getattr(run_usage, "output_tokens", 0) or 0),
        requests=int(getattr(run_usage, "requests", 0) or 0),
        tool_calls=int(getattr(run_usage, "tool_calls", 0) or 0),
        cost=cost if isinstance(cost, Decimal) else None,
    )


def usage_so_far(handle: Any, model: str) -> Usage:
    """What a run under way (an `AgentRunEvents`) has spent; nothing when it never started."""
    if handle is None:
        return Usage()
    try:
        run_usage = handle.usage  # a property of `AgentRunEvents`
    except Exception:  # the run has not started: nothing was asked
        return Usage()
    return usage_of(run_usage, model)
