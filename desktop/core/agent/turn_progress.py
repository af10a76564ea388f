"""What a running turn has done so far, as messages the store can keep before the turn ends.

A tool call's result reaches the run's history only once every call of its step has returned;
until then it lives in the result event alone. `messages_so_far` adds the results that came back
to the turn's messages as pydantic-ai itself records a run cut off while its tools ran (a request
in state 'interrupted'), so that a turn stopped, cut off or killed after a call finished still
tells the model, on the next turn, that the call ran and what it returned.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pydantic_ai.messages import ModelMessage, ToolReturnPart


def messages_so_far(
    new: Sequence[ModelMessage], returned: Mapping[str, ToolReturnPart]
) -> list[ModelMessage]:
    """The turn's messages `new` and, when the last is a response whose calls are still being
    run, the results of those that `returned` (by call id), in the order the model asked for them.
    The calls still running are left unanswered: `repair_messages` closes them out."""
    from pydantic_ai.messages import ModelRequest, ModelResponse

    messages = list(new)
    last = messages[-1] if messages else None
    if isinstance(last, ModelResponse) and last.tool_calls:
        parts = [returned[c.tool_call_id] for c in last.tool_calls if c.tool_call_id in returned]
        messages.append(ModelRequest(parts=parts, state="interrupted"))
    return messages
