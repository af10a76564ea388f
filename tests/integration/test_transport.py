"""Keys over the network: only https or loopback, loopback past every proxy (issue 10, item 4).

A loopback "proxy" (a server that records every request it is handed, CONNECT tunnels and
absolute-form GET/POST alike, and answers 502) is named by every proxy variable while the app
talks to the loopback fakes through the real SDKs: whatever it records went through a proxy.
Addresses on other machines (10.x, never reached: the proxy would record any attempt) stand for
"remote" without a network.
"""

from __future__ import annotations

import io
import subprocess
import sys
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import TypeVar

import pytest

from desktop.app import _parse_args
from desktop.cli import run_cli
from desktop.core.agent.events import TurnEvent, TurnFailed, TurnFinished
from desktop.core.config.secrets import MemorySecretStore
from desktop.core.config.settings import Settings
from desktop.core.errors import ErrorKind, Remedy
from desktop.ui.messages import PLAIN_HTTP_CHECK, window_text
from tests.fakes.harness import FakeServices
from tests.integration.chat_helpers import collect, run, session_for
from tests.integration.provider_helpers import every_key, provider_session
from tests.integration.test_cli import _env
from tests.unit.router.loopback import LoopbackServer, Reply, Seen

T = TypeVar("T")
PROXY_VARIABLES = ("http_proxy", "https_proxy", "all_proxy", "no_proxy")
REMOTE_MCP = "http://10.255.255.1/mcp"
REMOTE_MODEL = "http://10.0.0.5/v1"
REMOTE_ANTHROPIC = "http://10.0.0.7"
CLAUDE = "anthropic:claude-sonnet-4-5"


async def _refuse(seen: Seen) -> Reply:
    return Reply(502, b"a proxy on another machine")


@pytest.fixture
def proxy_environment(monkeypatch: pytest.MonkeyPatch) -> Iterator[pytest.MonkeyPatch]:
    """No proxy variables from the machine running the tests; each test names its proxy."""
    for name in PROXY_VARIABLES:
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.upper(), raising=False)
    yield monkeypatch


def _through_proxy(
    environment: pytest.MonkeyPatch, scenario: Callable[[], Awaitable[T]]
) -> tuple[T, list[Seen]]:
    """`scenario()` with every proxy variable naming a recording proxy; what it recorded."""

    async def go() -> tuple[T, list[Seen]]:
        async with LoopbackServer(_refuse) as proxy:
            for name in PROXY_VARIABLES[:3]:
                environment.setenv(name, proxy.base_url)
                environment.setenv(name.upper(), proxy.base_url)
            return await scenario(), proxy.seen

    return run(go())


def _turn(
    services: FakeServices, settings: Settings | None = None, openai_base_url: str | None = None
) -> Callable[[], Awaitable[list[TurnEvent]]]:
    async def scenario() -> list[TurnEvent]:
        session = session_for(
            services, settings=settings or Settings(user_id="u"), openai_base_url=openai_base_url
        )
        try:
            return await collect(session, "List my sandboxes")
        finally:
            await session.aclose()

    return scenario


def _mcp_requests(services: FakeServices) -> list[str]:
    return [r.path for r in services.composio.requests if r.path.endswith("/mcp")]


def test_a_whole_turn_never_goes_through_the_proxy_of_the_environment(
    fake_services: FakeServices, proxy_environment: pytest.MonkeyPatch
) -> None:
    """The Composio session, the light MCP check, the agent's MCP client and the model: all
    to loopback, none through the proxy."""

    async def scenario() -> list[TurnEvent]:
        session = session_for(fake_services, settings=Settings(user_id="u"))
        try:
            await session.check()  # the app's own client: REST and the light MCP check
            return await collect(session, "List my sandboxes")  # MCP client and OpenAI SDK
        finally:
            await session.aclose()

    events, proxied = _through_proxy(proxy_environment, scenario)
    assert isinstance(events[-1], TurnFinished), events[-1]
    assert [c.name for c in fake_services.composio.tool_calls] == ["COMPOSIO_MULTI_EXECUTE_TOOL"]
    assert len(fake_services.openai.requests) == 2
    assert proxied == []


