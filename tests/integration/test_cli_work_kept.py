"""The terminal: Ctrl-C after a tool call ran stops the reply; the agent still knows the call."""

from __future__ import annotations

import signal
from pathlib import Path

from tests.fakes.harness import FakeServices
from tests.fakes.openai_script import Reply
from tests.integration.test_cli import cli_process
from tests.integration.work_kept_helpers import (
    CREATE_PROMPT,
    assert_model_was_told,
    created_sandbox,
    sandbox_ids,
    script_create_then_talk,
)


def test_ctrl_c_after_a_create_keeps_the_sandbox_in_the_agents_history(
    fake_services: FakeServices, tmp_path: Path
) -> None:
    before = sandbox_ids(fake_services)
    script_create_then_talk(fake_services)
    with cli_process(fake_services, tmp_path) as (process, reader, type_line):
        type_line(CREATE_PROMPT)
        reader.wait_for("Allow E2B_CREATE_SANDBOX")
        type_line("y")
        reader.wait_for("<- success")
        reader.wait_for("word1 ")  # the reply after the call streams
        process.send_signal(signal.SIGINT)
        reader.wait_for("[stopped]")
        fake_services.openai.script.clear()
        fake_services.openai.script.push(Reply.text("You have one new sandbox."))
        type_line("Which sandbox did you create?")
        reader.wait_for("You have one new sandbox.")
        type_line("exit")
        reader.wait_for("still running")  # the sandbox it created: asked about at exit
        type_line("")  # keep it running
        assert process.wait(timeout=30) == 0
    assert_model_was_told(fake_services, created_sandbox(fake_services, before))
