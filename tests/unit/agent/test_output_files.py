"""The files each code run left: runs the model calls at once are credited their own files."""

from __future__ import annotations

import asyncio
from typing import Any

from desktop.core.agent.output_files import OutputFiles
from desktop.core.router.files_mount import MountItem


class _Mount:
    """A files mount whose listing is what the runs have written so far."""

    def __init__(self) -> None:
        self.files: dict[str, int] = {}

    async def list(self, prefix: str = "", **_: Any) -> tuple[MountItem, ...]:
        await asyncio.sleep(0)
        return tuple(MountItem(mount_relative_path=p, size=s) for p, s in self.files.items())


def test_two_runs_at_once_each_get_only_the_file_it_wrote() -> None:
    mount = _Mount()

    async def source() -> _Mount:
        return mount

    files = OutputFiles(source)  # type: ignore[arg-type]

    def run(name: str) -> Any:
        async def write() -> str:
            await asyncio.sleep(0.01)
            mount.files[name] = 10
            await asyncio.sleep(0.01)
            return name

        return write

    async def both() -> None:
        await asyncio.gather(files.around("a", run("a.csv")), files.around("b", run("b.csv")))

    asyncio.run(both())
    assert [f.name for f in files.take("a")[0]] == ["a.csv"]
    assert [f.name for f in files.take("b")[0]] == ["b.csv"]
