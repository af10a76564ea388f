"""A prompt typed the moment the window appears is sent, not dropped (issue 10, item 13)."""

from __future__ import annotations

from pathlib import Path

from tests.fakes.harness import FakeServices
from tests.fakes.openai_conversation import parse_conversation
from tests.fakes.openai_script import Reply
from tests.integration.app_process import app_env, run_driver


def test_a_prompt_typed_at_the_first_paint_reaches_the_model(
    fake_services: FakeServices, tmp_path: Path
) -> None:
    fake_services.openai.script.push(Reply.text("Hello, early bird."))
    env = app_env(
        fake_services,
        tmp_path / "home",
        QT_QPA_PLATFORM="offscreen",
        PYTHON_KEYRING_BACKEND="keyring.backends.null.Keyring",
    )
    driver = "tests.integration.early_prompt_driver"
    report = run_driver(driver, "hello from the start", env=env, cwd=tmp_path)
    # Sent through the real start-up path before the window was wired to anything...
    assert report["loaded_when_sent"] == []
    assert report["box_after_enter"] == ""  # taken from the box at once: held, shown waiting
    # ...and the model received it, once, and answered.
    prompts = [
        [t.text for t in parse_conversation(r.json) if t.role == "user"]
        for r in fake_services.openai.requests
    ]
    assert prompts == [["hello from the start"]]
    assert report["reply"] == "Hello, early bird."