def test_a_plain_http_mcp_address_elsewhere_is_refused_before_any_connection(
    fake_services: FakeServices, proxy_environment: pytest.MonkeyPatch
) -> None:
    fake_services.composio.behaviour.mcp_url = REMOTE_MCP
    events, proxied = _through_proxy(proxy_environment, _turn(fake_services))

    failed = events[-1]
    assert isinstance(failed, TurnFailed)
    assert failed.kind is ErrorKind.SERVER_ERROR  # not a timeout, not "could not reach"
    assert failed.message.startswith("Composio named an MCP address that is not https://")
    assert REMOTE_MCP in failed.message and "did not connect to it" in failed.message
    assert fake_services.composio_api_key not in failed.message
    # Nothing was tried: an attempt would have reached the proxy; the model was never asked.
    assert proxied == []
    assert _mcp_requests(fake_services) == []
    assert fake_services.openai.requests == []


def test_a_plain_http_model_server_elsewhere_is_refused_without_the_users_consent(
    fake_services: FakeServices, proxy_environment: pytest.MonkeyPatch
) -> None:
    events, proxied = _through_proxy(
        proxy_environment, _turn(fake_services, openai_base_url=REMOTE_MODEL)
    )

    failed = events[-1]
    assert isinstance(failed, TurnFailed)
    assert failed.kind is ErrorKind.BAD_INPUT
    assert failed.fix is not None and failed.fix.remedy is Remedy.ALLOW_PLAIN_HTTP
    assert failed.message.startswith(
        "OPENAI_BASE_URL is plain http:// to another machine (10.0.0.5): the OpenAI key and the "
        "conversation would travel unencrypted, so nothing was sent: use an https:// address"
    )
    assert 'add "openai" to plain_http_model_providers in the settings' in failed.message
    shown = window_text(failed.message, failed.fix)
    assert f"pick OpenAI in Settings (Ctrl+,) and tick \u201c{PLAIN_HTTP_CHECK}\u201d" in shown
    assert proxied == []
    assert fake_services.openai.requests == []


def test_with_the_users_consent_a_plain_http_model_server_elsewhere_is_used(
    fake_services: FakeServices, proxy_environment: pytest.MonkeyPatch
) -> None:
    """Accepted: the model's request leaves for 10.0.0.5, here by the environment's proxy (an
    address on another machine follows the proxy settings), which records it and fails."""
    consent = Settings(user_id="u", plain_http_model_providers=("openai",))
    events, proxied = _through_proxy(
        proxy_environment, _turn(fake_services, consent, openai_base_url=REMOTE_MODEL)
    )

    assert isinstance(events[-1], TurnFailed)  # the "proxy" answered 502
    assert events[-1].kind is not ErrorKind.BAD_INPUT
    assert [(s.method, s.target) for s in proxied] == [("POST", f"{REMOTE_MODEL}/responses")]
    assert proxied[0].headers["authorization"] == f"Bearer {fake_services.openai_api_key}"
    # The Tool Router's requests stayed on loopback, past the proxy.
    assert _mcp_requests(fake_services)


def _provider_turn(
    services: FakeServices, model: str, plain_http: tuple[str, ...]
) -> Callable[[], Awaitable[list[TurnEvent]]]:
    """A turn on `model`, Anthropic's and Ollama's servers on other machines in plain http."""

    async def scenario() -> list[TurnEvent]:
        session = provider_session(
            services,
            model,
            from_environment={"anthropic": REMOTE_ANTHROPIC, "ollama": REMOTE_MODEL},
            plain_http=plain_http,
        )
        try:
            return await collect(session, "List my sandboxes")
        finally:
            await session.aclose()

    return scenario


def test_the_consent_given_for_ollama_never_carries_the_anthropic_key_in_clear(
    fake_services: FakeServices, proxy_environment: pytest.MonkeyPatch
) -> None:
    """Consent for a LAN Ollama: Anthropic's base URL in plain http on another machine is
    refused before anything leaves (an attempt would reach the recording proxy), the sentence
    naming Anthropic and how to allow it; Ollama's request leaves."""
    events, proxied = _through_proxy(
        proxy_environment, _provider_turn(fake_services, CLAUDE, ("ollama",))
    )
    failed = events[-1]
    assert isinstance(failed, TurnFailed)
    assert failed.kind is ErrorKind.BAD_INPUT
    assert failed.fix is not None and failed.fix.remedy is Remedy.ALLOW_PLAIN_HTTP
    assert failed.fix.provider == "anthropic"
    assert failed.message.startswith(
        "ANTHROPIC_BASE_URL is plain http:// to another machine (10.0.0.7): the Anthropic key "
        "and the conversation would travel unencrypted, so nothing was sent"
    )
    shown = window_text(failed.message, failed.fix)
    assert f"pick Anthropic in Settings (Ctrl+,) and tick \u201c{PLAIN_HTTP_CHECK}\u201d" in shown
    assert every_key(fake_services).anthropic_api_key not in failed.message
    assert proxied == []

    events, proxied = _through_proxy(
        proxy_environment, _provider_turn(fake_services, "ollama:llama3.1", ("ollama",))
    )
    assert isinstance(events[-1], TurnFailed)  # the "proxy" answered 502
    assert events[-1].kind is not ErrorKind.BAD_INPUT
    assert [(s.method, s.target) for s in proxied] == [("POST", f"{REMOTE_MODEL}/chat/completions")]


