"""The frozen build: how to make it, where its executable is, how big it is, what it printed.

Shared by tests/packaging/test_frozen_binary.py and tests/benchmarks/bench_package.py.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SPEC = REPO / "build.spec"
APP_NAME = "e2b-agent"
MB = 1_000_000
MIB = 1 << 20

# `--smoke-test` prints e.g. "First paint after 0.84 s" (or "... 840 ms"): the number and unit.
_FIRST_PAINT = re.compile(
    r"first[ -]paint\D{0,40}?(?P<value>\d+(?:\.\d+)?)\s*(?P<unit>ms|s)\b", re.IGNORECASE
)


def build(
    dist: Path, work: Path, log: Path, *, clean: bool = False
) -> subprocess.CompletedProcess[str]:
    """Run PyInstaller on build.spec with this interpreter; its output goes to `log`."""
    command = [sys.executable, "-m", "PyInstaller", "--noconfirm"]
    if clean:
        command.append("--clean")
    command += [str(SPEC), "--distpath", str(dist), "--workpath", str(work)]
    with log.open("w", encoding="utf-8") as out:
        return subprocess.run(
            command,
            cwd=REPO,
            stdout=out,
            stderr=subprocess.STDOUT,
            text=True,
            timeout=1800,
            check=False,
        )


def executable(dist: Path) -> Path:
    """dist/e2b-agent/e2b-agent (.exe on Windows)."""
    suffix = ".exe" if sys.platform == "win32" else ""
    return dist / APP_NAME / f"{APP_NAME}{suffix}"


def folder_size(folder: Path) -> int:
    """Bytes of the regular files under `folder` (symbolic links are not followed or counted)."""
    total = 0
    for root, _dirs, files in os.walk(folder):
        for name in files:
            path = Path(root, name)
            if not path.is_symlink():
                total += path.stat().st_size
    return total


def first_paint_seconds(stdout: str) -> float | None:
    """The first-paint time `--smoke-test` printed, in seconds; None if there is no such line."""
    match = _FIRST_PAINT.search(stdout)
    if match is None:
        return None
    value = float(match["value"])
    return value / 1000 if match["unit"].lower() == "ms" else value


def clean_environment(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """This process's environment without anything that points the app at real services or keys,
    or that would change how the frozen interpreter starts; then `extra`."""
    leaky = ("OPENAI_", "COMPOSIO_", "PYTHON", "E2B_AGENT_", "SSL_CERT_")
    leaky += ("ANTHROPIC_", "GOOGLE_", "GEMINI_", "OPENROUTER_", "OLLAMA_")  # other providers
    env = {k: v for k, v in os.environ.items() if not k.startswith(leaky) and k != "USER_ID"}
    env.update(extra or {})
    return env
