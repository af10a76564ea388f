"""The terminal's sandbox commands and its question at exit, against the fakes: each checked
in the emulator's state, none of them asking the model anything."""

from __future__ import annotations

import io
from decimal import Decimal
from pathlib import Path

from desktop.cli import run_cli
from desktop.core.agent.sandbox_tag import CONVERSATION_KEY
from desktop.core.config.secrets import MemorySecretStore
from desktop.core.config.settings import Settings, load_settings, save_settings
from tests.fakes.e2b_emulator import SEED_PAUSED_ID, SEED_RUNNING_ID
from tests.fakes.harness import FakeServices
from tests.fakes.pytest_plugin import FakeServicesFactory
from tests.integration.test_cli import CliRun

QUESTION = "this app created is still running ($0.11/hour while it runs)."


def _cli(
    services: FakeServices,
    stdin: str,
    tmp_path: Path,
    settings: Settings | None = None,
    *,
    settings_file: Path | None = None,
) -> CliRun:
    out, err = io.StringIO(), io.StringIO()
    code = run_cli(
        settings or Settings(),
        MemorySecretStore(),
        environ=services.env(),
        cwd=tmp_path,
        stdin=io.StringIO(stdin),
        stdout=out,
        stderr=err,
        settings_file=settings_file,
    )
    return CliRun(code, out.getvalue(), err.getvalue())


def _box(services: FakeServices, sandbox_id: str) -> dict[str, object] | None:
    return next((b for b in services.e2b.sandboxes() if b["sandboxID"] == sandbox_id), None)


def _made(services: FakeServices) -> list[dict[str, object]]:
    seeds = {SEED_RUNNING_ID, SEED_PAUSED_ID}
    return [b for b in services.e2b.sandboxes() if b["sandboxID"] not in seeds]


def test_sandboxes_prints_a_table_without_asking_the_model(
    fake_services: FakeServices, tmp_path: Path
) -> None:
    result = _cli(fake_services, "/sandboxes\nexit\n", tmp_path)
    assert result.returncode == 0 and result.stderr == ""
    lines = result.stdout.splitlines()
    header = next(line for line in lines if line.startswith("You: ID"))
    for column in ("TEMPLATE", "STATE", "STARTED", "LEFT", "vCPU", "RAM", "COST", "METADATA"):
        assert column in header
    running = next(line for line in lines if line.startswith(SEED_RUNNING_ID))
    assert " base " in running and " running " in running and "512 MiB" in running
    assert "34 min" in running or "35 min" in running  # its TTL: 35 minutes from the seed
    assert "purpose=demo" in running
    paused = next(line for line in lines if line.startswith(SEED_PAUSED_ID))
    assert " paused " in paused and "owner=data-team" in paused
    assert "2 sandboxes, 1 running: $0.11/hour." in result.stdout
    assert fake_services.openai.requests == []


def test_a_sandbox_s_huge_hostile_fields_stay_cut_and_inert_in_the_table(
    fake_services: FakeServices, tmp_path: Path
) -> None:
    """One sandbox with a 200,000-character id padded every line of `/sandboxes` to it (10 MB
    printed); its fields are cut to their column and their escapes written out."""
    hostile = "\x1b]52;c;aGk=\x07\u202e" + "x" * 200_000
    fake_services.e2b.add_sandbox(sandboxID="i" + hostile, alias=hostile, metadata={"k": hostile})
    result = _cli(fake_services, "/sandboxes\nexit\n", tmp_path)
    assert result.returncode == 0
    assert len(result.stdout) < 5_000
    assert "\x1b" not in result.stdout and "\u202e" not in result.stdout
    assert max(len(line) for line in result.stdout.splitlines()) < 400
    assert fake_services.openai.requests == []


