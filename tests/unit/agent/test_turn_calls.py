"""A turn's code calls as events: the cell's code at the start, the run read from the whole
result at the end (images included, though the card's text is cut), and the files the run left
in the mount, listed around it without the model."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from pydantic_ai.messages import ToolCallPart, ToolReturnPart

from desktop.core.agent.cell_outputs import ImageOutput
from desktop.core.agent.code_runs import CodeRun, OutputFile
from desktop.core.agent.connect_links import ComposioHosts
from desktop.core.agent.events import ToolCallStarted, interrupted_call
from desktop.core.agent.output_files import MAX_OUTPUT_FILES, OutputFiles
from desktop.core.agent.tool_calls import RESULT_TEXT_LIMIT
from desktop.core.agent.turn_calls import TurnCalls
from desktop.core.consent.approvals import ConsentState
from desktop.core.errors import ErrorKind, UserFacingError
from desktop.core.redaction import Redactor
from desktop.core.router.files_mount import MountItem
from tests.unit.agent.test_code_runs import b64, png

WORKBENCH = "COMPOSIO_REMOTE_WORKBENCH"
BASH = "COMPOSIO_REMOTE_BASH_TOOL"


def _calls(files: OutputFiles | None = None) -> TurnCalls:
    return TurnCalls(ConsentState(), ComposioHosts(), files)


def _item(path: str, size: int = 10, when: str = "2026-01-01T00:00:00Z") -> MountItem:
    return MountItem(mount_relative_path=path, size=size, last_modified=when)


class FakeMount:
    """The one call `OutputFiles` makes of a mount: `list`, answered from a list of listings
    (or raising the error given)."""

    def __init__(self, *listings: tuple[MountItem, ...] | Exception) -> None:
        self.listings = list(listings)
        self.calls = 0

    async def list(self) -> tuple[MountItem, ...]:
        self.calls += 1
        listing = self.listings.pop(0)
        if isinstance(listing, Exception):
            raise listing
        return listing


def _files(mount: FakeMount, redactor: Redactor | None = None) -> OutputFiles:
    async def source() -> Any:
        return mount

    return OutputFiles(source, redactor)


def test_a_workbench_call_starts_with_its_code_and_ends_with_its_whole_run() -> None:
    calls = _calls()
    part = ToolCallPart(WORKBENCH, {"code_to_execute": "plot()"}, tool_call_id="c1")
    started = calls.started(part)
    assert started.code_run == CodeRun(language="python", code="plot()")
    # A long stdout first: the card's text is cut before the image, the run still has it.
    data = {"stdout": "x" * (RESULT_TEXT_LIMIT * 2), "results": [{"png": b64(png(6, 4))}]}
    content = json.dumps({"data": data, "error": None, "successful": True})
    finished = calls.finished(ToolReturnPart(WORKBENCH, content, tool_call_id="c1"))
    assert finished.outcome == "success"
    assert '"png"' not in finished.result_text  # cut off the card's text
    assert finished.code_run is not None
    (image,) = finished.code_run.outputs
    assert isinstance(image, ImageOutput) and (image.width, image.height) == (6, 4)
    assert finished.code_run.code == "plot()"


def test_other_calls_carry_no_code_run() -> None:
    calls = _calls()
    part = ToolCallPart("COMPOSIO_MULTI_EXECUTE_TOOL", {"tools": []}, tool_call_id="c2")
    assert calls.started(part).code_run is None
    ended = ToolReturnPart("COMPOSIO_MULTI_EXECUTE_TOOL", "{}", tool_call_id="c2")
    finished = calls.finished(ended)
    assert finished.code_run is None


def test_a_denied_code_call_shows_its_code_and_no_result() -> None:
    calls = _calls()
    calls.started(ToolCallPart(BASH, {"command": "rm -rf /tmp/x"}, tool_call_id="c3"))
    denied = ToolReturnPart(BASH, "The user denied this.", tool_call_id="c3", outcome="denied")
    finished = calls.finished(denied)
    assert finished.outcome == "denied"
    assert finished.code_run == CodeRun(language="bash", code="rm -rf /tmp/x")


def test_a_failed_bash_call_reads_its_exit_status() -> None:
    calls = _calls()
    calls.started(ToolCallPart(BASH, {"command": "false"}, tool_call_id="c4"))
    content = {"data": {"stderr": "no\n"}, "error": "Command failed with exit code 1"}
    finished = calls.finished(
        ToolReturnPart(BASH, json.dumps({**content, "successful": False}), tool_call_id="c4")
    )
    assert finished.outcome == "failed"
    assert finished.code_run is not None
    assert (finished.code_run.exit_code, finished.code_run.stderr) == (1, "no\n")


def test_an_interrupted_cell_keeps_its_code() -> None:
    run = CodeRun(language="python", code="while True: pass")
    started = ToolCallStarted("c5", WORKBENCH, {"code_to_execute": run.code}, (), code_run=run)
    assert interrupted_call(started).code_run == run


def test_the_files_a_run_left_come_with_its_end() -> None:
    kept = _item("sales.csv", 100)
    mount = FakeMount(
        (kept, _item("old.txt", 5)),
        (kept, _item("old.txt", 7, "2026-01-02T00:00:00Z"), _item("out/chart.png", 2048)),
    )
    files = _files(mount)
    calls = _calls(files)
    calls.started(ToolCallPart(WORKBENCH, {"code_to_execute": "save()"}, tool_call_id="c6"))

    async def run() -> str:
        return await files.around("c6", lambda: asyncio.sleep(0, "done"))

    assert asyncio.run(run()) == "done"
    finished = calls.finished(
        ToolReturnPart(WORKBENCH, '{"data": {}, "successful": true}', tool_call_id="c6")
    )
    assert finished.code_run is not None
    assert finished.code_run.output_files == (
        OutputFile(
            name="old.txt",
            mount_relative_path="old.txt",
            sandbox_path="/mnt/files/old.txt",
            size=7,
            last_modified="2026-01-02T00:00:00Z",
        ),
        OutputFile(
            name="chart.png",
            mount_relative_path="out/chart.png",
            sandbox_path="/mnt/files/out/chart.png",
            size=2048,
            last_modified="2026-01-01T00:00:00Z",
        ),
    )
    assert files.take("c6") == ((), 0)  # taken once


def test_a_listing_that_fails_costs_the_cell_its_files_not_the_run() -> None:
    refused = UserFacingError(ErrorKind.SERVER_ERROR, "Composio had a server error.")
    for listings in [(refused,), ((), refused)]:
        mount = FakeMount(*listings)
        files = _files(mount)

        async def run(files: OutputFiles = files) -> int:
            return await files.around("c7", lambda: asyncio.sleep(0, 42))

        assert asyncio.run(run()) == 42
        assert files.take("c7") == ((), 0)
        assert mount.calls == len(listings)  # no listing after a failed first one


def test_a_call_that_raises_is_still_listed_after_and_many_files_are_counted() -> None:
    key = "ak_0123456789abcdefghij"
    many = tuple(_item(f"f{n:03}.txt") for n in range(MAX_OUTPUT_FILES + 6))
    mount = FakeMount((), (_item(f"{key}.txt"), *many))
    files = _files(mount, Redactor((key,)))

    async def failing() -> None:
        raise RuntimeError("the tool's error")

    async def run() -> None:
        await files.around("c8", failing)

    with pytest.raises(RuntimeError):
        asyncio.run(run())
    kept, more = files.take("c8")
    assert (len(kept), more) == (MAX_OUTPUT_FILES, 7)
    assert kept[0].name == "[redacted].txt"  # names pass the redactor
