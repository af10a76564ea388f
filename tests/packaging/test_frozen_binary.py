"""The frozen one-folder build, made once with PyInstaller and run the way a user runs it.

Like qutebrowser's release check: start the built binary headless, let it come up, quit, and fail
on any stderr line that is not on the short list of known, harmless ones.
"""

from __future__ import annotations

import importlib.util
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from desktop import __version__
from tests.fakes.anthropic_server import TEST_ANTHROPIC_KEY, AnthropicFake
from tests.fakes.gemini_server import TEST_GOOGLE_KEY, GeminiFake
from tests.fakes.harness import FakeServices
from tests.fakes.openai_server import TEST_OPENROUTER_KEY, OpenAIFake
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

pytestmark = [pytest.mark.slow, pytest.mark.timeout(900)]

SIZE_LIMIT_MB = 150  # the target; the build is ~148 MB
SMOKE_TEST_TIMEOUT = 60
# Set by .ci/pytest-session.sh when it started Xvfb and gnome-keyring: then those tests must run.
REAL_SERVICES = os.environ.get("E2B_AGENT_TEST_REAL_SERVICES") == "1"

# stderr lines that are known and harmless; any other line fails a smoke test.
HARMLESS_STDERR = (
    # Qt's offscreen platform cannot pass size hints on to a window manager (there is none).
    re.compile(r"This plugin does not support propagateSizeHints\(\)"),
)

# What the spec leaves out; finding one of these in the bundle means the size crept back.
LEFT_OUT = (
    "PySide6/Qt/translations",
    "PySide6/Qt/lib/libQt6Network*",
    "PySide6/Qt/lib/libQt6Qml*",
    "PySide6/Qt/lib/libQt6Quick*",
    "PySide6/Qt/lib/libQt6Pdf*",
    "PySide6/Qt/lib/libQt6VirtualKeyboard*",
    "PySide6/Qt/plugins/platforms/libqeglfs*",
    "PySide6/Qt/plugins/platforms/libqvnc*",
    "PySide6/Qt/plugins/platformthemes/libqgtk3*",
    "PySide6/Qt/plugins/imageformats/libqpdf*",
    "PySide6/Qt/plugins/sqldrivers",
    "libgtk-3*",
    "mypy",
    "tiktoken",
    # The app speaks to Composio's REST API itself; the SDK is a test dependency only.
    "composio",
    "composio_client",
    "tkinter",
    "*.dist-info/RECORD",
)


@dataclass(frozen=True)
class Bundle:
    dist: Path

    @property
    def folder(self) -> Path:
        return self.dist / APP_NAME

    @property
    def contents(self) -> Path:
        """`sys._MEIPASS` of the frozen app."""
        return self.folder / "_internal"

    @property
    def executable(self) -> Path:
        return executable(self.dist)


def _tail(path: Path, lines: int = 60) -> str:
    return "\n".join(path.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:])


@pytest.fixture(scope="module")
def bundle(tmp_path_factory: pytest.TempPathFactory) -> Bundle:
    """Built once for this module; a failed build fails every test that needs it."""
    if importlib.util.find_spec("PyInstaller") is None:
        pytest.skip("PyInstaller is not installed (pip install -e '.[dev]')")
    root = tmp_path_factory.mktemp("frozen")
    log = root / "pyinstaller.log"
    result = build(root / "dist", root / "build", log)
    if result.returncode != 0:
        pytest.fail(f"PyInstaller failed (exit {result.returncode}):\n{_tail(log)}", pytrace=False)
    built = Bundle(root / "dist")
    assert built.executable.is_file(), f"no executable at {built.executable}"
    return built


@pytest.fixture
def app_env(fake_services: FakeServices, tmp_path: Path) -> dict[str, str]:
    """Points the frozen app at the fakes, a throwaway home and the null keyring."""
    runtime = tmp_path / "runtime"
    runtime.mkdir(mode=0o700)
    return clean_environment(
        {
            **fake_services.env(),
            "E2B_AGENT_HOME": str(tmp_path / "home"),
            "PYTHON_KEYRING_BACKEND": "keyring.backends.null.Keyring",
            # A desktop session always has one; without it Qt warns on stderr.
            "XDG_RUNTIME_DIR": str(runtime),
        }
    )


