"""A prompt typed the moment the window appears is sent, not dropped (issue 10, item 13)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.fakes.harness import FakeServices
from tests.fakes.openai_conversation import parse_conversation
from tests.fakes.openai_script import Reply

REPO = Path(__file__).resolve().parents[2]


def test_a_prompt_typed_at_the_first_paint_reaches_the_model(
    fake_services: FakeServices, tmp_path: Path
) -> None:
    fake_services.openai.script.push(Reply.text("Hello, early bird."))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "COMPOSIO_"))}
    env.update(
        fake_services.env(),
        QT_QPA_PLATFORM="offscreen",
        E2B_AGENT_HOME=str(tmp_path / "home"),
        PYTHONPATH=str(REPO),
        PYTHON_KEYRING_BACKEND="keyring.backends.null.Keyring",
    )
    result = subprocess.run(
        [sys.executable, "-m", "tests.integration.early_prompt_driver", "hello from the start"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    report = json.loads(result.stdout.splitlines()[-1])
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
