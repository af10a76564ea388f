"""First paint against the floor: a bare PySide6 window and the app, side by side, and what loads.

    python tests/benchmarks/bench_first_paint.py [--runs 5] [--top 25] [--import-runs 3]
                                                 [--dist DIST]

- A bare PySide6 window (tests/benchmarks/bare_window.py: a QMainWindow of the app's size, its
  first paint detected as `desktop.ui.window.first_paint.FirstPaintWatcher` does) and the app
  (`python -m desktop --smoke-test`, a fresh E2B_AGENT_HOME each run) are started alternately,
  RUNS times each. Each is timed as a whole process, from spawn until its "first paint:" line
  arrives (its stdout is a pseudo-terminal, so the line is not held in a pipe's buffer until
  exit). Prints both medians and the ratio app / bare (issue 8's target: at most 1.5x), and the
  same for the CPU each process used (it exits right after its first paint): on a busy machine
  the CPU figures move much less than the wall-clock ones.
- Bytecode: by default both start as on a user's second start, with bytecode written by a
  first, uncounted start (into a throwaway PYTHONPYCACHEPREFIX, even where the environment
  sets PYTHONDONTWRITEBYTECODE, as this workplace does). `--cold` measures without bytecode:
  the first start after an editable install (pip compiles a wheel's modules at install).
- The frozen build, if DIST/e2b-agent/e2b-agent exists (default: dist/ in this checkout), is
  timed the same way, in the same rounds. A frozen bare window would need its own PyInstaller
  build, so it is compared (1) with the bare window from source, and (2) with an estimated
  frozen floor: the bare window plus what the frozen start itself costs over the source one,
  measured as `e2b-agent --version` against `python -m desktop --version` (both start the
  interpreter and import only `desktop.app` and argparse, then exit).
- An import profile of the app up to its first paint (`python -X importtime -m desktop
  --smoke-test`, lines after "first paint:" dropped; each module's median of IMPORT_RUNS runs):
  the modules with the largest cumulative import time, and the self time per top-level package.
  -X importtime adds its own overhead; the figures rank, they do not add up to the first paint.

A script, not a test: it prints.
"""

from __future__ import annotations

import argparse
import os
import pty
import re
import select
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
BARE = Path(__file__).resolve().parent / "bare_window.py"
FIRST_PAINT = re.compile(rb"first paint: ([0-9.]+) s")
IMPORT_LINE = re.compile(r"^import time:\s+(\d+) \|\s+(\d+) \|( *)(\S+)\s*$")
TARGET_RATIO = 1.5


PYCACHE: Path | None = None  # where measured processes keep bytecode; None: no bytecode


def _environment(home: Path, *, frozen: bool = False) -> dict[str, str]:
    """A measured process's environment: offscreen Qt, a throwaway home, no keys, this checkout."""
    base = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("OPENAI_", "COMPOSIO_", "E2B_AGENT_", "SSL_CERT_"))
        and k not in ("USER_ID", "PYTHONDONTWRITEBYTECODE", "PYTHONPYCACHEPREFIX")
        and not (frozen and k.startswith("PYTHON"))
    }
    if PYCACHE is None:
        base["PYTHONDONTWRITEBYTECODE"] = "1"
    elif not frozen:
        base["PYTHONPYCACHEPREFIX"] = str(PYCACHE)
    base |= {
        "QT_QPA_PLATFORM": os.environ.get("QT_QPA_PLATFORM", "offscreen"),
        "E2B_AGENT_HOME": str(home / "home"),
        "XDG_RUNTIME_DIR": str(home),
        "PYTHON_KEYRING_BACKEND": "keyring.backends.null.Keyring",
    }
    if not frozen:
        base["PYTHONPATH"] = str(REPO)
    return base


