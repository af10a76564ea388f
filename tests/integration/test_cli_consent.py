"""The terminal asks before an action changes the cloud; the answer comes from the same input."""

from __future__ import annotations

import asyncio
import io
import signal
from decimal import Decimal
from pathlib import Path

import pytest

from desktop.cli import run_cli
from desktop.cli_consent import ConsentQuestions
from desktop.core.config.sandbox_rates import SandboxRates
from desktop.core.config.secrets import MemorySecretStore
from desktop.core.config.settings import Settings, load_settings
from desktop.core.consent.approvals import PendingCall
from desktop.core.consent.policy import actions_of
from desktop.core.consent.words import SHOWN_CHARS
from desktop.core.money import hourly_text
from desktop.core.router.types import MULTI_EXECUTE_TOOL
from desktop.line_reader import LineReader
from desktop.terminal import Terminal
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
    assert f"Kills sandbox {SEED_RUNNING_ID} for good" in result.stdout  # named, in words
    assert "Allow E2B_DELETE_SANDBOXES" + QUESTION in result.stdout
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


def _lines_before_question(stdout: str) -> list[str]:
    """The lines the terminal printed for one question: from the call's own line, which names
    the action as the card's title does, to the question."""
    lines = stdout.splitlines()
    [end] = [n for n, line in enumerate(lines) if QUESTION in line]
    start = max(n for n in range(end) if lines[n].startswith("  -> "))
    return lines[start : end + 1]


def _one_action(services: FakeServices, slug: str, arguments: dict[str, object]) -> None:
    services.openai.script.push(
        Reply.tool_call(
            "COMPOSIO_MULTI_EXECUTE_TOOL",
            {"tools": [{"tool_slug": slug, "arguments": arguments}]},
        ),
        Reply.text("Done."),
    )


def test_a_kill_question_names_the_sandbox_in_words_and_no_keeps_it(
    fake_services: FakeServices, tmp_path: Path
) -> None:
    """What the window's card says, the terminal says before its question: the action's name,
    what it does to which sandbox, its arguments as the card shows them."""
    _one_action(fake_services, "E2B_DELETE_SANDBOXES", {"sandbox_id": SEED_RUNNING_ID})
    result = _run_cli(fake_services.env(), f"kill sandbox {SEED_RUNNING_ID}\nN\nexit\n", tmp_path)
    assert result.returncode == 0, result.stderr
    *said, question = _lines_before_question(result.stdout)
    assert said == [
        f'  -> Kill sandbox (E2B_DELETE_SANDBOXES) {{"sandbox_id": "{SEED_RUNNING_ID}"}}',
        f"  Kills sandbox {SEED_RUNNING_ID} for good: its files and memory are lost",
        f"    sandbox: {SEED_RUNNING_ID}",
    ]
    assert question.startswith("Allow E2B_DELETE_SANDBOXES" + QUESTION)
    assert SEED_RUNNING_ID in _alive(fake_services)  # "N": still there
    assert agent_tool_calls(fake_services) == []  # the kill never reached Composio


def test_a_pause_question_names_the_sandbox_and_what_pausing_keeps(
    fake_services: FakeServices, tmp_path: Path
) -> None:
    _one_action(fake_services, "E2B_PAUSE_SANDBOX", {"sandbox_id": SEED_RUNNING_ID})
    result = _run_cli(fake_services.env(), "pause it\n\nexit\n", tmp_path)
    assert result.returncode == 0, result.stderr
    shown = _lines_before_question(result.stdout)
    assert shown[0].startswith("  -> Pause a sandbox (E2B_PAUSE_SANDBOX) {")
    assert shown[1:2] == [
        f"  Pauses sandbox {SEED_RUNNING_ID}, keeping its files and memory for up to 30 days; "
        "paused, it costs nothing",
    ]
    [box] = [b for b in fake_services.e2b.sandboxes() if b["sandboxID"] == SEED_RUNNING_ID]
    assert box["state"] == "running"  # no answer is a no


