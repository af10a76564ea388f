"""The fake Tool Router sandbox of each session: its files mount, a Python kernel and a shell.

What `COMPOSIO_REMOTE_WORKBENCH` and `COMPOSIO_REMOTE_BASH_TOOL` do for real, on this machine:
- Python runs in a child process per session (`workbench_kernel.py`), started on the first cell
  and killed when the fake stops or resets; state is kept between cells, each cell has a timeout
  (`SandboxLimits.cell_timeout`, 180 s as Composio's) after which it is interrupted.
- Shell commands run with `bash -c` in a per-session temporary home (`/home/user` to the
  command), each in its own process group, killed whole at the timeout (`bash_timeout`).
- `/mnt/files` (the session's files mount, also served by the mount REST endpoints) and
  `/home/user` are directories of the fake. Code and commands name them as the real sandbox
  does: the paths are rewritten on the way in, and back on the way out (stdout, stderr, results,
  tracebacks), so the model only ever sees `/mnt/files/...`. The real /mnt is never touched.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import select
import selectors
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

KERNEL_SCRIPT = Path(__file__).with_name("workbench_kernel.py")
KERNEL_LIB = Path(__file__).with_name("kernel_lib")
MOUNT_PREFIX = "/mnt/files"
HOME = "/home/user"
CAPTURE_BYTES = 8 * 1024 * 1024
"""Bytes of a command's stdout (and stderr) kept; the rest is counted, not kept."""
INTERRUPT_GRACE = 5.0
"""Seconds a timed-out cell gets to stop after its interrupt before the kernel is killed."""

Data = dict[str, Any]


@dataclass
class SandboxLimits:
    """Bounds of the fake sandboxes; tests shorten them (change them at any time)."""

    cell_timeout: float = 180.0
    bash_timeout: float = 180.0
    bash_output_chars: int | None = None
    """stdout or stderr longer than this is cut, the whole text left in a file under the home
    (`stdout_file_path`), as the real tool does with long outputs; None: never cut."""


class PathMap:
    """The sandbox's names for the mount and the home, and this machine's directories for them."""

    def __init__(self, mount: Path, home: Path) -> None:
        self.mount, self.home = mount, home
        self._inward = [
            (re.compile(re.escape(MOUNT_PREFIX) + r"(?![\w.-])"), str(mount)),
            (re.compile(re.escape(HOME) + r"(?![\w.-])"), str(home)),
        ]

    def inward(self, text: str) -> str:
        for pattern, local in self._inward:
            text = pattern.sub(local.replace("\\", "\\\\"), text)
        return text

    def outward(self, value: Any) -> Any:
        """`value` (text, or JSON-like data) with this machine's paths named as the sandbox's."""
        if isinstance(value, str):
            return value.replace(str(self.mount), MOUNT_PREFIX).replace(str(self.home), HOME)
        if isinstance(value, dict):
            return {k: self.outward(v) if k not in ("png", "jpeg") else v for k, v in value.items()}
        if isinstance(value, list):
            return [self.outward(item) for item in value]
        return value


def _environment(home: Path) -> dict[str, str]:
    """What commands and the kernel see: no keys of the test run, this Python first on PATH."""
    path = os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")])
    env = {"PATH": path, "HOME": str(home), "LANG": "C.UTF-8", "PIP_DISABLE_PIP_VERSION_CHECK": "1"}
    if "PYENV_ROOT" in os.environ:
        env["PYENV_ROOT"] = os.environ["PYENV_ROOT"]
    return env


def _timeout_error(seconds: float, restarted: bool) -> Data:
    lost = " The kernel was restarted: its variables are gone." if restarted else ""
    return {
        "name": "TimeoutError",
        "value": f"The cell ran past the {seconds:g} s limit and was interrupted.{lost}",
        "traceback": "",
    }


