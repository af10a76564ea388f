"""The capabilities each run of the agent gets: its sandbox creations tagged with the
conversation (`sandbox_tag`) and the conversation's budget checked before each model request
(`budget`).

Imports pydantic-ai: imported only where a turn runs (the agent's libraries are loaded by then).
"""

from __future__ import annotations

from dataclasses import dataclass

from pydantic_ai import RunContext
from pydantic_ai.capabilities import AbstractCapability
from pydantic_ai.messages import ModelResponse
from pydantic_ai.models import ModelRequestContext

from desktop.core.agent.budget import TurnBudget
from desktop.core.agent.sandbox_tag import tag_response


@dataclass
class SandboxTagging(AbstractCapability[None]):
    """Tags every sandbox creation in the model's response, before anything reads the call."""

    conversation_id: str

    async def after_model_request(
        self,
        ctx: RunContext[None],
        *,
        request_context: ModelRequestContext,
        response: ModelResponse,
    ) -> ModelResponse:
        return tag_response(response, self.conversation_id)


@dataclass
class BudgetGuard(AbstractCapability[None]):
    """Stops the run before a model request once the conversation has spent its budget."""

    budget: TurnBudget

    async def before_model_request(
        self, ctx: RunContext[None], request_context: ModelRequestContext
    ) -> ModelRequestContext:
        self.budget.check(ctx.usage.cost)
        return request_context