def time_to_paint(
    argv: list[str], env: dict[str, str], cwd: Path, timeout: float = 60
) -> tuple[float, float]:
    """Seconds from spawning `argv` until it prints its "first paint:" line, and the CPU
    seconds (user and system) the process used in all: it exits right after that line."""
    master, slave = pty.openpty()
    with tempfile.TemporaryFile() as errors:
        started = time.perf_counter()
        process = subprocess.Popen(
            argv, stdin=subprocess.DEVNULL, stdout=slave, stderr=errors, env=env, cwd=cwd
        )
        os.close(slave)
        seen = b""
        try:
            while not FIRST_PAINT.search(seen):
                left = started + timeout - time.perf_counter()
                if left <= 0 or not select.select([master], [], [], left)[0]:
                    raise TimeoutError(f"{argv[0]}: no first paint within {timeout:.0f} s")
                try:
                    chunk = os.read(master, 4096)
                except OSError:  # the child closed its end (exited)
                    chunk = b""
                if not chunk:
                    errors.seek(0)
                    text = errors.read().decode(errors="replace")[-2000:]
                    sys.exit(f"{' '.join(argv)} ended without a first paint:\n{seen!r}\n{text}")
                seen += chunk
            painted = time.perf_counter() - started
            _pid, status, usage = os.wait4(process.pid, 0)
            process.returncode = os.waitstatus_to_exitcode(status)
        finally:
            try:
                process.wait(timeout=30)
            finally:
                os.close(master)
    return painted, usage.ru_utime + usage.ru_stime


def time_whole(argv: list[str], env: dict[str, str], cwd: Path) -> float:
    """Wall seconds of a process that just starts and exits (e.g. `--version`)."""
    started = time.perf_counter()
    subprocess.run(argv, env=env, cwd=cwd, capture_output=True, check=True, timeout=60)
    return time.perf_counter() - started


def _median(values: list[float]) -> float:
    return statistics.median(values)


def _runs(values: list[float]) -> str:
    return ", ".join(f"{v:.3f}" for v in values)


def compare(runs: int, frozen: Path | None) -> None:
    source_app = [sys.executable, "-m", "desktop", "--smoke-test"]
    bare = [sys.executable, str(BARE)]
    times: dict[str, list[float]] = defaultdict(list)
    with tempfile.TemporaryDirectory(prefix="bench-first-paint-") as tmp:
        scratch = Path(tmp)
        time_to_paint(bare, _environment(scratch), scratch)  # warm the disk cache, not counted
        time_to_paint(source_app, _environment(scratch), scratch)
        for n in range(runs):
            for name, argv, is_frozen in (
                ("bare", bare, False),
                ("app", source_app, False),
                *((("frozen", [str(frozen), "--smoke-test"], True),) if frozen else ()),
            ):
                home = scratch / f"{name}{n}"
                home.mkdir()
                wall, cpu = time_to_paint(argv, _environment(home, frozen=is_frozen), home)
                times[name].append(wall)
                times[f"{name}_cpu"].append(cpu)
        if frozen is not None:
            for _ in range(runs):
                version = [sys.executable, "-m", "desktop", "--version"]
                times["source_start"].append(time_whole(version, _environment(scratch), scratch))
                times["frozen_start"].append(
                    time_whole(
                        [str(frozen), "--version"], _environment(scratch, frozen=True), scratch
                    )
                )

    bare_s, app_s = _median(times["bare"]), _median(times["app"])
    bare_cpu, app_cpu = _median(times["bare_cpu"]), _median(times["app_cpu"])
    how = "without bytecode (--cold)" if PYCACHE is None else "with bytecode (a second start)"
    print(f"first paint, whole process from spawn (median of {runs}, alternating), {how}:")
    print(f"  bare PySide6 window (source): {bare_s:.3f} s   ({_runs(times['bare'])})")
    print(f"  app (source):                 {app_s:.3f} s   ({_runs(times['app'])})")
    print(f"  ratio app / bare (source):    {app_s / bare_s:.2f}x   (target <= {TARGET_RATIO}x)")
    print(
        f"  CPU used, bare {bare_cpu:.3f} s, app {app_cpu:.3f} s: ratio {app_cpu / bare_cpu:.2f}x"
        " (steadier than the wall clock on a busy machine)"
    )
    if frozen is None:
        print("  frozen build: none at dist/e2b-agent/e2b-agent (make package); not measured")
        return
    frozen_s = _median(times["frozen"])
    extra = _median(times["frozen_start"]) - _median(times["source_start"])
    floor = bare_s + extra
    print(f"  app (frozen, {frozen}): {frozen_s:.3f} s   ({_runs(times['frozen'])})")
    print(f"  ratio frozen / bare (source): {frozen_s / bare_s:.2f}x")
    print(
        f"  frozen start over source start (--version, median): {extra * 1000:+.0f} ms, so a "
        f"frozen bare window would paint at about {floor:.3f} s: frozen / that floor "
        f"{frozen_s / floor:.2f}x (an estimate: no frozen bare window is built)"
    )


