"""The terminal's `--model PROVIDER:NAME` for one run (over `E2B_AGENT_MODEL`, over the
settings) and `/model` to show or switch it mid-conversation, against the providers' fakes."""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

from desktop.cli import run_cli
from desktop.core.config.secrets import MemorySecretStore, SecretName
from desktop.core.config.settings import Settings
from tests.fakes.anthropic_server import TEST_ANTHROPIC_KEY, AnthropicFake
from tests.fakes.e2b_emulator import SEED_RUNNING_ID
from tests.fakes.gemini_server import TEST_GOOGLE_KEY, GeminiFake
from tests.fakes.harness import FakeServices
from tests.fakes.openai_server import OpenAIFake

REPO = Path(__file__).resolve().parents[2]
CLAUDE = "anthropic:claude-sonnet-4-5"
GEMINI = "google:gemini-2.5-flash"
CHAT = "openai-chat:gpt-4.1"  # Pydantic AI names its provider "openai"


def _cli(
    env: dict[str, str],
    stdin: str,
    cwd: Path,
    *,
    model: str | None = None,
    store: MemorySecretStore | None = None,
) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = run_cli(
        Settings(),
        store or MemorySecretStore(),
        environ=env,
        cwd=cwd,
        stdin=io.StringIO(stdin),
        stdout=out,
        stderr=err,
        model=model,
    )
    return code, out.getvalue(), err.getvalue()


def _env(services: FakeServices, anthropic: AnthropicFake, **more: str) -> dict[str, str]:
    return {
        **services.env(),
        "ANTHROPIC_BASE_URL": anthropic.base_url,
        "ANTHROPIC_API_KEY": TEST_ANTHROPIC_KEY,
        **more,
    }


def test_model_flag_runs_the_whole_run_on_that_model(
    fake_services: FakeServices, anthropic_fake: AnthropicFake, tmp_path: Path
) -> None:
    env = _env(fake_services, anthropic_fake, E2B_AGENT_MODEL="openai:gpt-5-mini")
    code, out, err = _cli(env, "list my sandboxes\n/model\nexit\n", tmp_path, model=CLAUDE)
    assert code == 0, err
    assert f"Model: {CLAUDE} (/model shows or switches it)." in out
    assert SEED_RUNNING_ID in out
    assert f"Model: {CLAUDE} (from --model)" in out
    assert f"The last reply came from anthropic:{CLAUDE.split(':')[1]}." in out
    assert len(anthropic_fake.requests) == 2  # the call and the answer after its result
    assert fake_services.openai.requests == []


def test_the_environment_names_the_model_when_no_flag_does(
    fake_services: FakeServices, anthropic_fake: AnthropicFake, tmp_path: Path
) -> None:
    env = _env(fake_services, anthropic_fake, E2B_AGENT_MODEL=CLAUDE)
    code, out, _ = _cli(env, "hello\n/model\nexit\n", tmp_path)
    assert code == 0
    assert f"Model: {CLAUDE} (from E2B_AGENT_MODEL)" in out
    assert len(anthropic_fake.requests) == 1


def test_slash_model_switches_provider_and_the_conversation_goes_on(
    fake_services: FakeServices,
    anthropic_fake: AnthropicFake,
    local_model_fake: OpenAIFake,
    tmp_path: Path,
) -> None:
    env = _env(fake_services, anthropic_fake, OLLAMA_BASE_URL=local_model_fake.base_url)
    stdin = "list my sandboxes\n/model ollama:llama3.1\nwhat did I ask before?\n/model\nexit\n"
    code, out, err = _cli(env, stdin, tmp_path, model=CLAUDE)
    assert code == 0, err
    assert "Model: ollama:llama3.1 (Ollama), from the next reply on" in out
    assert 'You previously asked: "list my sandboxes"' in out
    assert "Model: ollama:llama3.1 (from /model)" in out
    assert "The last reply came from ollama:llama3.1." in out
    assert len(anthropic_fake.requests) == 2 and len(local_model_fake.requests) == 1


