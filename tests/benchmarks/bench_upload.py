"""A big attached file, measured as a user meets it (a script, not a test).

    python tests/benchmarks/bench_upload.py [--mb 50] [--runs 3]

The app runs in a child process (offscreen Qt, the whole window on the loopback fakes, which run
in this process so that the child's memory is the app's alone). In it a file of `--mb` MB is
attached and sent; the figures are taken from the Send click until the file is in the files
mount and the turn has begun:
- how long the upload took;
- the peak memory growth over the memory before it (VmHWM after /proc/self/clear_refs reset it):
  the file streams from disk a chunk at a time, so the growth must stay far below its size;
- the UI thread's longest stall meanwhile (a 5 ms Qt timer records the largest gap between its
  ticks), with the progress bar moving.
Afterwards this process checks that the fake mount holds the very bytes (sha256).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import hashlib
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from tests.benchmarks.bench_ui import StallMeter, _until, rss_mb  # noqa: E402

CHUNK = 1024 * 1024


def peak_rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return rss_mb()


def reset_peak() -> None:
    """Start the peak (VmHWM) again from the current memory (Linux: clear_refs "5")."""
    with contextlib.suppress(OSError):
        Path("/proc/self/clear_refs").write_text("5")


async def scenario(path: Path) -> dict[str, float]:
    import gc

    from tests.integration.driver_support import start_ready_app

    shell = await start_ready_app()
    controller, window = shell.controller, shell.window
    window.message_input.setPlainText("what is in it?")  # as typed: the agent loads now
    await _until(lambda: controller.agent_ready)
    await asyncio.sleep(0.3)
    gc.collect()
    reset_peak()
    before = rss_mb()
    steps: list[int] = []
    controller.uploads.progress.connect(lambda _i, sent, _size: steps.append(sent))
    window.composer.attachments.add_paths([path])
    meter = StallMeter()
    began = time.perf_counter()
    window.send_button.click()
    await _until(lambda: controller.uploads.uploading, seconds=30)
    await _until(lambda: not controller.uploads.uploading, seconds=600)
    took = time.perf_counter() - began
    meter.stop()
    peak = peak_rss_mb()
    sent_to_model = not window.composer.attachments.files()  # sent: the tray emptied
    await _until(lambda: not window.busy, seconds=120)
    await shell.shutdown()
    return {
        "upload_s": took,
        "rss_before_mb": before,
        "peak_growth_mb": peak - before,
        "longest_stall_ms": meter.longest * 1000,
        "progress_reports": float(len(steps)),
        "sent": float(sent_to_model),
    }


def child(path: Path) -> None:
    from tests.integration.driver_support import run_on_qt

    print(json.dumps(run_on_qt(lambda: scenario(path))))


def write_file(path: Path, megabytes: int) -> str:
    """`megabytes` of incompressible bytes on disk (never all in memory); their sha256."""
    digest = hashlib.sha256()
    with path.open("wb") as handle:
        for _ in range(megabytes):
            chunk = os.urandom(CHUNK)
            digest.update(chunk)
            handle.write(chunk)
    return digest.hexdigest()


def mounted_digest(services: object, name: str) -> str | None:
    composio = services.composio  # type: ignore[attr-defined]
    for sid in composio.sessions:
        target = composio.sandboxes.get(sid).mount / name
        if target.is_file():
            digest = hashlib.sha256()
            with target.open("rb") as handle:
                while chunk := handle.read(CHUNK):
                    digest.update(chunk)
            return digest.hexdigest()
    return None


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--mb", type=int, default=50)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child is not None:
        child(args.child)
        return

    from tests.fakes.harness import FakeServices

    results = []
    with tempfile.TemporaryDirectory() as scratch, FakeServices() as services:
        path = Path(scratch) / "big.bin"
        digest = write_file(path, args.mb)
        for _ in range(args.runs):
            services.reset()
            with tempfile.TemporaryDirectory() as home:
                env = {
                    **os.environ,
                    **services.env(),
                    "QT_QPA_PLATFORM": "offscreen",
                    "E2B_AGENT_HOME": home,
                    "PYTHONPATH": str(REPO),
                }
                run = subprocess.run(
                    [sys.executable, __file__, "--child", str(path)],
                    env=env,
                    capture_output=True,
                    text=True,
                    check=False,
                    timeout=900,
                )
            if run.returncode != 0:
                sys.exit(f"the measuring process failed:\n{run.stderr[-3000:]}")
            figures = json.loads(run.stdout.strip().splitlines()[-1])
            figures["intact"] = float(mounted_digest(services, "big.bin") == digest)
            results.append(figures)

    def med(key: str) -> float:
        return statistics.median(r[key] for r in results)

    worst = max(r["longest_stall_ms"] for r in results)
    intact = all(r["intact"] and r["sent"] for r in results)
    print(
        f"{args.mb} MB upload: median {med('upload_s'):.2f} s; peak memory growth median "
        f"{med('peak_growth_mb'):.1f} MB (the file: {args.mb} MB; before it "
        f"{med('rss_before_mb'):.0f} MB); longest UI stall median "
        f"{med('longest_stall_ms'):.0f} ms, worst {worst:.0f} ms; "
        f"{med('progress_reports'):.0f} progress reports; "
        f"the mount holds the same bytes: {'yes' if intact else 'NO'}"
    )
    if not intact:
        sys.exit(1)


if __name__ == "__main__":
    main()
