"""Which model answered a turn and what it cost, in the words both faces and the exports use:
"anthropic:claude-sonnet-4-5 · 1,234 tokens · $0.0021", "· local", "· price unknown"."""

from __future__ import annotations

from decimal import Decimal

from desktop.core.agent.events import Usage
from desktop.core.config.providers import provider_of

LOCAL = "local"
PRICE_UNKNOWN = "price unknown"


def cost_words(model: str, cost: Decimal | None) -> str:
    """A local server's turn is "local" (it costs nothing); a price genai-prices does not know
    is "price unknown"; else dollars, to a tenth of a cent at least."""
    spec = provider_of(model)
    if spec is not None and spec.local:
        return LOCAL
    if cost is None:
        return PRICE_UNKNOWN
    if 0 < cost < Decimal("0.0001"):
        return "< $0.0001"
    return f"${cost:.4f}" if cost < 1 else f"${cost:.2f}"


def usage_summary(model: str, usage: Usage) -> str:
    """ "1,234 tokens · $0.0021" (the tokens left out when none were counted)."""
    tokens = usage.input_tokens + usage.output_tokens
    cost = cost_words(model, usage.cost)
    return f"{tokens:,} tokens · {cost}" if tokens else cost


def answered_by(model: str | None, usage: Usage) -> str:
    """The line a reply shows on hover; "" when the model is unknown (turns stored before this
    was kept)."""
    return f"Answered by {model} · {usage_summary(model, usage)}" if model else ""
