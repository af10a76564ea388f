"""Turns that carry attached files, through the fakes: the files reach the session's files mount
before the prompt reaches the model, the model is told where they are, the conversation keeps
their records (never their content), and a failed or cancelled upload sends the model nothing.

Flow 1 of issue 11: attach `sales.csv`, ask "analyze this csv": the workbench code reads
`/mnt/files/sales.csv` with pandas, prints a summary and draws a chart, and the reply cites the
summary's numbers.
"""

from __future__ import annotations

import asyncio
import dataclasses
import hashlib
import json
from pathlib import Path

import pytest

from desktop.core.agent.attachments import Attachment
from desktop.core.agent.events import ToolCallFinished, ToolCallStarted, TurnFinished
from desktop.core.router.transfer_errors import FileTransferError
from desktop.core.router.types import Timeouts
from tests.fakes.harness import FakeServices
from tests.fakes.openai_conversation import parse_conversation, user_messages
from tests.integration.chat_helpers import FAST_TIMEOUTS, approve_all, collect, run, session_for
from tests.integration.conversation_helpers import chat_for, open_store
from tests.integration.mount_helpers import SALES_CSV as SALES
from tests.integration.mount_helpers import mount_files

WORKBENCH = "COMPOSIO_REMOTE_WORKBENCH"


def _sales(tmp_path: Path) -> Path:
    path = tmp_path / "sales.csv"
    path.write_text(SALES)
    return path


def test_flow_1_an_attached_csv_is_analysed_in_the_workbench(
    fake_services: FakeServices, tmp_path: Path
) -> None:
    sales = _sales(tmp_path)
    progress: list[tuple[int, int, int | None]] = []

    async def scenario() -> tuple[tuple[Attachment, ...], list[object]]:
        session = session_for(fake_services)
        try:
            attached = await session.attach([sales], lambda *p: progress.append(p))
            assert fake_services.openai.requests == []  # uploaded before anything is asked
            events = await collect_with(session, "analyze this csv", attached)
            return attached, events
        finally:
            await session.aclose()

    attached, events = run(scenario())
    (record,) = attached
    assert (record.name, record.sandbox_path, record.mimetype) == (
        "sales.csv",
        "/mnt/files/sales.csv",
        "text/csv",
    )
    assert progress[-1] == (0, len(SALES), len(SALES))
    # The bytes are in the session's mount; the PUT that took them there carried no key.
    assert mount_files(fake_services) == {"sales.csv": SALES.encode()}
    (put,) = fake_services.composio.files.presigned_requests
    assert put.method == "PUT" and put.status == 200 and not put.api_key_sent
    assert fake_services.composio_api_key not in json.dumps(put.headers)
    # The model was told the file's path, name, size and type.
    first = user_messages(parse_conversation(fake_services.openai.requests[0].json))[-1]
    assert first.startswith("analyze this csv\n")
    assert f"- /mnt/files/sales.csv (sales.csv, {len(SALES)} bytes, text/csv)" in first
    # Its workbench cell read that path with pandas, printed a summary and drew a chart.
    (started,) = [e for e in events if isinstance(e, ToolCallStarted)]
    code = started.arguments["code_to_execute"]
    assert started.tool_name == WORKBENCH
    assert "pd.read_csv('/mnt/files/sales.csv')" in code
    (finished,) = [e for e in events if isinstance(e, ToolCallFinished)]
    assert finished.outcome == "success"
    (call,) = fake_services.composio.tool_calls
    assert call.name == WORKBENCH and call.arguments["code_to_execute"] == code
    turns = parse_conversation(fake_services.openai.requests[-1].json)
    (result,) = [json.loads(t.text) for t in turns if t.role == "tool_result"]
    output = result["data"]
    assert "mean    98.750000" in output["stdout"]  # (100 + 80 + 120 + 95) / 4
    assert "North  220" in output["stdout"]
    assert ["png" in r for r in output["results"]] == [True]  # the chart
    # The reply cites the summary's numbers.
    end = events[-1]
    assert isinstance(end, TurnFinished)
    assert "The mean of the first numeric column is 98.750000." in end.text
    assert "The largest total is North (220)." in end.text


async def collect_with(session: object, prompt: str, attached: tuple[Attachment, ...]) -> list:
    """`collect`, for a turn that carries `attached`."""

    class _WithFiles:
        def run_turn(self, text: str) -> object:
            return session.run_turn(text, attached)  # type: ignore[attr-defined]

    return await collect(_WithFiles(), prompt, approve_all)


