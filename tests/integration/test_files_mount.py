"""The session's files mount (`core/router/files_mount.py`) against the fake backend: uploads
and downloads through presigned URLs on loopback, listing, deleting, every failure, and the
same REST calls as the real SDK makes."""

from __future__ import annotations

import asyncio
import hashlib
import os
import tracemalloc
from pathlib import Path
from typing import TypeVar

import pytest

from desktop.core.errors import ErrorKind, UserFacingError
from desktop.core.router.files_mount import FilesMount, files_left
from desktop.core.router.http import new_http_client
from desktop.core.router.mount_names import save_target
from desktop.core.router.presigned import new_transfer_client
from desktop.core.router.transfer_errors import MAX_MOUNT_FILE_BYTES, FileTransferError
from desktop.core.router.types import SessionExpiredError, Timeouts
from tests.fakes.harness import FakeServices
from tests.integration.chat_helpers import FAST_TIMEOUTS, run
from tests.integration.mount_helpers import composio_sdk, sdk_session, with_mount

T = TypeVar("T")
MIB = 1024 * 1024
SALES = "region,revenue\nNorth,220\nSouth,175\n"


def _file(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def test_an_upload_lands_in_the_mount_the_workbench_reads(
    fake_services: FakeServices, tmp_path: Path
) -> None:
    data = b"region,revenue\nNorth,220\nSouth,175\n" * 20_000  # ~700 KB: several chunks
    source = _file(tmp_path, "local name.csv", data)
    seen: list[tuple[int, int | None]] = []

    async def use(mount: FilesMount, sid: str) -> object:
        uploaded = await mount.upload(source, "sales.csv", progress=lambda *p: seen.append(p))
        listed = await mount.list()
        return uploaded, listed

    uploaded, listed = with_mount(fake_services, use)  # type: ignore[misc]
    sid = next(iter(fake_services.composio.sessions))
    assert fake_services.composio.files.files(sid) == {"sales.csv": data}
    assert uploaded.sandbox_path == "/mnt/files/sales.csv"
    assert uploaded.size == len(data)
    assert uploaded.mimetype == "text/csv"
    assert uploaded.sha256 == hashlib.sha256(data).hexdigest()
    assert [item.mount_relative_path for item in listed] == ["sales.csv"]
    assert listed[0].size == len(data) and listed[0].sandbox_path == "/mnt/files/sales.csv"
    # Progress grew to the whole size; the presigned PUT carried no key, the REST call did.
    assert seen[-1] == (len(data), len(data)) and len(seen) > 1
    assert [done for done, _ in seen] == sorted(done for done, _ in seen)
    (put,) = fake_services.composio.files.presigned_requests
    assert put.method == "PUT" and put.status == 200 and not put.api_key_sent
    assert put.headers["content-type"] == "text/csv"
    assert put.headers["content-length"] == str(len(data))
    rest = [r for r in fake_services.composio.requests if r.path.endswith("/upload_url")]
    assert rest[0].headers["x-api-key"] == fake_services.composio_api_key
    assert rest[0].json == {"mount_relative_path": "sales.csv", "mimetype": "text/csv"}
    # The workbench sees the same bytes at /mnt/files.
    answer = fake_services.composio.sandboxes.get(sid).run_python(
        "open('/mnt/files/sales.csv').read().count('North')"
    )
    assert answer["results"] == [{"text": "20000"}]


def test_a_download_is_written_atomically_to_the_chosen_path(
    fake_services: FakeServices, tmp_path: Path
) -> None:
    target = _file(tmp_path, "chart.png", b"old")
    data = os.urandom(3 * MIB)

    async def use(mount: FilesMount, sid: str) -> int:
        fake_services.composio.files.put_file(sid, "out/chart.png", data)
        return await mount.download("out/chart.png", target)

    assert with_mount(fake_services, use) == len(data)
    assert target.read_bytes() == data
    assert sorted(p.name for p in tmp_path.iterdir()) == ["chart.png"]  # no temporary left
    (get,) = fake_services.composio.files.presigned_requests
    assert get.method == "GET" and not get.api_key_sent


def test_files_a_run_leaves_are_found_and_saved(
    fake_services: FakeServices, tmp_path: Path
) -> None:
    async def use(mount: FilesMount, sid: str) -> list[str]:
        fake_services.composio.files.put_file(sid, "sales.csv", b"a,b\n1,2\n")
        fake_services.composio.files.put_file(sid, "old.txt", b"same")
        before = await mount.list()
        sandbox = fake_services.composio.sandboxes.get(sid)
        code = (
            "import matplotlib.pyplot as plt\nplt.bar(['a'], [1])\n"
            "plt.savefig('/mnt/files/out/chart.png')\n"
            "open('/mnt/files/sales.csv', 'a').write('3,4\\n')"
        )
        sandbox.run_python("import os\nos.makedirs('/mnt/files/out', exist_ok=True)")
        assert sandbox.run_python(code)["error"] is None
        left = files_left(before, await mount.list())
        target = save_target(left[0].mount_relative_path, tmp_path, tmp_path)
        await mount.download(left[0].mount_relative_path, target)
        return [item.mount_relative_path for item in left]

    assert with_mount(fake_services, use) == ["out/chart.png", "sales.csv"]
    assert (tmp_path / "chart.png").read_bytes().startswith(b"\x89PNG")


def test_listing_follows_the_cursor_over_pages(fake_services: FakeServices) -> None:
    async def use(mount: FilesMount, sid: str) -> list[str]:
        for index in range(7):
            fake_services.composio.files.put_file(sid, f"f{index}.txt", b"x" * index)
        fake_services.composio.files.put_file(sid, "other/g.txt", b"g")
        everything = await mount.list(page_size=3)
        under = await mount.list("other/")
        return [i.mount_relative_path for i in everything] + ["|"] + [i.name for i in under]

    names = with_mount(fake_services, use)
    assert names == [*(f"f{i}.txt" for i in range(7)), "other/g.txt", "|", "g.txt"]
    pages = [r for r in fake_services.composio.requests if r.path.endswith("/items")]
    assert len(pages) == 3 + 1


def test_delete_removes_and_a_missing_file_is_no_error(fake_services: FakeServices) -> None:
    async def use(mount: FilesMount, sid: str) -> None:
        fake_services.composio.files.put_file(sid, "a.txt", b"a")
        await mount.delete("a.txt")
        await mount.delete("a.txt")

    with_mount(fake_services, use)
    sid = next(iter(fake_services.composio.sessions))
    assert fake_services.composio.files.files(sid) == {}


def _upload_failure(
    fs: FakeServices, source: Path, timeouts: Timeouts = FAST_TIMEOUTS
) -> FileTransferError:
    async def use(mount: FilesMount, sid: str) -> None:
        await mount.upload(source, source.name)

    with pytest.raises(FileTransferError) as caught:
        with_mount(fs, use, timeouts=timeouts)
    sid = next(iter(fs.composio.sessions))
    assert fs.composio.files.files(sid) == {}  # nothing half-sent is in the mount
    return caught.value


def test_an_expired_upload_url_is_one_sentence(fake_services: FakeServices, tmp_path: Path) -> None:
    fake_services.composio.files.behaviour.expired_urls = True
    error = _upload_failure(fake_services, _file(tmp_path, "a.csv", b"1,2\n"))
    assert error.problem == "expired"
    assert error.message == "The upload link for 'a.csv' had expired: try again."


def test_a_403_from_the_storage_is_refused(fake_services: FakeServices, tmp_path: Path) -> None:
    fake_services.composio.files.behaviour.presigned_status = 403
    error = _upload_failure(fake_services, _file(tmp_path, "a.csv", b"1,2\n"))
    assert error.problem == "refused"
    assert "refused the upload of 'a.csv' (403)" in error.message


def test_a_slow_storage_times_out(fake_services: FakeServices, tmp_path: Path) -> None:
    fake_services.composio.files.behaviour.presigned_delay = 30
    timeouts = Timeouts(composio_request=3.0, file_transfer=0.3)
    error = _upload_failure(fake_services, _file(tmp_path, "a.csv", b"1,2\n"), timeouts)
    assert error.problem == "timed_out" and error.kind is ErrorKind.TIMEOUT
    assert "stopped answering for 0.3 s while uploading 'a.csv'" in error.message


def test_a_redirect_from_the_storage_is_not_followed(
    fake_services: FakeServices, tmp_path: Path
) -> None:
    fake_services.composio.files.behaviour.presigned_status = 307
    error = _upload_failure(fake_services, _file(tmp_path, "a.csv", b"1,2\n"))
    assert error.problem == "server_error"
    assert "with a redirect (307), which the app does not follow" in error.message
    assert len(fake_services.composio.files.presigned_requests) == 1  # nothing followed it


@pytest.mark.parametrize(
    ("origin", "why"),
    [
        ("https://169.254.169.254", "it leads to a private or local address"),
        ("http://storage.example.com", "plain http"),
        ("https://10.0.0.7:9000", "it leads to a private or local address"),
    ],
)
def test_a_presigned_url_to_a_forbidden_place_gets_nothing(
    fake_services: FakeServices, tmp_path: Path, origin: str, why: str
) -> None:
    fake_services.composio.files.behaviour.url_base = origin
    error = _upload_failure(fake_services, _file(tmp_path, "a.csv", b"secret\n"))
    assert error.problem == "unsafe_address"
    assert why in error.message and "nothing was sent" in error.message
    assert fake_services.composio.files.presigned_requests == []


def test_a_dropped_connection_mid_upload(fake_services: FakeServices, tmp_path: Path) -> None:
    fake_services.composio.files.behaviour.drop_upload_after = 300 * 1024
    error = _upload_failure(fake_services, _file(tmp_path, "big.bin", os.urandom(4 * MIB)))
    assert error.problem == "dropped"
    assert error.message == "The connection dropped while uploading 'big.bin': try again."
    (put,) = fake_services.composio.files.presigned_requests
    assert 300 * 1024 <= put.received < 4 * MIB


def test_an_oversized_file_is_refused_before_any_request(
    fake_services: FakeServices, tmp_path: Path
) -> None:
    source = tmp_path / "huge.bin"
    with source.open("wb") as handle:
        handle.truncate(MAX_MOUNT_FILE_BYTES + 1)  # sparse: no 100 MB on the disk
    error = _upload_failure(fake_services, source)
    assert error.problem == "too_big" and error.kind is ErrorKind.BAD_INPUT
    assert error.message == (
        "'huge.bin' (104,857,601 bytes) is over the 100 MB limit for an attached file: "
        "attach a smaller file, or split it."
    )
    assert not [r for r in fake_services.composio.requests if "/mounts/" in r.path]


def test_a_cancelled_upload_leaves_nothing(fake_services: FakeServices, tmp_path: Path) -> None:
    source = _file(tmp_path, "big.bin", os.urandom(8 * MIB))
    progressed: list[int] = []

    async def use(mount: FilesMount, sid: str) -> None:
        task: asyncio.Task[object] | None = None

        def progress(done: int, total: int | None) -> None:
            progressed.append(done)
            if task is not None and len(progressed) == 2:
                task.cancel()

        task = asyncio.ensure_future(mount.upload(source, "big.bin", progress=progress))
        with pytest.raises(asyncio.CancelledError):
            await task

    with_mount(fake_services, use)
    sid = next(iter(fake_services.composio.sessions))
    assert fake_services.composio.files.files(sid) == {}
    assert len(progressed) == 2  # it stopped right there


def _download_failure(
    fs: FakeServices, target: Path, max_bytes: int = MAX_MOUNT_FILE_BYTES, size: int = 5000
) -> FileTransferError:
    async def use(mount: FilesMount, sid: str) -> None:
        fs.composio.files.put_file(sid, "data.bin", os.urandom(size))
        await mount.download("data.bin", target, max_bytes=max_bytes)

    with pytest.raises(FileTransferError) as caught:
        with_mount(fs, use)
    assert target.read_bytes() == b"keep"  # the old file stays, no temporary beside it
    assert [p.name for p in target.parent.iterdir()] == [target.name]
    return caught.value


@pytest.mark.parametrize("announced", [True, False], ids=["content-length", "chunked"])
def test_a_download_over_the_cap_writes_nothing(
    fake_services: FakeServices, tmp_path: Path, announced: bool
) -> None:
    fake_services.composio.files.behaviour.download_without_length = not announced
    target = _file(tmp_path, "data.bin", b"keep")
    error = _download_failure(fake_services, target, max_bytes=1000)
    assert error.problem == "too_big"
    assert error.message == "'data.bin' is over the 100 MB download limit, so it was not saved."


@pytest.mark.parametrize(
    ("switch", "problem"),
    [("expired_urls", "expired"), ("presigned_status", "refused"), ("missing", "not_found")],
)
def test_download_failures(
    fake_services: FakeServices, tmp_path: Path, switch: str, problem: str
) -> None:
    behaviour = fake_services.composio.files.behaviour
    if switch == "expired_urls":
        behaviour.expired_urls = True
    elif switch == "presigned_status":
        behaviour.presigned_status = 403
    target = _file(tmp_path, "data.bin", b"keep")

    async def use(mount: FilesMount, sid: str) -> None:
        await mount.download("data.bin" if switch != "missing" else "nope.bin", target)

    async def seeded(mount: FilesMount, sid: str) -> None:
        fake_services.composio.files.put_file(sid, "data.bin", b"new")
        await use(mount, sid)

    with pytest.raises(FileTransferError) as caught:
        with_mount(fake_services, seeded)
    assert caught.value.problem == problem
    assert target.read_bytes() == b"keep"


def test_the_rest_calls_fail_as_the_session_calls_do(
    fake_services: FakeServices, tmp_path: Path
) -> None:
    async def listing(mount: FilesMount, sid: str) -> object:
        return await mount.list()

    with pytest.raises(SessionExpiredError):
        with_mount(fake_services, listing, session_id="trs_gone")
    with pytest.raises(UserFacingError) as caught:
        with_mount(fake_services, listing, api_key="wrong-key")
    assert caught.value.kind is ErrorKind.COMPOSIO_KEY_REJECTED


def test_a_50_mb_upload_streams_from_disk(fake_services: FakeServices, tmp_path: Path) -> None:
    size = 50 * MIB
    source = tmp_path / "big.bin"
    with source.open("wb") as handle:
        for _ in range(50):
            handle.write(os.urandom(MIB))

    async def use(mount: FilesMount, sid: str) -> int:
        tracemalloc.start()
        try:
            await mount.upload(source, "big.bin")
            return tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()

    peak = with_mount(fake_services, use)
    sid = next(iter(fake_services.composio.sessions))
    assert (fake_services.composio.sandboxes.get(sid).mount / "big.bin").stat().st_size == size
    # Chunks of 256 KiB in flight, the fake's buffers, the interpreter's own: a few MiB at most,
    # nowhere near the file's 50.
    assert peak < 12 * MIB, f"peak {peak / MIB:.1f} MiB"


def test_the_mount_api_is_what_the_sdk_sends(fake_services: FakeServices) -> None:
    """The app's mount calls (`FilesMount`) and composio-client's, side by side on the fake."""
    session = sdk_session(fake_services)
    sid = session.session_id
    fake_services.composio.files.put_file(sid, "out/chart.png", b"png")
    with composio_sdk(fake_services) as composio:
        files = composio.client.tool_router.session.files
        upload = files.create_upload_url(
            "files", session_id=sid, mount_relative_path="sales.csv", mimetype="text/csv"
        )
        download = files.create_download_url(
            "files", session_id=sid, mount_relative_path="out/chart.png"
        )
        listed = files.list("files", session_id=sid, limit=500)
        files.delete("files", session_id=sid, mount_relative_path="out/chart.png")
    assert upload.upload_url.startswith(f"{fake_services.composio_base_url}/presigned/upload/")
    assert download.sandbox_mount_prefix == "/mnt/files"
    assert [item.mount_relative_path for item in listed.items] == ["out/chart.png"]
    sdk = [r for r in fake_services.composio.requests if "/mounts/" in r.path]

    async def ours() -> None:
        async with (
            new_http_client(FAST_TIMEOUTS) as api,
            new_transfer_client(FAST_TIMEOUTS) as transfers,
        ):
            mount = FilesMount(
                api,
                transfers,
                session_id=sid,
                api_key=fake_services.composio_api_key,
                base_url=fake_services.composio_base_url,
                timeouts=FAST_TIMEOUTS,
            )
            fake_services.composio.files.put_file(sid, "out/chart.png", b"png")
            source = fake_services.composio.sandboxes.get(sid).home / "sales.csv"
            source.write_text(SALES)
            await mount.upload(source, "sales.csv")
            await mount.download("out/chart.png", source.with_name("chart.png"))
            await mount.list()
            await mount.delete("out/chart.png")

    run(ours())
    app = [r for r in fake_services.composio.requests if "/mounts/" in r.path][len(sdk) :]
    assert [(r.method, r.path, r.query, r.json) for r in app] == [
        (r.method, r.path, r.query, r.json) for r in sdk
    ]
    assert all(r.headers["x-api-key"] == fake_services.composio_api_key for r in app + sdk)
    assert all(not r.api_key_sent for r in fake_services.composio.files.presigned_requests)
