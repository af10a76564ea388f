"""The fake workbench and bash tool behave like Composio's for the app's purposes: a Jupyter-like
kernel per session and real shell commands, sharing the session's files mount; the app reads
what they answer as code cells."""

from __future__ import annotations

import asyncio
import base64
import json
import os
import struct
import zlib
from typing import Any

import pytest
from pydantic_ai.mcp import MCPToolset

from desktop.core.agent.cell_outputs import ImageOutput
from desktop.core.agent.code_runs import read_code_run
from tests.fakes.harness import FakeServices
from tests.integration.mount_helpers import sdk_session

TIMEOUT = 20
SALES = "region,month,revenue\nNorth,Jan,100\nSouth,Jan,80\nNorth,Feb,120\nSouth,Feb,95\n"


def _calls(fs: FakeServices, session: Any, calls: list[tuple[str, dict[str, Any]]]) -> list[Any]:
    """Each tool call's `{"data", "error", "successful"}` payload, over the session's MCP."""

    async def main() -> list[Any]:
        headers = {k: v for k, v in session.mcp.headers.items() if v is not None}
        toolset: MCPToolset[None] = MCPToolset(
            session.mcp.url, headers=headers, init_timeout=TIMEOUT, read_timeout=TIMEOUT
        )
        out = []
        async with toolset:
            for name, args in calls:
                result = await toolset.client.call_tool(name, args)
                out.append(json.loads(result.content[0].text))  # type: ignore[union-attr]
        return out

    return asyncio.run(main())


def _cells(fs: FakeServices, session: Any, *cells: str) -> list[Any]:
    return _calls(
        fs, session, [("COMPOSIO_REMOTE_WORKBENCH", {"code_to_execute": c}) for c in cells]
    )


