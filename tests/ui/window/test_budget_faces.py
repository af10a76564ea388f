"""Both faces on the same fakes and settings, one conversation each, the same prompts: the
window's budget dialog and the terminal's `/budget` and `/cost` say the same spent figure, the
setting's budget stops both at the same prompt, and "off" lets both go on (one owner of the
rules: `core.conversations.budgets.ConversationBudgets`)."""

from __future__ import annotations

import io
import json
import re
import threading
from decimal import Decimal

from PySide6.QtWidgets import QMenu
from pytestqt.qtbot import QtBot

from desktop.cli import run_cli
from desktop.core.config.secrets import MemorySecretStore
from desktop.core.config.settings import Settings
from desktop.desktop_app import DesktopApp
from desktop.paths import AppPaths
from tests.fakes.harness import FakeServices
from tests.ui.app_support import WAIT_MS, AppHarness, send
from tests.ui.window.test_budget_app import _dialog, _ready, _stored_budget

BUDGET = Decimal("0.0001")  # the setting's: the first turn (about $0.0003) goes past it
PROMPTS = ("hello", "hello again", "and now?")
UNPRICED = "openai:gpt-unpriced-test"  # a model genai-prices knows no price of


def _terminal(services: FakeServices, lines: list[str], settings: Settings) -> str:
    """The terminal's session (run on a thread of its own: the window's qasync loop counts as
    running on this one)."""
    stdin = "\n".join([*lines, "exit"]) + "\n"
    out, err = io.StringIO(), io.StringIO()
    done: list[int] = []

    def terminal() -> None:
        done.append(
            run_cli(
                settings,
                MemorySecretStore(),
                environ=services.env(),
                stdin=io.StringIO(stdin),
                stdout=out,
                stderr=err,
            )
        )

    thread = threading.Thread(target=terminal)
    thread.start()
    thread.join()
    assert done == [0], err.getvalue()
    return out.getvalue()


def _window_words(qtbot: QtBot, app: DesktopApp, *, off: bool = False) -> str:
    """What the ⋯ menu's budget dialog says of the chat on screen; `off`: then "No budget"."""
    menu = app.window.findChild(QMenu, "mainMenu")
    assert menu is not None
    (action,) = [a for a in menu.actions() if a.objectName() == "budgetAction"]
    action.trigger()
    dialog = _dialog(qtbot)
    words = dialog.status_label.text()
    if off:
        dialog.none_button.click()
    else:
        dialog.reject()
    return words


def _asked(services: FakeServices, start: int) -> list[str]:
    """The prompts the model heard since request `start`, by each request's last prompt."""
    heard = []
    for request in services.openai.requests[start:]:
        sent = json.dumps(request.json)
        heard.append(next(p for p in reversed(PROMPTS) if p in sent))
    return heard


def test_the_window_and_the_terminal_count_and_stop_alike(
    qtbot: QtBot, app_harness: AppHarness, fake_services: FakeServices, app_paths: AppPaths
) -> None:
    lines = [PROMPTS[0], "/budget", PROMPTS[1], "/budget", "/cost", "/budget off", PROMPTS[2]]
    out = _terminal(fake_services, [*lines, "/budget"], Settings(conversation_budget=BUDGET))
    terminal_words = re.findall(r"Budget (?:of this conversation|set): (.*)", out)
    assert len(terminal_words) == 4  # /budget twice, /budget off, /budget
    terminal_asked = _asked(fake_services, 0)
    assert terminal_asked == ["hello", "and now?"]  # "hello again": stopped before the model

    app_paths.settings_file.write_text(
        json.dumps({"conversation_budget": str(BUDGET)}), encoding="utf-8"
    )
    app = app_harness.start()
    _ready(qtbot, app)
    start = len(fake_services.openai.requests)
    send(qtbot, app, PROMPTS[0])
    window_words = [_window_words(qtbot, app)]
    send(qtbot, app, PROMPTS[1])
    window_words.append(_window_words(qtbot, app, off=True))
    qtbot.waitUntil(lambda: _stored_budget(app_paths) == "off", timeout=WAIT_MS)
    send(qtbot, app, PROMPTS[2])
    window_words.append(_window_words(qtbot, app))

    assert _asked(fake_services, start) == terminal_asked  # stopped at the same prompt
    spent, limit = "$0.0003", "$0.0001"
    reached = f"{spent} of its {limit} budget spent (model {spent}, sandboxes $0.00)"
    assert window_words[0] == window_words[1] == terminal_words[0] == terminal_words[1]
    assert window_words[0] == f"{reached}, the default from the settings."
    assert f"  budget: {spent} of {limit}" in out  # /cost, as /budget and the dialog
    assert terminal_words[2] == f"No budget: {spent} spent (model {spent}, sandboxes $0.00)."
    after = window_words[2]
    assert after == terminal_words[3] and after.startswith("No budget: $0.000")
    assert after != terminal_words[2]  # the last turn counted in both


def test_a_turn_at_an_unknown_price_is_said_alike_by_both_faces(
    qtbot: QtBot, app_harness: AppHarness, fake_services: FakeServices, app_paths: AppPaths
) -> None:
    """A model genai-prices has no price for: neither face counts its turn as $0 without a
    word, both say it was not counted (the store counts it in SQL, the terminal in memory)."""
    settings = Settings(model=UNPRICED, conversation_budget=BUDGET)
    out = _terminal(fake_services, [PROMPTS[0], "/budget", "/cost"], settings)
    (terminal_words,) = re.findall(r"Budget of this conversation: (.*)", out)
    assert f"Model ({UNPRICED}): 1 turn, " in out and ", price unknown." in out

    app_paths.settings_file.write_text(settings.model_dump_json(), encoding="utf-8")
    app = app_harness.start()
    _ready(qtbot, app)
    send(qtbot, app, PROMPTS[0])
    assert len(fake_services.openai.requests) == 2  # one turn each
    assert _window_words(qtbot, app) == terminal_words
    assert terminal_words == (
        "$0.00 of its $0.0001 budget spent (model $0.00, sandboxes $0.00), the default from "
        "the settings; 1 turn at an unknown price not counted."
    )
