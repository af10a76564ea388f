"""The window is ready to send with the agent's libraries still unloaded; typing loads them."""

from __future__ import annotations

from pathlib import Path

from tests.fakes.harness import FakeServices
from tests.fakes.openai_script import Reply
from tests.integration.app_process import REPO, app_env, run_driver


def test_ready_without_the_agent_stack_and_typing_loads_it(
    fake_services: FakeServices, tmp_path: Path
) -> None:
    fake_services.openai.script.push(Reply.text("Hello from the lazily loaded agent."))
    env = app_env(fake_services, tmp_path / "home", QT_QPA_PLATFORM="offscreen")
    report = run_driver("tests.integration.lazy_driver", "say hello", env=env, cwd=REPO)
    # Ready to send (the Tool Router answered) with nothing heavy in memory but the app's own
    # HTTP client (the idle window stays under 130 MB with it)...
    assert report["ready_loaded"] == ["httpx"]
    # ...typing the prompt loaded the agent (never the Composio SDK)...
    assert report["typed_loaded"] == ["pydantic_ai", "openai", "mcp", "httpx"]
    # ...and the turn ran on it.
    assert report["reply"] == "Hello from the lazily loaded agent."