class Kernel:
    """One session's Python kernel process, started on first use."""

    def __init__(self, paths: PathMap) -> None:
        self._paths = paths
        self._process: subprocess.Popen[bytes] | None = None
        self._lock = threading.Lock()
        self.started = 0
        """How many processes were started (a restart after a kill counts)."""

    @property
    def pid(self) -> int | None:
        process = self._process
        return process.pid if process is not None and process.poll() is None else None

    def _ensure(self) -> subprocess.Popen[bytes]:
        process = self._process
        if process is None or process.poll() is not None:
            process = subprocess.Popen(
                [sys.executable, "-I", str(KERNEL_SCRIPT), str(KERNEL_LIB)],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
                cwd=self._paths.home,
                env=_environment(self._paths.home),
                start_new_session=True,
            )
            self._process = process
            self.started += 1
        return process

    @staticmethod
    def _answer(process: subprocess.Popen[bytes], seconds: float) -> Data | None:
        """The next answer; None if none came within `seconds`."""
        assert process.stdout is not None
        if not select.select([process.stdout], [], [], seconds)[0]:
            return None
        line = process.stdout.readline()
        if not line:
            process.wait()
            return {"stdout": "", "stderr": "", "results": [], "error": _died(process)}
        answer: Data = json.loads(line)
        return answer

    def run(self, code: str, seconds: float) -> Data:
        """Run one cell; blocks until it ends or times out (call it off the event loop)."""
        with self._lock:
            process = self._ensure()
            try:
                return self._paths.outward(self._run(process, code, seconds))
            finally:
                if self._process is not process:  # killed meanwhile: its pipes are ours to close
                    _release(process)

    def _run(self, process: subprocess.Popen[bytes], code: str, seconds: float) -> Data:
        assert process.stdin is not None
        request = json.dumps({"code": self._paths.inward(code)}) + "\n"
        try:
            process.stdin.write(request.encode("utf-8"))
            process.stdin.flush()
        except OSError:
            process.wait()
            self._process = None
            return {"stdout": "", "stderr": "", "results": [], "error": _died(process)}
        answer = self._answer(process, seconds)
        if answer is None:
            with contextlib.suppress(ProcessLookupError):
                process.send_signal(signal.SIGINT)
            answer = self._answer(process, INTERRUPT_GRACE)
            restarted = answer is None
            if answer is None:
                self.close()
                answer = {"stdout": "", "stderr": "", "results": []}
            answer["error"] = _timeout_error(seconds, restarted)
        if process.poll() is not None:
            self._process = None
        return answer

    def close(self) -> None:
        """Kill the process; thread-safe (a cell that runs meanwhile ends with "the kernel
        died", and its thread closes the pipes)."""
        process, self._process = self._process, None
        if process is None:
            return
        _kill(process)
        if self._lock.acquire(blocking=False):
            try:
                _release(process)
            finally:
                self._lock.release()


def _kill(process: subprocess.Popen[bytes]) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait()


def _release(process: subprocess.Popen[bytes]) -> None:
    for pipe in (process.stdin, process.stdout):
        if pipe is not None:
            with contextlib.suppress(OSError):
                pipe.close()


def _died(process: subprocess.Popen[bytes]) -> Data:
    return {
        "name": "DeadKernelError",
        "value": f"The kernel died (exit status {process.returncode}); it restarts on the next "
        "cell, without its variables.",
        "traceback": "",
    }


def _lines(data: bytes) -> int:
    return data.count(b"\n") + (1 if data and not data.endswith(b"\n") else 0)


class _Output:
    """One pipe's bytes: the first CAPTURE_BYTES kept, every line counted."""

    def __init__(self) -> None:
        self.kept = bytearray()
        self.lines = 0
        self._last = b"\n"

    def add(self, chunk: bytes) -> None:
        if len(self.kept) < CAPTURE_BYTES:
            self.kept += chunk[: CAPTURE_BYTES - len(self.kept)]
        self.lines += chunk.count(b"\n")
        self._last = chunk[-1:] or self._last

    def total_lines(self) -> int:
        return self.lines + (0 if self._last == b"\n" else 1)

    def text(self) -> str:
        return bytes(self.kept).decode("utf-8", errors="replace")