def _run(
    bundle: Bundle,
    *args: str,
    env: dict[str, str],
    cwd: Path,
    stdin: str | None = None,
    timeout: float = 120,
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(bundle.executable), *args],
        input=stdin,
        capture_output=True,
        text=True,
        encoding="utf-8",
        errors="replace",
        env=env,
        cwd=cwd,
        timeout=timeout,
        check=False,
    )


def _unexpected(stderr: str) -> list[str]:
    return [
        line
        for line in stderr.splitlines()
        if line.strip() and not any(pattern.search(line) for pattern in HARMLESS_STDERR)
    ]


def _assert_smoke_test_passed(result: subprocess.CompletedProcess[str]) -> None:
    report = f"exit {result.returncode}\nstdout:\n{result.stdout}\nstderr:\n{result.stderr}"
    assert result.returncode == 0, report
    assert first_paint_seconds(result.stdout) is not None, f"no first-paint time\n{report}"
    assert not _unexpected(result.stderr), f"unexpected lines on stderr\n{report}"


def test_version(bundle: Bundle, tmp_path: Path) -> None:
    result = _run(bundle, "--version", env=clean_environment(), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"{APP_NAME} {__version__}"
    assert result.stderr == ""


def test_cli_connects_and_exits(bundle: Bundle, app_env: dict[str, str], tmp_path: Path) -> None:
    """Composio, the Tool Router's MCP server and pydantic-ai all load and connect, frozen."""
    result = _run(bundle, "--cli", env=app_env, cwd=tmp_path, stdin="exit\n")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Ready:" in result.stdout, result.stdout + result.stderr
    assert result.stdout.rstrip().endswith("Goodbye!")
    assert result.stderr == ""


def test_cli_agent_calls_a_tool(bundle: Bundle, app_env: dict[str, str], tmp_path: Path) -> None:
    result = _run(bundle, "--cli", env=app_env, cwd=tmp_path, stdin="list my sandboxes\nexit\n")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "-> List all sandboxes (E2B_LIST_ALL_SANDBOXES)" in result.stdout, (
        result.stdout + result.stderr
    )
    assert "<- success" in result.stdout
    assert result.stdout.rstrip().endswith("Goodbye!")
    assert result.stderr == ""


# Each provider's SDK (and what build.spec leaves out of it), frozen: a tool call through the
# router, then a second turn on another provider that remembers the first.
PROVIDER_RUNS = {
    "openai-chat": ("openai-chat:gpt-5", "anthropic:claude-sonnet-4-5"),
    "anthropic": ("anthropic:claude-sonnet-4-5", "google:gemini-2.5-flash"),
    "google": ("google:gemini-2.5-flash", "ollama:llama3.1:latest"),
    "ollama": ("ollama:llama3.1:latest", "openrouter:anthropic/claude-sonnet-4.5"),
    "openrouter": ("openrouter:anthropic/claude-sonnet-4.5", "openai:gpt-5"),
}


@pytest.mark.parametrize("provider", PROVIDER_RUNS)
def test_cli_each_provider_calls_a_tool_and_remembers(
    bundle: Bundle,
    app_env: dict[str, str],
    tmp_path: Path,
    provider: str,
    fake_services: FakeServices,
    anthropic_fake: AnthropicFake,
    gemini_fake: GeminiFake,
    local_model_fake: OpenAIFake,
    openrouter_fake: OpenAIFake,
) -> None:
    first, second = PROVIDER_RUNS[provider]
    env = {
        **app_env,
        "ANTHROPIC_BASE_URL": anthropic_fake.base_url,
        "ANTHROPIC_API_KEY": TEST_ANTHROPIC_KEY,
        "GOOGLE_GEMINI_BASE_URL": gemini_fake.base_url,
        "GOOGLE_API_KEY": TEST_GOOGLE_KEY,
        "OLLAMA_BASE_URL": local_model_fake.base_url,
        "OPENROUTER_BASE_URL": openrouter_fake.base_url,
        "OPENROUTER_API_KEY": TEST_OPENROUTER_KEY,
    }
    stdin = f"list my sandboxes\n/model {second}\nwhat did I ask before?\nexit\n"
    result = _run(bundle, "--cli", "--model", first, env=env, cwd=tmp_path, stdin=stdin)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "-> List all sandboxes (E2B_LIST_ALL_SANDBOXES)" in result.stdout, output
    assert 'You previously asked: "list my sandboxes"' in result.stdout, output
    assert result.stderr == ""
    servers = {
        "openai": fake_services.openai,
        "openai-chat": fake_services.openai,
        "anthropic": anthropic_fake,
        "google": gemini_fake,
        "ollama": local_model_fake,
        "openrouter": openrouter_fake,
    }
    for model in (first, second):
        assert servers[model.split(":")[0]].requests, f"{model}: its server got no request"


def test_smoke_test_offscreen(bundle: Bundle, app_env: dict[str, str], tmp_path: Path) -> None:
    env = {**app_env, "QT_QPA_PLATFORM": "offscreen"}
    result = _run(bundle, "--smoke-test", env=env, cwd=tmp_path, timeout=SMOKE_TEST_TIMEOUT)
    _assert_smoke_test_passed(result)


@pytest.mark.xvfb
def test_smoke_test_on_x11(bundle: Bundle, app_env: dict[str, str], tmp_path: Path) -> None:
    """The xcb platform plugin and the xcb libraries bundled with it work, frozen."""
    if not os.environ.get("DISPLAY"):
        if REAL_SERVICES:
            pytest.fail("make test started Xvfb, but DISPLAY is not set")
        pytest.skip("needs an X server (DISPLAY); `make test` runs under xvfb-run")
    env = {**app_env, "QT_QPA_PLATFORM": "xcb"}
    result = _run(bundle, "--smoke-test", env=env, cwd=tmp_path, timeout=SMOKE_TEST_TIMEOUT)
    _assert_smoke_test_passed(result)


@pytest.fixture
def secret_service_key(fake_services: FakeServices) -> Iterator[str]:
    """The fake OpenAI key, stored in the real Secret Service (gnome-keyring) for the test."""
    from keyring.backends import SecretService

    from desktop.core.config.secrets import KEYRING_SERVICE, SecretName

    backend = SecretService.Keyring()
    try:
        usable = backend.priority > 0 and bool(os.environ.get("DBUS_SESSION_BUS_ADDRESS"))
        reason = "no D-Bus session or Secret Service"
    except Exception as exc:  # keyring raises RuntimeError when the service is absent
        usable, reason = False, str(exc)
    if not usable:
        if REAL_SERVICES:
            pytest.fail(f"make test started gnome-keyring, but it is not usable: {reason}")
        pytest.skip(f"needs a Secret Service ({reason}); `make test` provides one")
    name = SecretName.OPENAI_API_KEY.value
    backend.set_password(KEYRING_SERVICE, name, fake_services.openai_api_key)
    yield name
    backend.delete_password(KEYRING_SERVICE, name)


@pytest.mark.secret_service
def test_cli_reads_its_key_from_the_secret_service(
    bundle: Bundle, app_env: dict[str, str], secret_service_key: str, tmp_path: Path
) -> None:
    """keyring's SecretService backend (jeepney, secretstorage, cryptography) works frozen."""
    env = {
        k: v for k, v in app_env.items() if k not in ("OPENAI_API_KEY", "PYTHON_KEYRING_BACKEND")
    }
    result = _run(bundle, "--cli", env=env, cwd=tmp_path, stdin="list my sandboxes\nexit\n")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "-> List all sandboxes (E2B_LIST_ALL_SANDBOXES)" in result.stdout, (
        result.stdout + result.stderr
    )


def test_bundle_size_and_contents(bundle: Bundle, record_property: pytest.RecordProperty) -> None:
    size = folder_size(bundle.folder)
    record_property("one_folder_mb", round(size / MB, 1))
    print(f"one-folder build: {size / MB:.1f} MB ({size / MIB:.1f} MiB)")
    assert size <= SIZE_LIMIT_MB * MB, f"{size / MB:.1f} MB > {SIZE_LIMIT_MB} MB"
    for name in ("style.qss", "e2b-agent.svg", "e2b-agent.desktop"):
        assert (bundle.contents / "resources" / name).is_file(), f"resources/{name} not bundled"


def test_unused_parts_are_left_out(bundle: Bundle) -> None:
    found = sorted(
        str(path.relative_to(bundle.contents))
        for pattern in LEFT_OUT
        for path in bundle.contents.glob(pattern)
    )
    assert not found, f"the spec should leave these out: {found}"
    broken = [str(p) for p in bundle.contents.rglob("*") if p.is_symlink() and not p.exists()]
    assert not broken, f"dangling symbolic links: {broken}"
    if sys.platform.startswith("linux"):
        assert not list(bundle.contents.glob("libstdc++.so*")), "libstdc++ must come from the host"