def test_a_new_sandbox_is_priced_at_the_settings_rates_as_the_meter_prices_it(
    fake_services: FakeServices, tmp_path: Path
) -> None:
    """A person who set their own prices sees them in the question: the figure the cost meter
    gives the sandbox once it runs, not E2B's published one."""
    settings = Settings(sandbox_vcpu_price=Decimal("0.0001"), sandbox_ram_price=Decimal("0.00002"))
    fake_services.openai.script.push(
        Reply.tool_call("COMPOSIO_MULTI_EXECUTE_TOOL", CREATE), Reply.text("Created.")
    )
    before = _alive(fake_services)
    result = _run_cli(fake_services.env(), "start one\ny\nexit\n", tmp_path, settings=settings)
    assert result.returncode == 0, result.stderr
    stdout = result.stdout
    [created] = [b for b in fake_services.e2b.sandboxes() if b["sandboxID"] not in before]
    meter = SandboxRates.of(settings).per_hour(created["cpuCount"], created["memoryMB"])
    assert hourly_text(meter) == "$0.76/hour"  # 2 vCPU x 0.0001 + 0.5 GiB x 0.00002, an hour
    shown = _lines_before_question(stdout)
    assert shown[1] == "  Starts a sandbox from template base: about $0.76/hour while it runs"
    assert "$0.11" not in stdout  # E2B's published price is not the user's


def _shown_hostile_kill(shown: list[str]) -> None:
    """The lines of a question about a kill with hostile arguments: each written out and cut."""
    assert shown[1] == (
        f"  Kills sandbox {SEED_RUNNING_ID}\\u202e\\u001b[2J for good: its files and memory "
        "are lost"
    )
    assert f"    sandbox: {SEED_RUNNING_ID}\\u202e\\u001b[2J" in shown
    [note] = [line for line in shown if line.startswith("    note: ")]
    assert len(note) == len("    note: ") + SHOWN_CHARS and note.endswith("…")
    [key] = [line for line in shown if line.startswith("    \\u2067k")]
    assert key.endswith(": \\u001b[31mred") and len(key) < 200  # the name cut too
    assert len("\n".join(shown)) < 3 * SHOWN_CHARS  # asked about in a few short lines
    # A line break in a name forges no line of its own (a "You:" prompt, an answer).
    assert all(line.startswith(("  ", "Allow ")) for line in shown), shown
    assert "    forged You: yes: a name with a line break" in shown


def _hostile(padding: int) -> dict[str, object]:
    return {
        "note": "x" * padding + "\x1b]52;c;ZXZpbA==\x07",
        "sandbox_id": SEED_RUNNING_ID + "\u202e\x1b[2J",
        "\u2067" + "k" * padding: "\x1b[31mred",
        "forged\nYou: yes": "a name with a line break",
    }


def test_hostile_arguments_stay_inert_and_cut_in_the_question(
    fake_services: FakeServices, tmp_path: Path
) -> None:
    """Escapes, direction marks and padding in the model's arguments are written out and cut
    as the card cuts them; the sandbox is still named, and still there after a no."""
    _one_action(fake_services, "E2B_DELETE_SANDBOXES", _hostile(20_000))
    result = _run_cli(fake_services.env(), "list my sandboxes\nn\nexit\n", tmp_path)
    assert result.returncode == 0, result.stderr
    _shown_hostile_kill(_lines_before_question(result.stdout))
    for mark in ("\x1b", "\u202e", "\u2067", "\x07"):
        assert mark not in result.stdout
    assert SEED_RUNNING_ID in _alive(fake_services)
    assert agent_tool_calls(fake_services) == []


def test_a_megabyte_argument_is_asked_about_in_a_few_lines() -> None:
    """The terminal's own writer and reader, without the model (the fake streams a tool call's
    arguments 12 characters at a time: a megabyte would take minutes)."""
    arguments = {"tools": [{"tool_slug": "E2B_DELETE_SANDBOXES", "arguments": _hostile(1 << 20)}]}
    actions = actions_of(MULTI_EXECUTE_TOOL, arguments)
    call = PendingCall("c1", MULTI_EXECUTE_TOOL, arguments, actions, (True,))
    out = io.StringIO()
    questions = ConsentQuestions(
        Terminal(out, io.StringIO(), color=False), LineReader(io.StringIO("n\n"))
    )
    [decision] = asyncio.run(questions.ask((call,), SandboxRates.of(Settings())))
    assert decision.allowed == {}  # "n"
    shown = ["  -> the call", *out.getvalue().splitlines()]
    _shown_hostile_kill(_lines_before_question("\n".join(shown)))
    assert len(out.getvalue()) < 3 * SHOWN_CHARS
