"""Reading workbench and bash calls into `CodeRun`s: every result key, broken images, huge
outputs, missing fields, and the JSON the store keeps."""

from __future__ import annotations

import base64
import dataclasses
import json
import struct
import zlib
from typing import Any

import pytest

from desktop.core.agent.cell_outputs import (
    MAX_IMAGE_BYTES,
    MAX_OUTPUTS,
    ImageOutput,
    JsonOutput,
    MarkupOutput,
    TextOutput,
    UnreadableOutput,
    checked_image_data,
    read_image,
)
from desktop.core.agent.code_runs import (
    CellError,
    CodeRun,
    bounded_run,
    code_of,
    code_run_adapter,
    read_code_run,
    running_cell,
)
from desktop.core.agent.tool_calls import RESULT_TEXT_LIMIT, TRUNCATION_MARK
from desktop.core.router.types import WHERE_CODE_RUNS

WORKBENCH = "COMPOSIO_REMOTE_WORKBENCH"
BASH = "COMPOSIO_REMOTE_BASH_TOOL"
CODE = {"code_to_execute": "print('hi')"}


def png(width: int = 4, height: int = 3) -> bytes:
    """A real (tiny) RGB PNG."""

    def chunk(tag: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(tag + data) & 0xFFFFFFFF
        return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", crc)

    rows = b"".join(b"\x00" + b"\xff\x00\x00" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


def jpeg_header(width: int, height: int) -> bytes:
    """The start of a baseline JPEG: SOI, an APP0 segment, then the frame (SOF0) marker."""
    app0 = b"\xff\xe0" + struct.pack(">H", 16) + b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
    sof0 = b"\xff\xc0" + struct.pack(">HBHHB", 17, 8, height, width, 3) + bytes(9)
    return b"\xff\xd8" + app0 + sof0 + b"\xff\xd9"


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def workbench(data: dict[str, Any], *, error: str | None = None) -> str:
    return json.dumps({"data": data, "error": error, "successful": error is None})


def outputs(*items: object) -> tuple[object, ...]:
    run = read_code_run(WORKBENCH, CODE, workbench({"results": list(items)}))
    assert run is not None
    return run.outputs


def test_a_workbench_run_reads_as_a_cell() -> None:
    run = read_code_run(
        WORKBENCH,
        CODE,
        workbench({"stdout": "hi\n", "stderr": "careful\n", "results": [{"text": "42"}]}),
    )
    assert run == CodeRun(
        language="python",
        code="print('hi')",
        stdout="hi\n",
        stderr="careful\n",
        outputs=(TextOutput(text="42"),),
    )
    assert run.where == WHERE_CODE_RUNS == "Composio workbench for this chat"
    assert run.succeeded and run.status_text == "Finished"


def test_an_exception_keeps_what_was_printed_before_it() -> None:
    trace = ["\x1b[0;31mTraceback\x1b[0m (most recent call last):", '  File "<cell>", line 2']
    data = {
        "stdout": "before\n",
        "error": {"name": "ZeroDivisionError", "value": "division by zero", "traceback": trace},
    }
    run = read_code_run(
        WORKBENCH, CODE, workbench(data, error="ZeroDivisionError: division by zero")
    )
    assert run is not None
    assert run.stdout == "before\n"
    assert run.error == CellError(
        name="ZeroDivisionError",
        value="division by zero",
        traceback='Traceback (most recent call last):\n  File "<cell>", line 2',
    )
    assert run.failure == ""  # the envelope only repeated the cell's error
    assert not run.succeeded and run.status_text == "ZeroDivisionError: division by zero"
    plain = read_code_run(WORKBENCH, CODE, workbench({"error": "kernel restarted"}))
    assert plain is not None and plain.error == CellError(name="Error", value="kernel restarted")


def test_a_bash_run_reads_its_lines_exit_status_and_kept_outputs() -> None:
    data = {
        "stdout": "out\n",
        "stdoutLines": 1000,
        "stderr": "\x1b[31moops\x1b[0m\n",
        "stderrLines": 1,
        "stdout_file_path": "/home/user/.out/stdout-1.txt",
    }
    content = json.dumps(
        {"data": data, "error": "Command failed with exit code 3", "successful": False}
    )
    run = read_code_run(BASH, {"command": "make test"}, content)
    assert run is not None
    assert (run.language, run.code, run.where) == ("bash", "make test", WHERE_CODE_RUNS)
    assert (run.stdout, run.stderr) == ("out\n", "oops\n")
    assert (run.stdout_lines, run.stderr_lines) == (1000, 1)
    assert run.full_output_paths == ("/home/user/.out/stdout-1.txt",)
    assert run.exit_code == 3 and run.status_text == "Exit status 3"
    assert run.failure == "Command failed with exit code 3"
    explicit = read_code_run(BASH, {"command": "false"}, {"data": {"exit_code": 1}})
    assert explicit is not None and explicit.exit_code == 1 and not explicit.succeeded
    timed_out = read_code_run(
        BASH,
        {"command": "sleep 999"},
        {"data": {}, "error": "Command timed out after 180 seconds", "successful": False},
    )
    assert timed_out is not None and timed_out.exit_code is None
    assert timed_out.status_text == "Command timed out after 180 seconds"


def test_every_result_key() -> None:
    picture = png()
    assert outputs(
        {"text": "42"},
        {"markdown": "# Title"},
        {"latex": "$x^2$"},
        {"javascript": "alert(1)"},
        {"json": {"a": [1, 2]}},
        {"chart": {"type": "bar", "elements": []}},
        {"data": {"rows": 3}},
        {"html": "<b>bold</b><script>x()</script>"},
        {"svg": "<svg onload='x()'/>"},
        {"png": b64(picture)},
        {"jpeg": b64(jpeg_header(800, 600))},
        {"pdf": "JVBERi0x"},
        {"text": "<Figure size 640x480 with 1 Axes>", "png": b64(picture), "chart": {}},
        {"text": "   a  b", "html": "<table/>", "is_main_result": True, "extra": {}},
        {"text": "x", "widget_state": {"id": 1}},
        "plain string item",
        [1, 2],
    ) == (
        TextOutput(text="42"),
        TextOutput(text="# Title", source="markdown"),
        TextOutput(text="$x^2$", source="latex"),
        TextOutput(text="alert(1)", source="javascript"),
        JsonOutput(text='{\n  "a": [\n    1,\n    2\n  ]\n}'),
        JsonOutput(text='{\n  "type": "bar",\n  "elements": []\n}', source="chart"),
        JsonOutput(text='{\n  "rows": 3\n}', source="data"),
        MarkupOutput(text="<b>bold</b><script>x()</script>", language="html"),
        MarkupOutput(text="<svg onload='x()'/>", language="svg"),
        ImageOutput(
            format="png", data_base64=b64(picture), width=4, height=3, byte_size=len(picture)
        ),
        ImageOutput(
            format="jpeg",
            data_base64=b64(jpeg_header(800, 600)),
            width=800,
            height=600,
            byte_size=len(jpeg_header(800, 600)),
        ),
        UnreadableOutput(reason="A PDF output is not shown here.", source="pdf"),
        ImageOutput(
            format="png", data_base64=b64(picture), width=4, height=3, byte_size=len(picture)
        ),
        TextOutput(text="   a  b"),
        TextOutput(text="x"),
        TextOutput(text='{\n  "id": 1\n}', source="widget_state"),
        TextOutput(text="plain string item"),
        JsonOutput(text="[\n  1,\n  2\n]", source="result"),
    )


def test_an_image_decodes_lazily_and_accepts_a_data_url_with_line_breaks() -> None:
    picture = png(2, 2)
    encoded = b64(picture)
    wrapped = "data:image/png;base64," + "\n".join(
        encoded[i : i + 20] for i in range(0, len(encoded), 20)
    )
    (image,) = outputs({"png": wrapped})
    assert isinstance(image, ImageOutput)
    assert image.data() == picture and image.mimetype == "image/png"
    assert image.data_base64 == encoded


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("not base64 at all!", "The PNG image could not be read: its data is not valid base64."),
        ("iVBORw0KGgo", "The PNG image could not be read: its data is not valid base64."),
        (
            b64(b"GIF89a" + bytes(20)),
            "The PNG image could not be read: its data is not a PNG or JPEG image.",
        ),
        (
            b64(b"\x89PNG\r\n\x1a\n" + bytes(4)),
            "The PNG image could not be read: its size cannot be found in it.",
        ),
        (12345, "The PNG image could not be read: it is not base64 text."),
        (
            b64(png(5000, 5000)),
            "The PNG image is 5,000 by 5,000 pixels (25.0 megapixels): images over 20 "
            "megapixels are not shown.",
        ),
    ],
)
def test_a_broken_image_is_a_sentence_not_an_exception(value: object, reason: str) -> None:
    assert outputs({"png": value}) == (UnreadableOutput(reason=reason, source="png"),)


