"""Attaching files (`core/agent/attachments.attach_files`) through the fake files mount: plain
unique names, records with sha256, the limit checked before anything is sent, and a prompt whose
paths the workbench can open."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from desktop.core.agent.attachments import Attachment, attach_files, prompt_with_attachments
from desktop.core.router.files_mount import FilesMount
from desktop.core.router.transfer_errors import MAX_MOUNT_FILE_BYTES, FileTransferError
from tests.fakes.harness import FakeServices
from tests.integration.mount_helpers import with_mount


def test_attached_files_get_plain_unique_names_and_records(
    fake_services: FakeServices, tmp_path: Path
) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    first = tmp_path / "a" / "sales.csv"
    first.write_text("region,revenue\nNorth,220\n")
    second = tmp_path / "b" / "sales.csv"
    second.write_text("region,revenue\nSouth,175\n")
    odd = tmp_path / "my report\u202e (v2).txt"
    odd.write_text("notes")
    seen: list[tuple[int, int, int | None]] = []

    async def use(mount: FilesMount, sid: str) -> tuple[Attachment, ...]:
        return await attach_files(
            mount,
            [first, second, odd],
            taken=["notes.txt"],
            progress=lambda *p: seen.append(p),
        )

    attached = with_mount(fake_services, use)
    assert [a.name for a in attached] == ["sales.csv", "sales-2.csv", "my_report_v2.txt"]
    assert [a.sandbox_path for a in attached] == [
        "/mnt/files/sales.csv",
        "/mnt/files/sales-2.csv",
        "/mnt/files/my_report_v2.txt",
    ]
    assert attached[0].sha256 == hashlib.sha256(first.read_bytes()).hexdigest()
    assert (attached[0].mimetype, attached[2].mimetype) == ("text/csv", "text/plain")
    assert [index for index, _, _ in seen] == [0, 1, 2]
    sid = next(iter(fake_services.composio.sessions))
    assert fake_services.composio.files.files(sid)["sales-2.csv"] == second.read_bytes()

    # The paths the prompt names are the ones the workbench opens.
    prompt = prompt_with_attachments("analyze these", attached)
    paths = [line.split(" ")[1] for line in prompt.splitlines() if line.startswith("- ")]
    code = f"[open(p).readline().strip() for p in {paths!r}]"
    answer = fake_services.composio.sandboxes.get(sid).run_python(code)
    assert answer["error"] is None
    assert answer["results"] == [{"text": "['region,revenue', 'region,revenue', 'notes']"}]


def test_one_file_over_the_limit_refuses_them_all_before_anything_is_sent(
    fake_services: FakeServices, tmp_path: Path
) -> None:
    small = tmp_path / "small.csv"
    small.write_text("a\n")
    huge = tmp_path / "huge.bin"
    with huge.open("wb") as handle:
        handle.truncate(MAX_MOUNT_FILE_BYTES + 1)

    async def use(mount: FilesMount, sid: str) -> tuple[Attachment, ...]:
        return await attach_files(mount, [small, huge])

    with pytest.raises(FileTransferError) as caught:
        with_mount(fake_services, use)
    assert caught.value.problem == "too_big" and "'huge.bin'" in caught.value.message
    assert not [r for r in fake_services.composio.requests if "/mounts/" in r.path]