def _terminal(
    services: FakeServices,
    settings: Settings,
    *,
    lines: str = "exit\n",
    plain_http_model: bool = False,
    **environ: str,
) -> str:
    """The terminal mode on `settings` against the fakes, with OPENAI_BASE_URL on another
    machine; what it printed."""
    out, err = io.StringIO(), io.StringIO()
    env = {**services.env(), "OPENAI_BASE_URL": REMOTE_MODEL, **environ}
    code = run_cli(
        settings,
        MemorySecretStore(),
        environ=env,
        stdin=io.StringIO(lines),
        stdout=out,
        stderr=err,
        plain_http_model=plain_http_model,
    )
    assert code == 0
    return out.getvalue() + err.getvalue()


def test_the_terminal_says_how_to_consent_and_the_settings_file_consents(
    fake_services: FakeServices,
) -> None:
    refused = _terminal(fake_services, Settings(user_id="u"))
    assert "OPENAI_BASE_URL is plain http:// to another machine (10.0.0.5)" in refused
    assert "start with --allow-plain-http-model" in refused
    assert 'add "openai" to "plain_http_model_providers" in the settings file' in refused
    assert "Ready:" not in refused

    allowed = _terminal(
        fake_services, Settings(user_id="u", plain_http_model_providers=("openai",))
    )
    assert "Ready:" in allowed and "OPENAI_BASE_URL" not in allowed
    # Another provider's consent is not OpenAI's.
    others = _terminal(fake_services, Settings(user_id="u", plain_http_model_providers=("ollama",)))
    assert "OPENAI_BASE_URL is plain http:// to another machine" in others
    assert "Ready:" not in others


def test_the_terminals_flag_consents_for_the_runs_provider_only(
    fake_services: FakeServices,
) -> None:
    """Started on OpenAI with the flag: OpenAI's plain-http server is used, and Anthropic's,
    switched to, is still refused (nothing was built for it, so nothing left)."""
    printed = _terminal(
        fake_services,
        Settings(user_id="u"),
        lines=f"/model {CLAUDE}\nList my sandboxes\nexit\n",
        plain_http_model=True,
        ANTHROPIC_BASE_URL=REMOTE_ANTHROPIC,
        ANTHROPIC_API_KEY=every_key(fake_services).anthropic_api_key or "",
    )
    assert "Ready:" in printed
    assert f"Model: {CLAUDE} (Anthropic)" in printed
    assert "ANTHROPIC_BASE_URL is plain http:// to another machine (10.0.0.7)" in printed
    assert 'add "anthropic" to "plain_http_model_providers" in the settings file' in printed


def test_the_terminals_flag_consents_for_the_run(
    fake_services: FakeServices, tmp_path: Path
) -> None:
    """The process itself is the point: the flag is read from its command line."""
    env = _env(fake_services, tmp_path, OPENAI_BASE_URL=REMOTE_MODEL)
    result = subprocess.run(
        [sys.executable, "-m", "desktop", "--cli", "--allow-plain-http-model"],
        input="exit\n",
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=90,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "Ready:" in result.stdout and "OPENAI_BASE_URL" not in result.stderr
    assert not list((tmp_path / "home").rglob("settings.json"))  # for this run only


def test_the_flag_is_for_the_terminal_only(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        _parse_args(["--allow-plain-http-model"])
    assert exited.value.code == 2
    assert f'pick the provider in Settings and tick "{PLAIN_HTTP_CHECK}"' in capsys.readouterr().err
