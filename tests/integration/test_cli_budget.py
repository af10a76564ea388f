"""The terminal's /budget against the fakes: it shows, sets and removes the conversation's own
budget without asking the model anything; reached, the agent asks the model nothing more and
says how to raise it; raised, the next prompt runs."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

from desktop.core.config.settings import Settings
from tests.fakes.harness import FakeServices
from tests.integration.test_cli_sandboxes import _cli  # the terminal in-process, on the fakes


def test_budget_shows_sets_and_raises_and_the_model_hears_only_when_under_it(
    fake_services: FakeServices, tmp_path: Path
) -> None:
    lines = [
        "/budget",  # none yet, and no model request
        "/budget 0.0001",
        "hello",  # runs: $0.0003 is spent at its end
        "hello again",  # stopped before the model is asked
        "/budget",
        "/budget 5",
        "and now?",  # runs
        "exit",
    ]
    result = _cli(fake_services, "\n".join(lines) + "\n", tmp_path, Settings())
    assert result.returncode == 0
    assert len(fake_services.openai.requests) == 2
    sent = [json.dumps(r.json) for r in fake_services.openai.requests]
    assert "hello again" not in sent[0] and "and now?" in sent[1]
    out = result.stdout
    assert "Budget of this conversation: No budget: $0.00 spent (model $0.00, sandboxes" in out
    assert "Budget set: $0.00 of its $0.0001 budget spent" in out
    assert "Budget of this conversation: $0.0003 of its $0.0001 budget spent" in out
    assert "Budget set: $0.0003 of its $5.00 budget spent" in out
    assert (
        "so the agent stopped before asking the model again: type /budget AMOUNT to raise it "
        "(/budget shows it, /budget off removes it), or type exit and start again"
    ) in result.stderr


def test_budget_off_lifts_the_settings_budget_for_this_conversation(
    fake_services: FakeServices, tmp_path: Path
) -> None:
    settings = Settings(conversation_budget=Decimal("0.0001"))
    lines = ["hello", "/budget", "/budget off", "hello again", "exit"]
    result = _cli(fake_services, "\n".join(lines) + "\n", tmp_path, settings)
    assert len(fake_services.openai.requests) == 2
    assert "budget spent (model $0.0003, sandboxes $0.00), the default from the settings" in (
        result.stdout
    )
    assert "Budget set: No budget: $0.0003 spent" in result.stdout
    assert "budget" not in result.stderr


def test_a_budget_that_is_not_an_amount_is_refused_and_nothing_changes(
    fake_services: FakeServices, tmp_path: Path
) -> None:
    settings = Settings(conversation_budget=Decimal("0.0001"))
    lines = ["/budget -2", "/budget 2 3", "/budget lots", "hello", "hello again", "exit"]
    result = _cli(fake_services, "\n".join(lines) + "\n", tmp_path, settings)
    assert result.stderr.count("A budget is an amount in US dollars over $0") == 2
    assert "Type /budget to see it, /budget AMOUNT (dollars, like 2.50) or /budget off." in (
        result.stderr
    )
    assert len(fake_services.openai.requests) == 1  # the setting's budget still stops it
