"""The terminal mode against the fakes.

Most tests call `run_cli` in this process with in-memory streams and an in-memory secret store
(no interpreter start-up per test). A few run `python -m desktop` as a user does, because they
prove the process itself: its exit code, piped stdin and stdout without colour codes, an empty
stderr, Ctrl-C (SIGINT) stopping a reply, `--version`.
"""

from __future__ import annotations

import contextlib
import io
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from desktop import __version__
from desktop.cli import run_cli
from desktop.core.config.secrets import MemorySecretStore
from desktop.core.config.settings import Settings
from tests.fakes.e2b_emulator import SEED_RUNNING_ID
from tests.fakes.harness import FakeServices
from tests.fakes.openai_conversation import parse_conversation, user_messages
from tests.fakes.openai_script import Reply

REPO = Path(__file__).resolve().parents[2]


# ---------------------------------------------------------------------------- in this process
@dataclass(frozen=True)
class CliRun:
    returncode: int
    stdout: str
    stderr: str


class _TerminalOut(io.StringIO):
    """An output stream that says it is a terminal."""

    def isatty(self) -> bool:
        return True


def _run_cli(
    env: dict[str, str],
    stdin: str,
    cwd: Path,
    *,
    terminal: bool = False,
    settings: Settings | None = None,
) -> CliRun:
    out = _TerminalOut() if terminal else io.StringIO()
    err = io.StringIO()
    code = run_cli(
        settings or Settings(),
        MemorySecretStore(),
        environ=env,
        cwd=cwd,
        stdin=io.StringIO(stdin),
        stdout=out,
        stderr=err,
    )
    return CliRun(code, out.getvalue(), err.getvalue())


@pytest.mark.parametrize("word", ["quit", "bye", "EXIT"])
def test_exit_words(fake_services: FakeServices, tmp_path: Path, word: str) -> None:
    result = _run_cli(fake_services.env(), f"{word}\n", tmp_path)
    assert result.returncode == 0
    assert "Goodbye!" in result.stdout


def test_end_of_input_exits_cleanly(fake_services: FakeServices, tmp_path: Path) -> None:
    result = _run_cli(fake_services.env(), "hello", tmp_path)  # no newline, then EOF
    assert result.returncode == 0
    assert result.stdout.count("Agent: ") == 1
    assert "Goodbye!" in result.stdout


def test_missing_key_is_explained(fake_services: FakeServices, tmp_path: Path) -> None:
    env = fake_services.env()
    del env["OPENAI_API_KEY"]
    result = _run_cli(env, "hello\nexit\n", tmp_path)
    assert result.returncode == 0
    assert "No OpenAI API key is set" in result.stderr
    assert "OPENAI_API_KEY" in result.stderr
    assert "Traceback" not in result.stderr


def test_dotenv_in_working_directory_is_used(fake_services: FakeServices, tmp_path: Path) -> None:
    env = fake_services.env()
    key = env.pop("OPENAI_API_KEY")
    (tmp_path / ".env").write_text(f"OPENAI_API_KEY={key}\n")
    result = _run_cli(env, "hello\nexit\n", tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""


@pytest.mark.parametrize(
    ("extra", "coloured"),
    [({}, True), ({"NO_COLOR": "1"}, False), ({"TERM": "dumb"}, False)],
    ids=["terminal", "NO_COLOR", "TERM=dumb"],
)
def test_colour_only_on_a_terminal_without_no_color(
    fake_services: FakeServices, tmp_path: Path, extra: dict[str, str], coloured: bool
) -> None:
    result = _run_cli(fake_services.env() | extra, "exit\n", tmp_path, terminal=True)
    assert result.returncode == 0
    assert ("\x1b[2mReady:" in result.stdout) is coloured
    assert ("\x1b[" in result.stdout) is coloured


# ---------------------------------------------------------------------------- as a process
def _env(services: FakeServices | None, tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "COMPOSIO_"))}
    env.pop("USER_ID", None)
    env.update(services.env() if services else {})
    env["E2B_AGENT_HOME"] = str(tmp_path / "home")
    # Never touch the developer's real keyring from a test.
    env["PYTHON_KEYRING_BACKEND"] = "keyring.backends.null.Keyring"
    env["PYTHONPATH"] = str(REPO)
    env.update(extra)
    return env


