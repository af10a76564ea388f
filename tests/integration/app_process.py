"""What the tests that run the app (or a driver of it) as a process share: its environment,
and running a driver for its report."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from tests.fakes.harness import FakeServices

REPO = Path(__file__).resolve().parents[2]


def app_env(fake_services: FakeServices, home: Path, **extra: str) -> dict[str, str]:
    """The fakes' endpoints and keys (none of the caller's own), a home of its own, this
    checkout on the path, and `extra` (the Qt platform, say)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "COMPOSIO_"))}
    env.update(fake_services.env(), E2B_AGENT_HOME=str(home), PYTHONPATH=str(REPO), **extra)
    return env


def run_driver(
    module: str,
    *args: str,
    env: dict[str, str],
    cwd: Path,
    prefix: Sequence[str] = (),
    timeout: float = 120,
) -> dict[str, Any]:
    """Run `python -m module args` (after `prefix`, e.g. xvfb-run), which must succeed and
    print its report as the last line of JSON; the report."""
    result = subprocess.run(
        [*prefix, sys.executable, "-m", module, *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    assert lines, result.stderr
    report: dict[str, Any] = json.loads(lines[-1])
    return report
