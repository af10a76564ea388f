"""A second launch on a data folder in use says so and ends, touching nothing (issue 10)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def _env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "COMPOSIO_"))}
    env.update(
        QT_QPA_PLATFORM="offscreen",
        E2B_AGENT_HOME=str(home),
        PYTHONPATH=str(REPO),
        PYTHON_KEYRING_BACKEND="keyring.backends.null.Keyring",
    )
    return env


def _launch(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "desktop", *args],
        env=_env(home),
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def _wait_for(path: Path, seconds: float = 45) -> None:
    deadline = time.monotonic() + seconds
    while not path.exists():
        assert time.monotonic() < deadline, f"{path} never appeared"
        time.sleep(0.1)


def test_a_second_window_on_the_same_data_folder_says_so_and_exits(tmp_path: Path) -> None:
    home = tmp_path / "home"
    database = home / "data" / "conversations.sqlite3"
    with subprocess.Popen(
        [sys.executable, "-m", "desktop"],
        env=_env(home),
        cwd=REPO,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    ) as first:
        try:
            _wait_for(database)  # the first window is up and has opened its conversations
            time.sleep(0.5)
            before = {p.name: p.stat().st_mtime_ns for p in database.parent.iterdir()}

            second = _launch(home, "--smoke-test")

            assert second.returncode == 3, second.stderr
            assert "E2B Agent is already running" in second.stderr
            assert str(home / "data") in second.stderr
            assert "first paint" not in second.stdout  # no window was built
            after = {p.name: p.stat().st_mtime_ns for p in database.parent.iterdir()}
            assert after == before  # the database was not touched
            # The first one heard of it and brought its window forward.
            log = home / "logs" / "e2b-agent.log"
            deadline = time.monotonic() + 30
            while "a second launch on this data folder" not in log.read_text():
                assert time.monotonic() < deadline, log.read_text()[-2000:]
                time.sleep(0.1)
        finally:
            first.terminate()
            first.wait(timeout=30)
    assert first.returncode == 0, first.stderr.read() if first.stderr else ""

    # The first one gone, its lock went with it: the next launch starts.
    third = _launch(home, "--smoke-test")
    assert third.returncode == 0, third.stderr
    assert "first paint:" in third.stdout
