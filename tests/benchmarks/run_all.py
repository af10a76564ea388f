"""Run every benchmark script in turn and print their figures (`make bench`)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
SCRIPTS = (
    "bench_ui.py",
    "bench_huge_text.py",
    "bench_first_paint.py",
    "bench_long_chat.py",
    "bench_history.py",
    "bench_store.py",
    "bench_sandboxes.py",
    "bench_upload.py",
    "bench_cells.py",
    "bench_package.py",
)


def main() -> int:
    failed = 0
    for name in SCRIPTS:
        script = HERE / name
        if not script.is_file():
            continue
        print(f"== {name}", flush=True)
        failed += subprocess.run([sys.executable, str(script)], check=False).returncode != 0
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