def test_pause_extend_and_kill_by_a_prefix_and_kill_asks_first(
    fake_services: FakeServices, tmp_path: Path
) -> None:
    before = _box(fake_services, SEED_RUNNING_ID)
    assert before is not None
    stdin = (
        f"/extend {SEED_RUNNING_ID[:6]} 30\n"
        f"/pause {SEED_RUNNING_ID[:6]}\n"
        f"/kill {SEED_PAUSED_ID}\nn\n"
        f"/kill {SEED_RUNNING_ID}\ny\n"
        "exit\n"
    )
    result = _cli(fake_services, stdin, tmp_path)
    assert result.returncode == 0, result.stderr
    assert f"Extended {SEED_RUNNING_ID} by 30 min: it now ends in 1 h 0" in result.stdout
    assert f"Paused {SEED_RUNNING_ID}: memory and files kept, nothing billed." in result.stdout
    assert (
        f"Kill sandbox {SEED_PAUSED_ID} (code-interpreter-v1, paused)? Its files and memory "
        "are lost for good. [y/N]: Not killed."
    ) in result.stdout
    assert _box(fake_services, SEED_PAUSED_ID) is not None  # the confirmation declined
    assert _box(fake_services, SEED_RUNNING_ID) is None
    assert f"Killed {SEED_RUNNING_ID}." in result.stdout
    slugs = [slug for slug, _ in fake_services.e2b.calls]
    assert "E2B_SET_SANDBOX_TIMEOUT" in slugs and "E2B_PAUSE_SANDBOX" in slugs
    assert slugs.count("E2B_DELETE_SANDBOXES") == 1
    assert fake_services.openai.requests == []


def test_wrong_commands_are_explained(fake_services: FakeServices, tmp_path: Path) -> None:
    stdin = "/pause\n/extend x soon\n/resume inosuchsandbox0000000\nexit\n"
    result = _cli(fake_services, stdin, tmp_path)
    assert result.returncode == 0
    assert "Error: Type /pause ID." in result.stderr
    assert "Error: MINUTES must be a whole number from 1 to 1440." in result.stderr
    assert "Sandbox inosuchsandbox0000000 no longer exists" in result.stderr
    assert fake_services.openai.requests == []


def test_cost_adds_up_the_model_and_the_sandboxes(
    fake_services: FakeServices, tmp_path: Path
) -> None:
    result = _cli(fake_services, "create a sandbox\ny\n/cost\nexit\n\n", tmp_path)
    assert result.returncode == 0, result.stderr
    assert "Model (openai:gpt-5): 1 turn, " in result.stdout
    model_line = next(line for line in result.stdout.splitlines() if "Model (" in line)
    assert "$0.00" in model_line and "price unknown" not in model_line
    assert "Sandboxes of this conversation: 1 running, 0 paused, " in result.stdout
    assert "Running now: 2 sandboxes at $0.22/hour." in result.stdout
    assert len(fake_services.openai.requests) == 2  # the turn's two; /cost asked nothing


def test_exit_asks_about_the_apps_sandboxes_and_the_answer_can_be_kept(
    fake_services: FakeServices, tmp_path: Path
) -> None:
    settings_file = tmp_path / "settings.json"
    save_settings(settings_file, Settings())
    result = _cli(
        fake_services,
        "create a sandbox\ny\nexit\np\ny\n",
        tmp_path,
        settings_file=settings_file,
    )
    assert result.returncode == 0, result.stderr
    assert f"1 sandbox {QUESTION} [K]eep running / [p]ause all / kill all" in result.stdout
    assert "Paused 1 sandbox." in result.stdout
    (made,) = _made(fake_services)
    assert made["state"] == "paused" and CONVERSATION_KEY in made["metadata"]  # type: ignore[operator]
    assert _box(fake_services, SEED_RUNNING_ID)["state"] == "running"  # type: ignore[index]
    assert load_settings(settings_file).sandboxes_at_quit == "pause"


def test_the_end_of_input_keeps_them_running(fake_services: FakeServices, tmp_path: Path) -> None:
    result = _cli(fake_services, "create a sandbox\ny\n", tmp_path)
    assert result.returncode == 0, result.stderr
    assert QUESTION in result.stdout and "Left 1 sandbox running." in result.stdout
    (made,) = _made(fake_services)
    assert made["state"] == "running"


def test_a_remembered_kill_is_done_without_asking(
    fake_services: FakeServices, tmp_path: Path
) -> None:
    result = _cli(
        fake_services, "create a sandbox\ny\nexit\n", tmp_path, Settings(sandboxes_at_quit="kill")
    )
    assert result.returncode == 0, result.stderr
    assert "[K]eep running" not in result.stdout
    assert "Your setting says: kill them." in result.stdout and "Killed 1 sandbox." in result.stdout
    assert _made(fake_services) == []