def test_the_conversation_keeps_the_records_not_the_content_and_shows_them_again(
    fake_services: FakeServices, tmp_path: Path
) -> None:
    sales = _sales(tmp_path)

    async def scenario() -> tuple[object, ...]:
        store = await open_store(tmp_path / "c.sqlite3")
        chat = chat_for(fake_services, store)
        try:
            attached = await chat.attach([sales])
            events = await collect_with(chat, "analyze this csv", attached)
            cid = chat.conversation_id
            assert cid is not None
            turns = await store.turns(cid)
            exported = await store.export_json(cid), await store.export_markdown(cid)
            imported = await store.import_json(exported[0])
            return attached, events, turns, exported, await store.turns(imported)
        finally:
            await chat.aclose()
            await store.aclose()

    attached, events, turns, (as_json, as_markdown), reimported = run(scenario())
    assert isinstance(events[-1], TurnFinished)
    (turn,) = turns
    assert turn.prompt == "analyze this csv"  # what the person typed; the records apart
    assert turn.attachments == attached
    (record,) = turn.attachments
    assert record.sha256 == hashlib.sha256(SALES.encode()).hexdigest()
    assert SALES not in as_json and "North,Jan,100" not in as_markdown  # never the content
    exported_turn = json.loads(as_json)["turns"][0]
    assert exported_turn["attachments"] == [dataclasses.asdict(record)]
    assert f"Attached `sales.csv` ({len(SALES)} bytes, `text/csv`)" in as_markdown
    assert "`/mnt/files/sales.csv`" in as_markdown
    assert reimported[0].attachments == attached


def _attach_failure(
    services: FakeServices, tmp_path: Path, timeouts: Timeouts = FAST_TIMEOUTS
) -> FileTransferError:
    sales = _sales(tmp_path)

    async def scenario() -> None:
        session = session_for(services, timeouts=timeouts)
        try:
            await session.attach([sales])
        finally:
            await session.aclose()

    with pytest.raises(FileTransferError) as caught:
        run(scenario())
    assert services.openai.requests == []  # nothing reached the model
    assert mount_files(services) == {}  # and nothing half-sent stays in the mount
    return caught.value


@pytest.mark.parametrize(
    ("switch", "value", "problem", "sentence"),
    [
        ("expired_urls", True, "expired", "The upload link for 'sales.csv' had expired"),
        ("presigned_status", 403, "refused", "refused the upload of 'sales.csv' (403)"),
        ("drop_upload_after", 10, "dropped", "The connection dropped while uploading"),
    ],
)
def test_a_failed_upload_is_one_sentence_and_the_model_hears_nothing(
    fake_services: FakeServices,
    tmp_path: Path,
    switch: str,
    value: object,
    problem: str,
    sentence: str,
) -> None:
    setattr(fake_services.composio.files.behaviour, switch, value)
    error = _attach_failure(fake_services, tmp_path)
    assert error.problem == problem
    assert sentence in error.message


def test_a_slow_storage_with_a_small_timeout_fails_before_the_model(
    fake_services: FakeServices, tmp_path: Path
) -> None:
    fake_services.composio.files.behaviour.presigned_delay = 30
    timeouts = dataclasses.replace(FAST_TIMEOUTS, file_transfer=0.3)
    error = _attach_failure(fake_services, tmp_path, timeouts)
    assert error.problem == "timed_out"
    assert "stopped answering for 0.3 s while uploading 'sales.csv'" in error.message


def test_a_second_file_failing_takes_the_first_one_back(
    fake_services: FakeServices, tmp_path: Path
) -> None:
    first = _sales(tmp_path)
    second = tmp_path / "big.bin"
    second.write_bytes(b"x" * 4096)
    fake_services.composio.files.behaviour.drop_upload_after = 1024  # only the second is cut

    async def scenario() -> None:
        session = session_for(fake_services)
        try:
            await session.attach([first, second])
        finally:
            await session.aclose()

    with pytest.raises(FileTransferError):
        run(scenario())
    assert mount_files(fake_services) == {}
    assert fake_services.openai.requests == []


def test_a_cancelled_upload_sends_nothing(fake_services: FakeServices, tmp_path: Path) -> None:
    sales = _sales(tmp_path)
    fake_services.composio.files.behaviour.presigned_delay = 30

    async def scenario() -> None:
        session = session_for(fake_services)
        try:
            sending = asyncio.Event()
            upload = asyncio.ensure_future(session.attach([sales], lambda *_: sending.set()))
            await sending.wait()  # its bytes are on their way; the storage has not answered
            upload.cancel()
            with pytest.raises(asyncio.CancelledError):
                await upload
        finally:
            await session.aclose()

    run(scenario())
    assert fake_services.openai.requests == []
    assert mount_files(fake_services) == {}


def test_a_key_in_a_file_s_record_is_not_sent_to_the_model(fake_services: FakeServices) -> None:
    key = fake_services.openai_api_key
    record = Attachment(
        name=f"{key}.csv",
        size=3,
        mimetype="text/csv",
        sha256="00" * 32,
        remote_path=f"{key}.csv",
        sandbox_path=f"/mnt/files/{key}.csv",
    )

    async def scenario() -> None:
        session = session_for(fake_services)
        try:
            await collect_with(session, "hello", (record,))
        finally:
            await session.aclose()

    run(scenario())
    (request,) = fake_services.openai.requests
    sent = json.dumps(request.json)
    assert key not in sent and "/mnt/files/[redacted].csv" in sent
