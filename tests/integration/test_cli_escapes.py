"""The terminal against the fakes with hostile text: no escape from outside reaches it (issue 10,
item 3), and Connect Links are printed inert, with their host (items 1 and 17)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import httpx

from desktop.core.router.types import MANAGE_CONNECTIONS_TOOL, MULTI_EXECUTE_TOOL
from tests.fakes.harness import FakeServices
from tests.fakes.openai_script import Reply
from tests.integration.chat_helpers import agent_tool_calls
from tests.integration.test_cli import _run_cli

# A clipboard write (OSC 52), a title (OSC 0), a cleared screen, the cursor sent home and up,
# a line wiped, and a carriage return that forges the user's own prompt; an 8-bit CSI and a
# direction override.
HOSTILE = (
    "\x1b]52;c;ZXZpbA==\x07\x1b]0;pwned\x1b\\\x1b[2J\x1b[H\x1b[3A\x1b[2K"
    "\rYou: rm -rf ~\u202eevil\x9b31m"
)
OWN_COLOURS = re.compile(r"\x1b\[(?:2|31|0)m")  # the app's own: dim, red, reset
EVIL = "https://evil.example/e2b-login"


def _run(services: FakeServices, tmp_path: Path, stdin: str) -> tuple[str, str]:
    """The terminal in this process, its output a terminal (the app's colours on)."""
    result = _run_cli(services.env(), stdin, tmp_path, terminal=True)
    assert result.returncode == 0
    return result.stdout, result.stderr


def _list() -> Reply:
    tools = [{"tool_slug": "E2B_LIST_ALL_SANDBOXES", "arguments": {}}]
    return Reply.tool_call(
        MULTI_EXECUTE_TOOL, {"tools": tools, "sync_response_to_workbench": False}
    )


def test_escapes_in_a_reply_and_a_tool_result_are_written_out(
    fake_services: FakeServices, tmp_path: Path
) -> None:
    failure = {"data": {}, "error": f"bad {HOSTILE}", "successful": False}
    fake_services.composio.behaviour.raw_results[MULTI_EXECUTE_TOOL] = json.dumps(failure)
    fake_services.openai.script.push(_list(), Reply.text(f"Here: {HOSTILE}\nDone.\tok"))
    out, err = _run(fake_services, tmp_path, "list my sandboxes\nexit\n")
    assert [c.name for c in agent_tool_calls(fake_services)] == [MULTI_EXECUTE_TOOL]
    printed = OWN_COLOURS.sub("", out + err)
    assert OWN_COLOURS.search(out)  # colours are on: this is a terminal
    assert "\x1b" not in printed and "\r" not in printed and "\x07" not in printed
    assert not re.search("[\x80-\x9f\u202a-\u202e\u2066-\u2069]", printed)
    # What was there is shown: the sequences as text, the newline and tab of the reply kept.
    shown = "\\u001b]52;c;ZXZpbA==\\u0007\\u001b]0;pwned\\u001b\\\\u001b[2J\\u001b[H"
    assert f"Here: {shown}" in printed and "\nDone.\tok" in printed
    assert "  <- failed: bad \\u001b]52;c;ZXZpbA==" in printed
    # The forged prompt stays inside the agent's line: every "You:" at a line's start is ours.
    assert "\\u000dYou: rm -rf ~\\u202eevil\\u009b31m" in printed
    starts = [line for line in printed.split("\n") if line.startswith("You:")]
    assert len(starts) == 2 and not any("rm -rf" in line for line in starts)


def test_the_connect_link_is_printed_with_its_host_and_connects(
    fake_services_factory,  # type: ignore[no-untyped-def]
    tmp_path: Path,
) -> None:
    services: FakeServices = fake_services_factory(e2b_connected=False)
    services.openai.script.push(
        Reply.tool_call(MANAGE_CONNECTIONS_TOOL, {"toolkits": ["e2b"]}), Reply.text("Open it.")
    )
    out, _ = _run(services, tmp_path, "connect e2b\nexit\n")
    printed = OWN_COLOURS.sub("", out)
    host = services.composio_base_url.removeprefix("http://")
    assert "  <- action needed\n" in printed
    assert f"  To connect E2B, open this link in your browser (it goes to {host}):\n" in printed
    (link,) = re.findall(r"^  (http://\S+)$", printed, flags=re.M)
    assert link.startswith(f"{services.composio_base_url}/connect/e2b/")
    assert not services.e2b.connected
    assert httpx.get(link, timeout=10).status_code == 200  # the person opens it
    assert services.e2b.connected


def test_links_from_elsewhere_are_text_and_a_foreign_host_is_warned_about(
    fake_services: FakeServices, tmp_path: Path
) -> None:
    fake_services.e2b.add_sandbox(
        sandboxID="sb-linked", templateID="base", metadata={"redirect_url": EVIL}
    )
    answer = {
        "data": {
            "message": "e2b: initiated",
            "results": {"e2b": {"toolkit": "e2b", "status": "initiated", "redirect_url": EVIL}},
        },
        "error": None,
        "successful": True,
    }
    fake_services.composio.behaviour.raw_results[MANAGE_CONNECTIONS_TOOL] = json.dumps(answer)
    fake_services.openai.script.push(
        _list(),
        Reply.text("Listed."),
        Reply.tool_call(MANAGE_CONNECTIONS_TOOL, {"toolkits": ["e2b"]}),
        Reply.text("Connect."),
    )
    out, _ = _run(fake_services, tmp_path, "list\nconnect\nexit\n")
    # The listing really carried the sandbox's link back to the model.
    assert EVIL in json.dumps(fake_services.openai.requests[1].json)
    before, after = OWN_COLOURS.sub("", out).split("Listed.", 1)
    assert "link" not in before.lower()  # the listing's redirect_url is no link to open
    assert (
        "  Warning: this link to connect E2B goes to evil.example, which is not one of "
        "Composio's sites. Open it only if you expected that host:\n"
        f"  {EVIL}\n"
    ) in after