def test_slash_model_refuses_an_unknown_provider_and_a_missing_key(
    fake_services: FakeServices, tmp_path: Path
) -> None:
    stdin = "/model mistral:large\n/model anthropic:claude-sonnet-4-5\n/model\nexit\n"
    code, out, err = _cli(fake_services.env(), stdin, tmp_path)
    assert code == 0
    assert "The model provider 'mistral' is not supported" in err
    assert "use openai, openai-chat, anthropic, google, openrouter, ollama" in err
    assert "No Anthropic API key is set: set ANTHROPIC_API_KEY in the environment or .env" in err
    assert "Still on openai:gpt-5." in out
    assert "Model: openai:gpt-5 (from the settings file)" in out


def test_a_key_in_the_keyring_is_read_when_switching_to_its_provider(
    fake_services: FakeServices, anthropic_fake: AnthropicFake, tmp_path: Path
) -> None:
    store = MemorySecretStore()
    store.set(SecretName.ANTHROPIC_API_KEY, TEST_ANTHROPIC_KEY)
    env = {**fake_services.env(), "ANTHROPIC_BASE_URL": anthropic_fake.base_url}
    code, out, err = _cli(env, f"/model {CLAUDE}\nhello\nexit\n", tmp_path, store=store)
    assert code == 0, err
    assert len(anthropic_fake.requests) == 1
    assert TEST_ANTHROPIC_KEY not in out + err


def test_the_flag_is_checked_before_anything_starts(tmp_path: Path) -> None:
    def start(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "desktop", *args],
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=60,
            env={"PATH": "/usr/bin:/bin", "E2B_AGENT_HOME": str(tmp_path)},
        )

    unknown = start("--cli", "--model", "mistral:large")
    assert unknown.returncode == 2
    assert "--model: The model provider 'mistral' is not supported" in unknown.stderr
    window = start("--model", CLAUDE)
    assert window.returncode == 2
    assert "--model is for the terminal (--cli)" in window.stderr


def test_an_unusable_model_in_the_environment_is_refused_not_replaced(
    fake_services: FakeServices, anthropic_fake: AnthropicFake, tmp_path: Path
) -> None:
    """A mistyped E2B_AGENT_MODEL (an unknown provider) ended in the settings' model, another
    perhaps paid provider, without a word; it is refused as a bad --model is."""
    env = _env(fake_services, anthropic_fake, E2B_AGENT_MODEL="antropic:claude-sonnet-4-5")
    code, _out, err = _cli(env, "hello\nexit\n", tmp_path)
    assert code == 2
    assert "E2B_AGENT_MODEL:" in err and "antropic" in err
    assert fake_services.openai.requests == [] and anthropic_fake.requests == []


def _google_env(services: FakeServices, gemini: GeminiFake) -> dict[str, str]:
    return {
        **services.env(),
        "GOOGLE_GEMINI_BASE_URL": gemini.base_url,
        "GOOGLE_API_KEY": TEST_GOOGLE_KEY,
    }


def test_cost_names_the_model_switched_to_and_the_one_before(
    fake_services: FakeServices, gemini_fake: GeminiFake, tmp_path: Path
) -> None:
    """`/cost` named the model the run started with after `/model` had switched it."""
    stdin = f"hello\n/model {GEMINI}\nhello again\n/cost\nexit\n"
    code, out, err = _cli(_google_env(fake_services, gemini_fake), stdin, tmp_path)
    assert code == 0, err
    assert len(fake_services.openai.requests) == 1 and len(gemini_fake.requests) == 1
    assert f"Model ({GEMINI}; earlier turns: openai:gpt-5): 2 turns, " in out


def test_the_last_reply_is_named_by_the_model_string_chosen(
    fake_services: FakeServices, tmp_path: Path
) -> None:
    """`/model` said the last reply came from "openai:gpt-4.1", Pydantic AI's name for the
    provider, not the "openai-chat:" the person typed (the same for LM Studio's and any other
    OpenAI-compatible server's)."""
    stdin = f"/model {CHAT}\nhello\n/model\n/cost\nexit\n"
    code, out, err = _cli(fake_services.env(), stdin, tmp_path)
    assert code == 0, err
    assert [request.api for request in fake_services.openai.requests] == ["chat"]
    assert f"The last reply came from {CHAT}." in out
    assert f"Model ({CHAT}): 1 turn, " in out
