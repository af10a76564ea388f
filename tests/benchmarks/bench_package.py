"""Measure the frozen one-folder build: its size and how fast its window first paints.

    python tests/benchmarks/bench_package.py [DIST] [--runs 5] [--platform offscreen]

Without DIST, builds build.spec with PyInstaller into a temporary folder (and prints the build
time); with DIST (the folder holding e2b-agent/), measures that build instead. Then runs
`e2b-agent --smoke-test` RUNS times against the loopback fakes and prints the median time from
process start to first paint (as the app reports it) and the median wall time of the whole
process (start, paint, quit). A script, not a test: it prints.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests.fakes.harness import FakeServices
from tests.packaging import (
    APP_NAME,
    MB,
    MIB,
    build,
    clean_environment,
    executable,
    first_paint_seconds,
    folder_size,
)


def _parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("dist", nargs="?", type=Path, help="an existing dist folder to measure")
    parser.add_argument("--runs", type=int, default=5, help="smoke-test runs (default 5)")
    parser.add_argument(
        "--platform", default="offscreen", help="QT_QPA_PLATFORM for the runs (default offscreen)"
    )
    return parser.parse_args(argv)


def _build(scratch: Path) -> Path:
    dist, log = scratch / "dist", scratch / "pyinstaller.log"
    started = time.perf_counter()
    result = build(dist, scratch / "build", log)
    elapsed = time.perf_counter() - started
    if result.returncode != 0:
        sys.exit(f"PyInstaller failed (exit {result.returncode}); see {log}")
    print(f"build:        {elapsed:.0f} s")
    return dist


def _smoke_test(
    binary: Path, platform: str, scratch: Path, env: dict[str, str]
) -> tuple[float, float]:
    """(first paint as reported, process wall time) of one `--smoke-test` run, in seconds."""
    runtime = Path(tempfile.mkdtemp(dir=scratch))
    run_env = clean_environment(
        {
            **env,
            "E2B_AGENT_HOME": str(runtime / "home"),
            "PYTHON_KEYRING_BACKEND": "keyring.backends.null.Keyring",
            "XDG_RUNTIME_DIR": str(runtime),
            "QT_QPA_PLATFORM": platform,
        }
    )
    started = time.perf_counter()
    result = subprocess.run(
        [str(binary), "--smoke-test"],
        capture_output=True,
        text=True,
        env=run_env,
        cwd=runtime,
        timeout=120,
        check=False,
    )
    wall = time.perf_counter() - started
    paint = first_paint_seconds(result.stdout)
    if result.returncode != 0 or paint is None:
        sys.exit(
            f"--smoke-test failed (exit {result.returncode})\n"
            f"stdout:\n{result.stdout}\nstderr:\n{result.stderr}"
        )
    return paint, wall


def main(argv: list[str] | None = None) -> int:
    args = _parse(argv)
    with tempfile.TemporaryDirectory(prefix="bench-package-") as tmp:
        scratch = Path(tmp)
        dist = args.dist if args.dist is not None else _build(scratch)
        binary = executable(dist)
        if not binary.is_file():
            sys.exit(f"no {APP_NAME} executable at {binary}")
        size = folder_size(dist / APP_NAME)
        print(f"one-folder:   {size / MB:.1f} MB ({size / MIB:.1f} MiB)  {dist / APP_NAME}")
        with FakeServices() as services:
            runs = [
                _smoke_test(binary, args.platform, scratch, services.env())
                for _ in range(args.runs)
            ]
        paints = [paint for paint, _ in runs]
        walls = [wall for _, wall in runs]
        print(
            f"first paint:  median {statistics.median(paints):.2f} s over {len(runs)} runs "
            f"(min {min(paints):.2f}, max {max(paints):.2f}; QT_QPA_PLATFORM={args.platform})"
        )
        print(
            f"process wall: median {statistics.median(walls):.2f} s "
            f"(min {min(walls):.2f}, max {max(walls):.2f}): start, paint, quit"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