def _import_rows(env: dict[str, str], cwd: str) -> dict[str, tuple[int, int, int]]:
    """One `-X importtime` run up to the first paint: module -> (cumulative, self, depth)."""
    run = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "desktop", "--smoke-test"],
        env=env,
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,  # one stream: the imports after the paint line are dropped
        text=True,
        check=True,
        timeout=120,
    )
    rows: dict[str, tuple[int, int, int]] = {}
    for line in run.stdout.splitlines():
        if line.startswith("first paint:"):
            break
        match = IMPORT_LINE.match(line)
        if match:
            rows[match[4]] = (int(match[2]), int(match[1]), (len(match[3]) - 1) // 2)
    return rows


def import_profile(top: int, runs: int) -> None:
    """The app's imports up to its first paint, by cumulative time, and per top-level package;
    each module's median over `runs` runs (the machine is shared: one run is noisy)."""
    with tempfile.TemporaryDirectory(prefix="bench-importtime-") as tmp:
        env = _environment(Path(tmp)) | {"PYTHONUNBUFFERED": "1"}
        samples = [_import_rows(env, tmp) for _ in range(runs)]
    rows: list[tuple[int, int, int, str]] = []  # (cumulative us, self us, depth, module)
    for name, (_, _, depth) in samples[0].items():
        seen = [run[name] for run in samples if name in run]
        cumulative = int(statistics.median(s[0] for s in seen))
        rows.append((cumulative, int(statistics.median(s[1] for s in seen)), depth, name))
    total_self = sum(r[1] for r in rows)
    print(
        f"imports before the first paint (-X importtime, median of {runs} runs): "
        f"{len(rows)} modules, {total_self / 1000:.0f} ms of import time in all"
    )
    print(f"  top {top} by cumulative time (depth 0 = imported from outside any import):")
    for cumulative, own, depth, name in sorted(rows, reverse=True)[:top]:
        print(
            f"  {cumulative / 1000:8.1f} ms cumulative {own / 1000:7.1f} ms self  d{depth} {name}"
        )
    per_package: dict[str, int] = defaultdict(int)
    for _cumulative, own, _depth, name in rows:
        per_package[name.split(".")[0]] += own
    print("  self time per top-level package:")
    ranked = sorted(per_package.items(), key=lambda item: item[1], reverse=True)
    for name, own in ranked[:15]:
        print(f"  {own / 1000:8.1f} ms  {name}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--runs", type=int, default=5, help="runs of each (default 5)")
    parser.add_argument("--top", type=int, default=25, help="modules in the import profile")
    parser.add_argument("--import-runs", type=int, default=3, help="-X importtime runs")
    parser.add_argument("--dist", type=Path, default=REPO / "dist", help="the frozen build")
    parser.add_argument("--cold", action="store_true", help="no bytecode: a first start")
    args = parser.parse_args(argv)
    binary = args.dist / "e2b-agent" / "e2b-agent"
    global PYCACHE
    with tempfile.TemporaryDirectory(prefix="bench-pycache-") as pycache:
        PYCACHE = None if args.cold else Path(pycache)
        compare(args.runs, binary if binary.is_file() else None)
        import_profile(args.top, args.import_runs)
    return 0


if __name__ == "__main__":
    sys.exit(main())