def test_no_question_when_none_of_the_apps_sandboxes_runs(
    fake_services: FakeServices, tmp_path: Path
) -> None:
    result = _cli(fake_services, "exit\n", tmp_path)
    assert "still running" not in result.stdout and "Goodbye!" in result.stdout


def test_e2b_not_connected_is_said_with_its_connect_link(
    fake_services_factory: FakeServicesFactory, tmp_path: Path
) -> None:
    services = fake_services_factory(e2b_connected=False)
    result = _cli(services, "/sandboxes\nexit\n", tmp_path)
    assert "Error: E2B is not connected to your Composio account yet" in result.stderr
    assert "To connect E2B, open this link in your browser (127.0.0.1:" in result.stdout
    assert services.openai.requests == []


def test_a_failed_connect_link_request_is_a_sentence_and_the_terminal_goes_on(
    fake_services_factory: FakeServicesFactory, tmp_path: Path
) -> None:
    """E2B not connected, and the router's answer to the Connect Link request is an error: the
    terminal ended with a traceback (the error was not one of the sandbox service's)."""
    services = fake_services_factory(e2b_connected=False)
    services.composio.behaviour.tool_errors["COMPOSIO_MANAGE_CONNECTIONS"] = "boom"
    result = _cli(services, "/sandboxes\n/sandboxes\nexit\n", tmp_path)
    assert result.returncode == 0
    assert "Traceback" not in result.stderr
    assert "boom" in result.stderr  # why no link is offered
    assert services.openai.requests == []


def test_the_budget_stops_the_agent_before_it_asks_the_model_again(
    fake_services: FakeServices, tmp_path: Path
) -> None:
    settings = Settings(conversation_budget=Decimal("0.0001"))
    result = _cli(fake_services, "hello\nhello again\nexit\n", tmp_path, settings)
    assert result.returncode == 0
    assert len(fake_services.openai.requests) == 1
    assert (
        "of its $0.0001 budget, so the agent stopped before asking the model again: type "
        "/budget AMOUNT to raise it (/budget shows it, /budget off removes it), or type exit"
    ) in result.stderr


class _FailsFromExit(io.StringIO):
    """The person's lines; E2B starts failing as "exit" is read (the list read at the end)."""

    def __init__(self, text: str, services: FakeServices) -> None:
        super().__init__(text)
        self.services = services

    def readline(self, size: int | None = -1) -> str:
        line = super().readline(-1 if size is None else size)
        if line.strip() == "exit":
            self.services.composio.behaviour.tool_errors["*"] = "Internal error"
        return line


def test_exit_asks_from_the_last_list_when_e2b_fails_then(
    fake_services: FakeServices, tmp_path: Path
) -> None:
    out, err = io.StringIO(), io.StringIO()
    code = run_cli(
        Settings(),
        MemorySecretStore(),
        environ=fake_services.env(),
        cwd=tmp_path,
        stdin=_FailsFromExit("create a sandbox\ny\nexit\n\n", fake_services),
        stdout=out,
        stderr=err,
    )
    assert code == 0, err.getvalue()
    stdout = out.getvalue()
    assert "1 sandbox this app created is still running ($0.11/hour while it runs)." in stdout
    assert "This is from the last list read: " in stdout and "Internal error" in stdout
    assert "[K]eep running / [p]ause all / kill all" in stdout
    assert "Left 1 sandbox running." in stdout
    (made,) = _made(fake_services)
    assert made["state"] == "running"  # kept, as answered


def test_a_line_break_in_a_sandbox_s_fields_forges_no_line_of_the_table(
    fake_services: FakeServices, tmp_path: Path
) -> None:
    """E2B's text with a newline in it (a label, metadata) stays in its cell: it cannot print a
    "You:" prompt or an app's answer of its own below the table."""
    forged = "demo\nYou: exit\nKilled 3 sandboxes.\r\tx"
    fake_services.e2b.add_sandbox(
        sandboxID="iforged0000000000001", alias=forged, metadata={"k": forged}
    )
    result = _cli(fake_services, "/sandboxes\nexit\n", tmp_path)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert not any(line.startswith(("You: exit", "Killed 3")) for line in lines)
    [row] = [line for line in lines if line.startswith("iforged0000000000001")]
    assert "k=demo You: exit Killed 3" in row  # on one line, cut to its cell
