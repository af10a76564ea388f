"""The status bar's model switcher, in the real app: the next turn goes to the model chosen."""

from __future__ import annotations

import json

from pytestqt.qtbot import QtBot

from tests.fakes.anthropic_server import TEST_ANTHROPIC_KEY, AnthropicFake
from tests.ui.app_support import AppHarness, send, shown_replies


def test_a_model_chosen_in_the_switcher_answers_the_next_turn_with_the_history(
    qtbot: QtBot, app_harness: AppHarness, anthropic_fake: AnthropicFake
) -> None:
    services = app_harness.services
    environ = {
        **services.env(),
        "ANTHROPIC_API_KEY": TEST_ANTHROPIC_KEY,
        "ANTHROPIC_BASE_URL": anthropic_fake.base_url,
    }
    app = app_harness.start(environ=environ)
    send(qtbot, app, "Remember the word pelican")
    assert [r.json["model"] for r in services.openai.requests] == ["gpt-5"]
    assert anthropic_fake.requests == []

    assert app.window.model_switcher.choose("anthropic:claude-sonnet-4-5")
    send(qtbot, app, "What did I ask before?")

    assert len(services.openai.requests) == 1  # nothing more went to OpenAI
    (request,) = anthropic_fake.requests
    assert request.path == "/v1/messages"
    assert request.json["model"] == "claude-sonnet-4-5"
    assert "Remember the word pelican" in json.dumps(request.json["messages"])  # the history
    assert shown_replies(app)[-1] == 'You previously asked: "Remember the word pelican"'
