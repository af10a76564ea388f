"""The terminal's `/attach PATH [PATH...]` against the fakes, in this process (run_cli with
stdin and stdout): each upload printed, a big file's progress too, failures as sentences, and
the files named to the agent with the next prompt (flow 1 of issue 11 in the terminal)."""

from __future__ import annotations

import io
import os
import signal
import threading
import time
from pathlib import Path

from desktop.cli import run_cli
from desktop.core.config.secrets import MemorySecretStore
from desktop.core.config.settings import Settings
from tests.fakes.harness import FakeServices
from tests.fakes.openai_conversation import parse_conversation, user_messages
from tests.integration.mount_helpers import SALES_CSV as SALES
from tests.integration.mount_helpers import mount_files
from tests.integration.test_cli import CliRun


def _run(services: FakeServices, stdin: str, cwd: Path) -> CliRun:
    out, err = io.StringIO(), io.StringIO()
    code = run_cli(
        Settings(),
        MemorySecretStore(),
        environ=services.env(),
        cwd=cwd,
        stdin=io.StringIO(stdin),
        stdout=out,
        stderr=err,
    )
    return CliRun(code, out.getvalue(), err.getvalue())


def _asked(services: FakeServices) -> list[str]:
    """The last user message of each request the model received."""
    return [user_messages(parse_conversation(r.json))[-1] for r in services.openai.requests]


def test_flow_1_in_the_terminal(fake_services: FakeServices, tmp_path: Path) -> None:
    (tmp_path / "sales.csv").write_text(SALES)
    result = _run(fake_services, "/attach sales.csv\nanalyze this csv\ny\nexit\n", tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    out = result.stdout
    assert f"  uploading sales.csv ({len(SALES)} bytes)…" in out
    assert (
        f"Attached sales.csv ({len(SALES)} bytes, text/csv): the agent reads it at "
        "/mnt/files/sales.csv."
    ) in out
    assert "pd.read_csv('/mnt/files/sales.csv')" in out  # the cell, shown before it is allowed
    assert "The mean of the first numeric column is 98.750000." in out
    assert "The largest total is North (220)." in out
    assert mount_files(fake_services) == {"sales.csv": SALES.encode()}
    assert not any(r.api_key_sent for r in fake_services.composio.files.presigned_requests)
    first = _asked(fake_services)[0]
    assert first.startswith("analyze this csv\n")
    assert f"- /mnt/files/sales.csv (sales.csv, {len(SALES)} bytes, text/csv)" in first


def test_several_files_a_big_one_s_progress_and_the_list(
    fake_services: FakeServices, tmp_path: Path
) -> None:
    (tmp_path / "my notes.txt").write_text("hello")
    with (tmp_path / "big.bin").open("wb") as handle:
        handle.truncate(4 * 1024 * 1024)
    stdin = "/attach 'my notes.txt' big.bin\n/attach\nwhat are these?\nand now?\nexit\n"
    result = _run(fake_services, stdin, tmp_path)
    out = result.stdout
    assert "  uploading my notes.txt (5 bytes)…" in out
    assert "  uploading big.bin (4.0 MB)…" in out
    for step, sent in ((25, "1.0"), (50, "2.0"), (75, "3.0"), (100, "4.0")):
        assert f"    {step}% ({sent} MB of 4.0 MB)" in out
    assert "Attached my_notes.txt (5 bytes, text/plain)" in out
    assert "Attached, for your next message:\n  my_notes.txt (5 bytes)\n  big.bin (4.0 MB)" in out
    first, second = _asked(fake_services)
    assert "- /mnt/files/my_notes.txt (my_notes.txt, 5 bytes, text/plain)" in first
    assert "- /mnt/files/big.bin (big.bin, 4.0 MB, application/octet-stream)" in first
    assert second == "and now?"  # the files went with one message only
    assert sorted(mount_files(fake_services)) == ["big.bin", "my_notes.txt"]


def test_a_failed_upload_is_a_sentence_and_the_next_prompt_carries_nothing(
    fake_services: FakeServices, tmp_path: Path
) -> None:
    (tmp_path / "sales.csv").write_text(SALES)
    fake_services.composio.files.behaviour.expired_urls = True
    result = _run(fake_services, "/attach sales.csv\nhello\nexit\n", tmp_path)
    assert "Error: The upload link for 'sales.csv' had expired: try again." in result.stderr
    assert "Nothing was attached." in result.stdout
    assert _asked(fake_services) == ["hello"]
    assert mount_files(fake_services) == {}


def test_a_file_that_cannot_go_is_refused_before_any_request(
    fake_services: FakeServices, tmp_path: Path
) -> None:
    with (tmp_path / "huge.bin").open("wb") as handle:
        handle.truncate(100 * 1024 * 1024 + 1)
    (tmp_path / "ok.csv").write_text("a\n")
    result = _run(
        fake_services,
        "/attach ok.csv huge.bin\n/attach missing.csv\n/attach 'open\nexit\n",
        tmp_path,
    )
    assert (
        "Error: 'huge.bin' (104,857,601 bytes) is over the 100 MB limit for an attached file: "
        "attach a smaller file, or split it."
    ) in result.stderr
    assert "Error: Could not read 'missing.csv': " in result.stderr
    assert "Error: No closing quotation: Usage: /attach PATH [PATH...]" in result.stderr
    assert result.stdout.count("Nothing was attached.") == 2
    assert not [r for r in fake_services.composio.requests if "/mounts/" in r.path]
    assert fake_services.openai.requests == []


def test_ctrl_c_cancels_an_upload_and_nothing_is_attached(
    fake_services: FakeServices, tmp_path: Path
) -> None:
    (tmp_path / "sales.csv").write_text(SALES)
    files = fake_services.composio.files
    files.behaviour.presigned_delay = 30  # the storage holds the upload until Ctrl-C

    def press_ctrl_c() -> None:
        deadline = time.monotonic() + 20
        while not files.presigned_requests and time.monotonic() < deadline:
            time.sleep(0.01)
        os.kill(os.getpid(), signal.SIGINT)  # handled by the upload: it is cancelled

    presser = threading.Thread(target=press_ctrl_c)
    presser.start()
    result = _run(fake_services, "/attach sales.csv\nhello\nexit\n", tmp_path)
    presser.join()
    assert "Upload cancelled: nothing was attached." in result.stdout
    assert _asked(fake_services) == ["hello"]
    assert mount_files(fake_services) == {}