def _collect(process: subprocess.Popen[bytes], seconds: float) -> tuple[_Output, _Output, bool]:
    """stdout and stderr until both close (or the timeout); whether it timed out."""
    outputs = {process.stdout: _Output(), process.stderr: _Output()}
    deadline = time.monotonic() + seconds
    timed_out = False
    with selectors.DefaultSelector() as selector:
        for pipe in outputs:
            assert pipe is not None
            selector.register(pipe, selectors.EVENT_READ)
        while selector.get_map():
            left = deadline - time.monotonic()
            if left <= 0:
                timed_out = process.poll() is None
                break
            if process.poll() is not None:  # finished: what it left running may hold the pipes
                left = min(left, 0.2)
            events = selector.select(left)
            if not events and process.poll() is not None:
                break
            for key, _ in events:
                pipe: IO[bytes] = key.fileobj  # type: ignore[assignment]
                chunk = os.read(pipe.fileno(), 65536)
                if chunk:
                    outputs[pipe].add(chunk)
                else:
                    selector.unregister(pipe)
    if not timed_out:
        # Its pipes closed as it exited: let it finish exiting, or the kill below (of what it
        # left running) would take the place of its own exit status.
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(max(0.0, min(1.0, deadline - time.monotonic())))
    _kill(process)
    return outputs[process.stdout], outputs[process.stderr], timed_out


class SessionSandbox:
    """One session's sandbox: the mount and home directories, the kernel, the shell."""

    def __init__(self, root: Path, limits: Callable[[], SandboxLimits]) -> None:
        self.root = root
        self.mount = root / "mnt-files"
        self.home = root / "home-user"
        self.incoming = root / "incoming"  # uploads in progress, outside the mount
        for directory in (self.mount, self.home, self.incoming):
            directory.mkdir(parents=True, exist_ok=True)
        self.paths = PathMap(self.mount, self.home)
        self.kernel = Kernel(self.paths)
        self._limits = limits
        self.commands: list[str] = []

    def run_python(self, code: str) -> Data:
        return self.kernel.run(code, self._limits().cell_timeout)

    def run_bash(self, command: str) -> tuple[Data, int | None]:
        """The tool's `data` and the exit status (None: timed out). Blocks: call it in a thread."""
        self.commands.append(command)
        process = subprocess.Popen(
            ["bash", "-c", self.paths.inward(command)],
            cwd=self.home,
            env=_environment(self.home),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            start_new_session=True,
        )
        try:
            out, err, timed_out = _collect(process, self._limits().bash_timeout)
        finally:
            for pipe in (process.stdout, process.stderr):
                if pipe is not None:
                    pipe.close()
        data: Data = {}
        for name, output in (("stdout", out), ("stderr", err)):
            text = self.paths.outward(output.text())
            limit = self._limits().bash_output_chars
            if limit is not None and len(text) > limit:
                kept = self.home / ".bash_outputs" / f"{name}-{len(self.commands)}.txt"
                kept.parent.mkdir(exist_ok=True)
                kept.write_text(text, encoding="utf-8")
                data[f"{name}_file_path"] = self.paths.outward(str(kept))
                text = text[:limit]
            data[name] = text
            data[f"{name}Lines"] = output.total_lines()
        return data, None if timed_out else process.returncode

    def close(self) -> None:
        self.kernel.close()


class Sandboxes:
    """The sandboxes of one fake backend, by session id, made on first use."""

    def __init__(self) -> None:
        self.limits = SandboxLimits()
        self._lock = threading.Lock()
        self._root: Path | None = None
        self._by_session: dict[str, SessionSandbox] = {}

    def get(self, session_id: str) -> SessionSandbox:
        with self._lock:
            sandbox = self._by_session.get(session_id)
            if sandbox is None:
                if self._root is None:
                    self._root = Path(tempfile.mkdtemp(prefix="fake-workbench-")).resolve()
                directory = self._root / re.sub(r"[^A-Za-z0-9_-]", "_", session_id)
                sandbox = SessionSandbox(directory, lambda: self.limits)
                self._by_session[session_id] = sandbox
            return sandbox

    def existing(self, session_id: str) -> SessionSandbox | None:
        with self._lock:
            return self._by_session.get(session_id)

    def close_all(self) -> None:
        """Kill every kernel and remove every directory (reset, stop)."""
        with self._lock:
            sandboxes, self._by_session = list(self._by_session.values()), {}
            root, self._root = self._root, None
        for sandbox in sandboxes:
            sandbox.close()
        if root is not None:
            shutil.rmtree(root, ignore_errors=True)
