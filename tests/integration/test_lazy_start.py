"""The window is ready to send with the agent's libraries still unloaded; typing loads them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.fakes.harness import FakeServices
from tests.fakes.openai_script import Reply

REPO = Path(__file__).resolve().parents[2]


def test_ready_without_the_agent_stack_and_typing_loads_it(
    fake_services: FakeServices, tmp_path: Path
) -> None:
    fake_services.openai.script.push(Reply.text("Hello from the lazily loaded agent."))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "COMPOSIO_"))}
    env.update(
        fake_services.env(),
        QT_QPA_PLATFORM="offscreen",
        E2B_AGENT_HOME=str(tmp_path / "home"),
        PYTHONPATH=str(REPO),
    )
    result = subprocess.run(
        [sys.executable, "-m", "tests.integration.lazy_driver", "say hello"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    report = json.loads(result.stdout.splitlines()[-1])
    # Ready to send (the Tool Router answered) with nothing heavy in memory but the app's own
    # HTTP client (the idle window stays under 130 MB with it)...
    assert report["ready_loaded"] == ["httpx"]
    # ...typing the prompt loaded the agent (never the Composio SDK)...
    assert report["typed_loaded"] == ["pydantic_ai", "openai", "mcp", "httpx"]
    # ...and the turn ran on it.
    assert report["reply"] == "Hello from the lazily loaded agent."
