"""The terminal asks before an action changes the cloud; the answer comes from the same input."""

from __future__ import annotations

import io
import signal
from pathlib import Path

import pytest

from desktop.cli import run_cli
from desktop.core.config.secrets import MemorySecretStore
from desktop.core.config.settings import load_settings
from tests.fakes.e2b_state import SEED_PAUSED_ID, SEED_RUNNING_ID
from tests.fakes.harness import FakeServices
from tests.fakes.openai_conversation import parse_conversation
from tests.fakes.openai_script import Reply
from tests.integration.chat_helpers import agent_tool_calls
from tests.integration.test_cli import _run_cli, cli_process
from tests.integration.test_consent import CREATE, LIST_AND_KILL_BOTH

QUESTION = "? [y]es once / [c]onversation / [a]lways / [N]o: "


def _alive(services: FakeServices) -> set[str]:
    return {box["sandboxID"] for box in services.e2b.sandboxes()}


def _attack(services: FakeServices) -> None:
    services.openai.script.push(
        Reply.tool_call("COMPOSIO_MULTI_EXECUTE_TOOL", LIST_AND_KILL_BOTH), Reply.text("Done.")
    )


@pytest.mark.parametrize(
    ("answers", "alive"),
    [
        ("y\ny\n", set()),
        ("y\nn\n", {SEED_PAUSED_ID}),
        ("n\ny\n", {SEED_RUNNING_ID}),
        ("\n\n", {SEED_RUNNING_ID, SEED_PAUSED_ID}),  # empty means no
        ("maybe\nc\n", {SEED_RUNNING_ID}),  # unknown means no; c for a kill is once
    ],
)
def test_each_kill_is_asked_and_only_a_yes_runs_it(
    fake_services: FakeServices, tmp_path: Path, answers: str, alive: set[str]
) -> None:
    _attack(fake_services)
    result = _run_cli(fake_services.env(), f"list my sandboxes\n{answers}exit\n", tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.count(QUESTION) == 2
    assert f'Allow E2B_DELETE_SANDBOXES {{"sandbox_id": "{SEED_RUNNING_ID}"}}' in result.stdout
    assert "E2B_LIST_ALL_SANDBOXES" + QUESTION not in result.stdout  # a read is not asked
    assert _alive(fake_services) == alive


def test_the_end_of_input_at_the_question_means_no(
    fake_services: FakeServices, tmp_path: Path
) -> None:
    _attack(fake_services)
    result = _run_cli(fake_services.env(), "list my sandboxes\ny\n", tmp_path)  # then EOF
    assert result.returncode == 0, result.stderr
    assert _alive(fake_services) == {SEED_PAUSED_ID}
    assert "Goodbye!" in result.stdout


def test_always_for_a_kill_needs_the_word_and_code_is_printed_in_full(
    fake_services: FakeServices, tmp_path: Path
) -> None:
    _attack(fake_services)
    code = "import pandas as pd\nprint(pd.read_csv('/mnt/files/data.csv').describe())"
    fake_services.openai.script.push(
        Reply.tool_call("COMPOSIO_REMOTE_WORKBENCH", {"code_to_execute": code}),
        Reply.text("Analysed."),
    )
    stdin = "list my sandboxes\na\nnope\na\nalways\nanalyse the csv\nn\nexit\n"
    result = _run_cli(fake_services.env(), stdin, tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.count('Type "always" to confirm') == 2
    assert "(not made a rule: allowed once)" in result.stdout
    assert _alive(fake_services) == set()  # both ran: once, and by the new rule
    assert code in result.stdout  # the whole code, above its question
    assert "COMPOSIO_REMOTE_WORKBENCH" + QUESTION in result.stdout
    turns = parse_conversation(fake_services.openai.requests[-1].json)
    assert "did not allow" in (turns[-1].text or "")


def test_a_conversation_grant_stops_the_questions_for_that_action(
    fake_services: FakeServices, tmp_path: Path
) -> None:
    for _ in range(2):
        fake_services.openai.script.push(
            Reply.tool_call("COMPOSIO_MULTI_EXECUTE_TOOL", CREATE), Reply.text("Created.")
        )
    before = len(_alive(fake_services))
    result = _run_cli(fake_services.env(), "start one\nc\nstart another\nexit\n", tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.count(QUESTION) == 1
    assert len(_alive(fake_services)) == before + 2


def test_ctrl_c_at_the_question_denies_and_stops_the_reply(
    fake_services: FakeServices, tmp_path: Path
) -> None:
    _attack(fake_services)
    with cli_process(fake_services, tmp_path) as (process, reader, type_line):
        type_line("list my sandboxes")
        reader.wait_for(QUESTION)
        process.send_signal(signal.SIGINT)
        reader.wait_for("[stopped]")
        reader.wait_for("You: ")
        type_line("exit")  # the prompt's answer, not the question's
        assert process.wait(timeout=30) == 0
    assert _alive(fake_services) == {SEED_RUNNING_ID, SEED_PAUSED_ID}
    assert agent_tool_calls(fake_services) == []  # only the check for sandboxes at exit
    assert "Goodbye!" in reader.data.decode()


def test_an_always_rule_survives_a_restart_of_the_terminal(
    fake_services: FakeServices, tmp_path: Path
) -> None:
    settings_file = tmp_path / "settings.json"

    def run_once(stdin: str) -> str:
        out, err = io.StringIO(), io.StringIO()
        code = run_cli(
            load_settings(settings_file),
            MemorySecretStore(),
            environ=fake_services.env(),
            cwd=tmp_path,
            stdin=io.StringIO(stdin),
            stdout=out,
            stderr=err,
            settings_file=settings_file,
        )
        assert code == 0, err.getvalue()
        return out.getvalue()

    for _ in range(2):
        fake_services.openai.script.push(
            Reply.tool_call("COMPOSIO_MULTI_EXECUTE_TOOL", CREATE), Reply.text("Created.")
        )
    first = run_once("start one\na\nexit\n")
    assert "always allowed from now on: E2B_CREATE_SANDBOX" in first
    assert load_settings(settings_file).always_allowed == {"E2B_CREATE_SANDBOX"}
    second = run_once("start another\nexit\n")  # a new process would read the same file
    assert QUESTION not in second


def test_delete_all_my_sandboxes_asks_about_each_kill_of_one_router_call(
    fake_services: FakeServices, tmp_path: Path
) -> None:
    """The fake model unscripted, as a person tries it: it lists, then asks to kill them all."""
    result = _run_cli(fake_services.env(), "delete all my sandboxes\ny\nn\nexit\n", tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.count(QUESTION) == 2  # one per sandbox, no question for the listing
    kills = [c for c in fake_services.composio.tool_calls if "E2B_DELETE" in str(c.arguments)]
    assert len(kills) == 1 and len(kills[0].arguments["tools"]) == 1  # only the allowed one
    assert len(_alive(fake_services)) == 1


def test_the_question_shows_every_argument_and_nothing_a_terminal_would_obey(
    fake_services: FakeServices, tmp_path: Path
) -> None:
    """Padding cannot push the sandbox out of the question; escapes and direction marks in the
    model's arguments are written out, not obeyed."""
    hostile = {
        "note": "x" * 5_000 + "\x1b]52;c;ZXZpbA==\x07",
        "sandbox_id": SEED_RUNNING_ID + "\u202e",
    }
    fake_services.openai.script.push(
        Reply.tool_call(
            "COMPOSIO_MULTI_EXECUTE_TOOL",
            {"tools": [{"tool_slug": "E2B_DELETE_SANDBOXES", "arguments": hostile}]},
        ),
        Reply.text("Done."),
    )
    result = _run_cli(fake_services.env(), "list my sandboxes\nn\nexit\n", tmp_path)
    assert result.returncode == 0, result.stderr
    [question] = [line for line in result.stdout.splitlines() if QUESTION in line]
    assert f'"sandbox_id": "{SEED_RUNNING_ID}\\u202e"' in question  # shown, mark written out
    assert len(question) < 1_000  # the padding is cut, on its own
    assert "\x1b" not in result.stdout and "\u202e" not in result.stdout
    assert SEED_RUNNING_ID in _alive(fake_services)
