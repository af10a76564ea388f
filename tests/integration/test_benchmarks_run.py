"""The benchmark scripts still run (tiny sizes): `make bench` is not part of `make test`, and a
script that no longer starts would only be noticed when the figures are next needed."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    ("script", "args", "printed"),
    [
        ("bench_long_chat.py", ["--turns", "3", "--at", "2,3", "--repeats", "1"], "turn 4"),
        ("bench_ui.py", ["--runs", "1", "--tokens", "200"], "200-token reply"),
        ("bench_huge_text.py", ["--runs", "1", "--scale", "0.01"], "pasting 10,485 characters"),
        ("bench_history.py", ["--conversations", "50", "--messages", "20"], "memory:"),
        ("bench_store.py", ["--conversations", "50", "--long-turns", "20"], "async facade"),
        ("bench_sandboxes.py", ["--sandboxes", "20", "--minutes", "2"], "0 model requests"),
        ("bench_upload.py", ["--mb", "2", "--runs", "1"], "the mount holds the same bytes: yes"),
        ("bench_cells.py", ["--runs", "1", "--stdout-kb", "64", "--megapixels", ".3"], "cell with"),
    ],
)
def test_a_benchmark_script_runs_and_prints_its_figures(
    script: str, args: list[str], printed: str, tmp_path: Path
) -> None:
    env = {
        **os.environ,
        "PYTHONPATH": str(REPO),
        "E2B_AGENT_HOME": str(tmp_path),
        "QT_QPA_PLATFORM": "offscreen",
    }
    result = subprocess.run(
        [sys.executable, str(REPO / "tests" / "benchmarks" / script), *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=180,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    assert printed in result.stdout