def test_an_image_over_25_mb_is_refused_undecoded() -> None:
    huge = "A" * ((MAX_IMAGE_BYTES // 3 + 10) * 4)
    (refused,) = outputs({"jpeg": huge})
    assert refused == UnreadableOutput(
        reason="The JPEG image is 25.0 MB: images over 25 MB are not shown.", source="jpeg"
    )


def test_huge_outputs_are_bounded_as_tool_results_are() -> None:
    data = {
        "stdout": "x" * 1_000_000,
        "stderr": "e" * 200_000,
        "error": {"name": "E", "value": "v" * 100_000, "traceback": "t" * 100_000},
        "results": [{"text": "r" * 100_000}] * (MAX_OUTPUTS + 5),
    }
    run = read_code_run(WORKBENCH, {"code_to_execute": "c" * 100_000}, workbench(data))
    assert run is not None
    for text in (run.stdout, run.stderr, run.code, run.error and run.error.value):
        assert isinstance(text, str) and len(text) == RESULT_TEXT_LIMIT
        assert text.endswith(TRUNCATION_MARK)
    assert len(run.outputs) == MAX_OUTPUTS and run.omitted_outputs == 5


def test_a_run_s_images_together_have_a_budget() -> None:
    picture = b64(png(1000, 1000) + bytes(20 * 1024 * 1024))  # 20 MiB of image data each
    kept = outputs({"png": picture}, {"png": picture}, {"png": picture})
    assert [type(o).__name__ for o in kept] == ["ImageOutput", "ImageOutput", "UnreadableOutput"]
    assert "the run's images together are over 50 MB" in kept[2].reason  # type: ignore[union-attr]


@pytest.mark.parametrize(
    "content",
    [None, "", "not json", "[1, 2]", {}, {"data": None}, {"data": "text"}, {"stdout": None}],
)
def test_missing_or_odd_fields_make_an_empty_run(content: object) -> None:
    run = read_code_run(WORKBENCH, {}, content)
    assert run is not None
    assert (run.code, run.stdout, run.stderr, run.outputs, run.error) == ("", "", "", (), None)


def test_a_result_that_is_not_json_is_the_tool_s_failure() -> None:
    run = read_code_run(WORKBENCH, CODE, "sandbox crashed")
    assert run is not None and run.failure == "sandbox crashed" and not run.succeeded
    unnamed = read_code_run(WORKBENCH, CODE, {"data": {}, "successful": False})
    assert unnamed is not None and "without saying why" in unnamed.failure


def test_streams_given_as_lists_numbers_and_lone_surrogates() -> None:
    run = read_code_run(WORKBENCH, CODE, {"data": {"stdout": ["a\n", "b\n"], "stderr": "\ud83d!"}})
    assert run is not None and run.stdout == "a\nb\n" and run.stderr == "\ufffd!"
    odd = read_code_run(WORKBENCH, CODE, {"stdout": 5})  # no envelope; kept as text
    assert odd is not None and odd.stdout == "5"


def test_only_the_two_code_tools_are_runs() -> None:
    assert read_code_run("COMPOSIO_MULTI_EXECUTE_TOOL", {}, "{}") is None
    assert code_of("E2B_CREATE_SANDBOX", {}) is None
    assert code_of(BASH, {"command": "ls"}) == ("bash", "ls")
    assert code_of(WORKBENCH, {"code_to_execute": 5}) == ("python", "")


def test_a_run_round_trips_through_its_json() -> None:
    picture = png()
    data = {
        "stdout": "hi\n",
        "error": {"name": "E", "value": "v", "traceback": "t"},
        "results": [{"png": b64(picture)}, {"html": "<i>x</i>"}, {"json": [1]}, {"png": "bad"}],
    }
    run = read_code_run(WORKBENCH, CODE, workbench(data))
    assert run is not None
    adapter = code_run_adapter()
    again = adapter.validate_json(adapter.dump_json(run))
    assert again == run
    image = again.outputs[0]
    assert isinstance(image, ImageOutput) and image.data() == picture


def test_an_image_is_checked_again_before_it_is_drawn() -> None:
    image = read_image("png", b64(png(6, 4)))
    assert isinstance(image, ImageOutput)
    assert (image.label, image.suffix) == ("6x4 PNG", ".png")
    assert checked_image_data(image) == png(6, 4)
    # A record that lies about its image (an imported file) is not drawn.
    lying = dataclasses.replace(image, width=1, height=1)
    refused = checked_image_data(lying)
    assert isinstance(refused, UnreadableOutput) and "not the image its record" in refused.reason
    # Only a header: the size is read from it, nothing is decoded.
    header = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + struct.pack(">II", 5000, 5000)
    swapped = dataclasses.replace(image, data_base64=b64(header + bytes(5)))
    too_big = checked_image_data(swapped)
    assert isinstance(too_big, UnreadableOutput) and "25.0 megapixels" in too_big.reason


def test_a_running_cell_has_its_code_and_nothing_else() -> None:
    assert running_cell(WORKBENCH, CODE) == CodeRun(language="python", code="print('hi')")
    assert running_cell(BASH, {"command": "ls"}) == CodeRun(language="bash", code="ls")
    assert running_cell("E2B_LIST_ALL_SANDBOXES", {}) is None


def test_a_run_is_bounded_again_and_left_alone_within_the_bounds() -> None:
    run = CodeRun(language="python", code="x", outputs=(TextOutput(text="t"),))
    assert bounded_run(run) is run
    long = "z" * (RESULT_TEXT_LIMIT + 10)
    bounded = bounded_run(dataclasses.replace(run, stdout=long, outputs=(JsonOutput(text=long),)))
    assert bounded.stdout.endswith(TRUNCATION_MARK)
    (output,) = bounded.outputs
    assert isinstance(output, JsonOutput) and len(output.text) == RESULT_TEXT_LIMIT