def _run(env: dict[str, str], stdin: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "desktop", "--cli"],
        input=stdin,
        capture_output=True,
        text=True,
        env=env,
        cwd=cwd,
        timeout=90,
        check=False,
    )


def test_lists_sandboxes_remembers_and_exits(fake_services: FakeServices, tmp_path: Path) -> None:
    result = _run(
        _env(fake_services, tmp_path),
        "list my sandboxes\nwhat did I just ask?\nexit\n",
        tmp_path,
    )
    out = result.stdout
    assert result.returncode == 0, result.stderr
    assert "Ready:" in out
    assert "You: " in out and "Agent: " in out
    assert "-> List all sandboxes (E2B_LIST_ALL_SANDBOXES) {}" in out
    assert "<- success" in out
    assert SEED_RUNNING_ID in out
    # The second answer quotes the first prompt: history reached the model.
    second_reply = out.split("Agent: ")[2]
    assert '"list my sandboxes"' in second_reply
    sent = user_messages(parse_conversation(fake_services.openai.requests[-1].json))
    assert sent == ["list my sandboxes", "what did I just ask?"]
    assert out.rstrip().endswith("Goodbye!")
    assert "\x1b[" not in out + result.stderr, "no ANSI codes when stdout is not a terminal"
    assert result.stderr == ""


def test_version_is_printed_and_the_process_exits_zero(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "desktop", "--version"],
        capture_output=True,
        text=True,
        env=_env(None, tmp_path),
        cwd=tmp_path,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"e2b-agent {__version__}"
    assert result.stderr == ""


class _Reader(threading.Thread):
    """Collects a pipe's bytes; `wait_for` wakes on each chunk read, not on a polling tick."""

    def __init__(self, stream: int) -> None:
        super().__init__(daemon=True)
        self.stream = stream
        self.data = b""
        self._changed = threading.Condition()
        self._closed = False

    def run(self) -> None:
        while chunk := os.read(self.stream, 4096):
            with self._changed:
                self.data += chunk
                self._changed.notify_all()
        with self._changed:
            self._closed = True
            self._changed.notify_all()

    def wait_for(self, text: str, timeout: float = 30) -> None:
        wanted = text.encode()
        with self._changed:
            if (
                not self._changed.wait_for(
                    lambda: wanted in self.data or self._closed, timeout=timeout
                )
                or wanted not in self.data
            ):
                raise AssertionError(f"{text!r} never appeared in {self.data!r}")


@contextlib.contextmanager
def cli_process(
    services: FakeServices, tmp_path: Path
) -> Iterator[tuple[subprocess.Popen[bytes], _Reader, Callable[[str], None]]]:
    """The terminal mode as its own process on the fakes: the process, a reader of its output
    and a function that types a line; killed and closed at the end."""
    process = subprocess.Popen(
        [sys.executable, "-m", "desktop", "--cli"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=_env(services, tmp_path),
        cwd=tmp_path,
    )
    assert process.stdin and process.stdout
    stdin = process.stdin
    reader = _Reader(process.stdout.fileno())
    reader.start()

    def type_line(line: str) -> None:
        stdin.write(line.encode() + b"\n")
        stdin.flush()

    try:
        yield process, reader, type_line
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        reader.join(timeout=5)
        for stream in (process.stdin, process.stdout, process.stderr):
            if stream:
                stream.close()


def test_ctrl_c_stops_the_reply_and_returns_to_the_prompt(
    fake_services: FakeServices, tmp_path: Path
) -> None:
    fake_services.openai.script.push(
        Reply.slow_text("alpha beta gamma delta epsilon zeta eta theta", delay_per_chunk=0.4)
    )
    with cli_process(fake_services, tmp_path) as (process, reader, type_line):
        type_line("count slowly")
        reader.wait_for("Agent: alpha")
        process.send_signal(signal.SIGINT)
        reader.wait_for("[stopped]")
        type_line("what did I just ask?")
        reader.wait_for("count slowly", timeout=30)
        type_line("exit")
        assert process.wait(timeout=30) == 0
    out = reader.data.decode()
    stopped_reply = out.split("Agent: ", 2)[1]
    assert "theta" not in stopped_reply
    assert "Goodbye!" in out