def _png_size_and_colours(data: bytes) -> tuple[int, int, int]:
    """(width, height, distinct colours) of an 8-bit RGB PNG, read by hand."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    idat, position = b"", 8
    while position < len(data):
        (length,) = struct.unpack(">I", data[position : position + 4])
        if data[position + 4 : position + 8] == b"IDAT":
            idat += data[position + 8 : position + 8 + length]
        position += 12 + length
    raw = zlib.decompress(idat)
    assert len(raw) == height * (1 + 3 * width)
    pixels = {raw[i : i + 3] for i in range(1, len(raw), 3 * 97)}  # a sample is enough
    return width, height, len(pixels)


def test_the_workbench_keeps_state_and_answers_like_a_kernel(fake_services: FakeServices) -> None:
    session = sdk_session(fake_services)
    first, second, failed = _cells(
        fake_services,
        session,
        "x = 41\nprint('hi')",
        "import sys\nprint('careful', file=sys.stderr)\nx + 1",
        "print('before')\n1 / 0",
    )
    assert first == {
        "data": {"stdout": "hi\n", "stderr": "", "results": [], "error": None},
        "error": None,
        "successful": True,
    }
    assert second["data"]["results"] == [{"text": "42"}]
    assert second["data"]["stderr"] == "careful\n"
    data = failed["data"]
    assert data["stdout"] == "before\n"  # what was printed before the exception
    assert data["error"]["name"] == "ZeroDivisionError"
    assert data["error"]["value"] == "division by zero"
    assert "line 2" in data["error"]["traceback"] and "1 / 0" in data["error"]["traceback"]
    assert failed["successful"] is False
    assert failed["error"] == "ZeroDivisionError: division by zero"


def test_pandas_reads_the_mount_and_a_chart_is_a_png(fake_services: FakeServices) -> None:
    session = sdk_session(fake_services)
    fake_services.composio.files.put_file(session.session_id, "sales.csv", SALES.encode())
    code = (
        "import pandas as pd\nimport matplotlib.pyplot as plt\n"
        "df = pd.read_csv('/mnt/files/sales.csv')\nprint(df.describe())\n"
        "totals = df.groupby('region')['revenue'].sum()\nprint(totals)\n"
        "plt.bar(totals.index, totals.values)\nplt.title('Revenue by region')\n"
        "plt.savefig('/mnt/files/chart.png')\nplt.show()"
    )
    (answer,) = _cells(fake_services, session, code)
    data = answer["data"]
    assert data["error"] is None, data["error"]
    assert "mean    98.750000" in data["stdout"]  # (100 + 80 + 120 + 95) / 4
    assert "North  220" in data["stdout"] and "South  175" in data["stdout"]
    (chart,) = data["results"]
    assert chart["text"] == "<Figure size 640x480 with 1 Axes>"
    assert chart["chart"]["title"] == "Revenue by region"
    width, height, colours = _png_size_and_colours(base64.b64decode(chart["png"]))
    assert (width, height) == (640, 480) and colours >= 3  # white, axes, bars
    saved = fake_services.composio.files.files(session.session_id)["chart.png"]
    assert _png_size_and_colours(saved)[:2] == (640, 480)
    assert str(fake_services.composio.sandboxes.get(session.session_id).mount) not in code


def test_a_cell_past_its_timeout_is_interrupted_and_the_state_stays(
    fake_services: FakeServices,
) -> None:
    session = sdk_session(fake_services)
    _cells(fake_services, session, "y = 7")  # the kernel starts under the usual limit
    fake_services.composio.sandboxes.limits.cell_timeout = 0.5
    stuck, after = _cells(fake_services, session, "print('working')\nwhile True:\n    pass", "y")
    assert stuck["data"]["error"]["name"] == "TimeoutError"
    assert stuck["data"]["stdout"] == "working\n"
    assert after["data"]["results"] == [{"text": "7"}]


def test_a_kernel_that_dies_restarts_without_its_state(fake_services: FakeServices) -> None:
    session = sdk_session(fake_services)
    _, died, after, isolated = _cells(
        fake_services,
        session,
        "z = 1",
        "import os\nos._exit(3)",
        "print(globals().get('z'))",
        "import importlib.util\nimportlib.util.find_spec('harness') is None",
    )
    assert died["data"]["error"]["name"] == "DeadKernelError"
    assert "exit status 3" in died["data"]["error"]["value"]
    assert after["data"]["stdout"] == "None\n"
    assert isolated["data"]["results"] == [{"text": "True"}]  # the fakes' modules are not there
    assert fake_services.composio.sandboxes.get(session.session_id).kernel.started == 2


def test_bash_runs_real_commands_in_its_home(fake_services: FakeServices) -> None:
    session = sdk_session(fake_services)
    fake_services.composio.files.put_file(session.session_id, "notes.txt", b"n")
    email = "node -e \"console.log(/^[^@\\s]+@[^@\\s]+$/.test('a@b') ? 'valid' : 'invalid')\""
    listing, failing, node = _calls(
        fake_services,
        session,
        [
            ("COMPOSIO_REMOTE_BASH_TOOL", {"command": "pwd; ls /mnt/files"}),
            ("COMPOSIO_REMOTE_BASH_TOOL", {"command": "echo out; echo oops >&2; exit 3"}),
            ("COMPOSIO_REMOTE_BASH_TOOL", {"command": email}),
        ],
    )
    # Only the command meant to time out runs under a short limit: a busy machine may take
    # over a second to start node.
    fake_services.composio.sandboxes.limits.bash_timeout = 1.0
    (slow,) = _calls(
        fake_services,
        session,
        [("COMPOSIO_REMOTE_BASH_TOOL", {"command": "echo started; sleep 30"})],
    )
    assert listing == {
        "data": {
            "stdout": "/home/user\nnotes.txt\n",
            "stdoutLines": 2,
            "stderr": "",
            "stderrLines": 0,
        },
        "error": None,
        "successful": True,
    }
    assert failing["data"]["stdout"] == "out\n" and failing["data"]["stderr"] == "oops\n"
    assert (failing["successful"], failing["error"]) == (False, "Command failed with exit code 3")
    assert node["data"]["stdout"] == "valid\n"
    assert slow["error"] == "Command timed out after 1 seconds"
    assert slow["data"]["stdout"] == "started\n"


def test_long_bash_output_is_cut_with_the_whole_of_it_in_a_file(
    fake_services: FakeServices,
) -> None:
    fake_services.composio.sandboxes.limits.bash_output_chars = 100
    session = sdk_session(fake_services)
    (answer,) = _calls(
        fake_services, session, [("COMPOSIO_REMOTE_BASH_TOOL", {"command": "seq 1 1000"})]
    )
    data = answer["data"]
    assert len(data["stdout"]) == 100 and data["stdoutLines"] == 1000
    assert data["stdout_file_path"].startswith("/home/user/")
    (check,) = _calls(
        fake_services,
        session,
        [("COMPOSIO_REMOTE_BASH_TOOL", {"command": f"tail -n 1 {data['stdout_file_path']}"})],
    )
    assert check["data"]["stdout"] == "1000\n"


def test_kernels_end_with_a_reset_and_with_the_fake() -> None:
    with FakeServices() as services:
        session = sdk_session(services)
        _cells(services, session, "1")
        kernel = services.composio.sandboxes.get(session.session_id).kernel
        pid = kernel.pid
        assert pid is not None
        services.reset()
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)
        session = sdk_session(services)
        _cells(services, session, "1")
        sandbox = services.composio.sandboxes.get(session.session_id)
        pid = sandbox.kernel.pid
        assert pid is not None
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)
    assert not sandbox.root.parent.exists()  # the fake's directories went with it


def test_the_app_reads_the_fake_s_runs_as_cells(fake_services: FakeServices) -> None:
    """What the fakes answer is what `read_code_run` expects: a chart is an image, an exception
    a cell error after its output, a failed command an exit status."""
    session = sdk_session(fake_services)
    chart = "import matplotlib.pyplot as plt\nplt.plot([1, 3, 2])\nplt.title('t')"
    calls = [
        ("COMPOSIO_REMOTE_WORKBENCH", {"code_to_execute": chart}),
        ("COMPOSIO_REMOTE_WORKBENCH", {"code_to_execute": "print('a')\nraise KeyError('k')"}),
        ("COMPOSIO_REMOTE_BASH_TOOL", {"command": "echo x; exit 4"}),
    ]
    answers = _calls(fake_services, session, calls)
    runs = [read_code_run(name, args, a) for (name, args), a in zip(calls, answers, strict=True)]
    drawn, raised, exited = runs
    assert drawn is not None and drawn.succeeded
    (image,) = drawn.outputs
    assert isinstance(image, ImageOutput) and (image.width, image.height) == (640, 480)
    assert raised is not None and raised.stdout == "a\n"
    assert raised.error is not None and raised.error.name == "KeyError"
    assert raised.status_text == "KeyError: 'k'"
    assert exited is not None and exited.exit_code == 4 and exited.stdout == "x\n"
