"""The terminal's turns in memory: which count, what they spent, who wrote the last reply, and
the budget `ConversationBudgets` reads from them."""

from __future__ import annotations

import asyncio
from decimal import Decimal

from desktop.core.agent.budget import NO_BUDGET
from desktop.core.agent.events import TextDelta, TurnCancelled, TurnFailed, TurnFinished, Usage
from desktop.core.conversations.budgets import ConversationBudgets
from desktop.core.conversations.turn_ledger import TurnLedger
from desktop.core.errors import ErrorKind

PRICED = Usage(input_tokens=100, output_tokens=20, requests=1, cost=Decimal("0.0003"))
UNPRICED = Usage(input_tokens=100, output_tokens=20, requests=1)


def test_turns_that_asked_the_model_count_and_name_the_app_s_model_string() -> None:
    ledger = TurnLedger()
    ledger.observe("c", TextDelta("hi"))
    ledger.observe("c", TurnFinished("hi", PRICED, model="openai-chat:gpt-4.1"))
    ledger.observe("c", TurnCancelled("", usage=UNPRICED, model="google:gemini-2.5-flash"))
    # Stopped by the budget before asking anything: not a turn that spent, nor a reply.
    ledger.observe("c", TurnFailed(ErrorKind.BUDGET_REACHED, "spent", model="anthropic:x"))
    ledger.observe("other", TurnFinished("hi", PRICED, model="ollama:llama3.1"))
    assert [turn.model for turn in ledger.turns("c")] == [
        "openai-chat:gpt-4.1",
        "google:gemini-2.5-flash",
    ]
    assert ledger.last_reply("c") == "google:gemini-2.5-flash"
    assert ledger.last_reply("none yet") is None
    spent = ledger.spending("c")
    assert (spent.usage.cost, spent.turns, spent.unpriced_turns) == (Decimal("0.0003"), 2, 1)


def test_its_budget_is_its_own_else_the_setting_s() -> None:
    ledger = TurnLedger()
    ledger.observe("c", TurnFinished("hi", PRICED, model="openai:gpt-5"))
    budgets = ConversationBudgets(ledger, lambda: Decimal("0.0001"), lambda _id: Decimal("0.01"))

    async def scenario() -> None:
        status = await budgets.status("c")
        assert status.reached and status.own is None and status.spent == Decimal("0.0103")
        turn = await budgets.turn_budget("c")
        assert turn is not None and turn.spent(None) == Decimal("0.0103")
        assert (await budgets.set("c", NO_BUDGET)).limit is None
        assert await budgets.turn_budget("c") is None
        assert (await budgets.status("other")).limit == Decimal("0.0001")

    asyncio.run(scenario())
