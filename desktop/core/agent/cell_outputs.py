"""The rich outputs of a code cell (the `results` of a workbench run, Jupyter display data):
images, text, JSON and markup, each checked and bounded before anything shows it; a text loses
its terminal escapes as a run's stdout does (`bounded_text`, the one rule for both).

One result item may hold one output in several forms (`{"text": "<Figure ...>", "png": ...}`,
`{"text": ..., "html": ...}`), as Jupyter's display data does; a cell shows the richest form it
can show safely: an image, else text, else JSON, else markup. HTML and SVG are never rendered:
they are kept as source text (`MarkupOutput`). Keys nobody knows are kept as text.

Images stay base64 text (as they came, and as they are stored and exported); `ImageOutput.data`
decodes them when they are drawn. Each is checked when it is read: valid base64, a real PNG or
JPEG, at most `MAX_IMAGE_BYTES` and `MAX_IMAGE_PIXELS` (read from its header, nothing decoded);
an image that fails becomes an `UnreadableOutput` with a sentence, never an exception. What
draws an image takes its bytes from `checked_image_data`, which checks them again: an image
from an imported file could claim any size.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Annotated, Literal

from pydantic import Field

from desktop.core.agent.lone_surrogates import clean_text
from desktop.core.agent.tool_calls import result_text, truncate_result
from desktop.core.inert import without_escapes

MAX_IMAGE_BYTES = 25 * 1024 * 1024
MAX_IMAGE_PIXELS = 20_000_000
MAX_RUN_IMAGE_BYTES = 50 * 1024 * 1024
"""The images of one run together; past it, further images are not kept."""
MAX_OUTPUTS = 32
"""Outputs kept per run; the rest are counted (`CodeRun.omitted_outputs`)."""

ImageFormat = Literal["png", "jpeg"]
_MAGIC: dict[ImageFormat, bytes] = {"png": b"\x89PNG\r\n\x1a\n", "jpeg": b"\xff\xd8\xff"}
_NAMES: dict[ImageFormat, str] = {"png": "PNG", "jpeg": "JPEG"}
_TEXT_KEYS = ("text", "markdown", "latex", "javascript")
_DATA_KEYS = ("json", "chart", "data")
_MARKUP_KEYS: tuple[Literal["html", "svg"], ...] = ("html", "svg")
_IMAGE_KEYS: tuple[ImageFormat, ...] = ("png", "jpeg")
_NOT_OUTPUTS = frozenset({"is_main_result", "extra", "type", "formats", "metadata", "pdf"})
_KNOWN = frozenset(_TEXT_KEYS + _DATA_KEYS + _MARKUP_KEYS + _IMAGE_KEYS) | _NOT_OUTPUTS


@dataclass(frozen=True, kw_only=True)
class TextOutput:
    """Plain text (a value's repr, Markdown or LaTeX source, an unknown key's value)."""

    text: str
    source: str = "text"  # the result key it came from
    kind: Literal["text"] = "text"


@dataclass(frozen=True, kw_only=True)
class JsonOutput:
    """JSON data, pretty-printed (and bounded) for reading."""

    text: str
    source: str = "json"
    kind: Literal["json"] = "json"


@dataclass(frozen=True, kw_only=True)
class MarkupOutput:
    """HTML or SVG, kept as its source text: never rendered."""

    text: str
    language: Literal["html", "svg"]
    kind: Literal["markup"] = "markup"


@dataclass(frozen=True, kw_only=True)
class ImageOutput:
    """A checked PNG or JPEG image, as base64 text; `data()` decodes it."""

    format: ImageFormat
    data_base64: str
    # Bounded here too: a record read back (an imported export) could claim any size, and a
    # width of 0 reached a layout that divides by it.
    width: Annotated[int, Field(ge=1, le=MAX_IMAGE_PIXELS)]
    height: Annotated[int, Field(ge=1, le=MAX_IMAGE_PIXELS)]
    byte_size: Annotated[int, Field(ge=0, le=MAX_IMAGE_BYTES)]
    kind: Literal["image"] = "image"

    def __post_init__(self) -> None:
        if self.width * self.height > MAX_IMAGE_PIXELS:
            raise ValueError(f"an image of {self.width}x{self.height} is over the pixels shown")

    def data(self) -> bytes:
        return base64.b64decode(self.data_base64)

    @property
    def mimetype(self) -> str:
        return f"image/{self.format}"

    @property
    def label(self) -> str:
        """What it is, for a face that does not draw it: "640x480 PNG"."""
        return f"{self.width}x{self.height} {_NAMES[self.format]}"

    @property
    def suffix(self) -> str:
        """The file name's ending for it: ".png", ".jpg"."""
        return ".png" if self.format == "png" else ".jpg"


@dataclass(frozen=True, kw_only=True)
class UnreadableOutput:
    """An output that cannot be shown, and the sentence that says why."""

    reason: str
    source: str
    kind: Literal["unreadable"] = "unreadable"


AnyOutput = TextOutput | JsonOutput | MarkupOutput | ImageOutput | UnreadableOutput
CellOutput = Annotated[AnyOutput, Field(discriminator="kind")]
"""One output, as the store and the export validate it (told apart by `kind`)."""


def bounded_text(text: str) -> str:
    """A text a run wrote (a stream, a result's text or source), as cells keep it on both
    faces: lone surrogates replaced, terminal escapes taken out (`inert.without_escapes`),
    bounded as tool results are."""
    return truncate_result(without_escapes(clean_text(text)))


def _image_size(fmt: ImageFormat, data: bytes) -> tuple[int, int] | None:
    """Width and height from the header (PNG's IHDR, JPEG's first frame marker)."""
    if fmt == "png":
        if len(data) < 24 or data[12:16] != b"IHDR":
            return None
        return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    position = 2
    while position + 9 <= len(data):
        if data[position] != 0xFF:
            return None
        marker = data[position + 1]
        if marker == 0xFF:  # fill byte
            position += 1
            continue
        if marker in (0x01, 0xD8) or 0xD0 <= marker <= 0xD7:  # markers without a length
            position += 2
            continue
        if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):  # a start of frame
            height = int.from_bytes(data[position + 5 : position + 7], "big")
            width = int.from_bytes(data[position + 7 : position + 9], "big")
            return width, height
        position += 2 + int.from_bytes(data[position + 2 : position + 4], "big")
    return None


def _too_large(key: ImageFormat, size: int) -> UnreadableOutput:
    return UnreadableOutput(
        reason=f"The {_NAMES[key]} image is {size / (1024 * 1024):.1f} MB: images over "
        f"{MAX_IMAGE_BYTES // (1024 * 1024)} MB are not shown.",
        source=key,
    )


def _checked(key: ImageFormat, value: object) -> tuple[ImageOutput, bytes] | UnreadableOutput:
    """The image and its bytes, or the reason it cannot be shown (see `read_image`)."""
    name = _NAMES[key]

    def unreadable(why: str) -> UnreadableOutput:
        return UnreadableOutput(reason=f"The {name} image could not be read: {why}.", source=key)

    if not isinstance(value, str):
        return unreadable("it is not base64 text")
    text = value.partition(",")[2] if value.startswith("data:") else value
    # Base64 holds 3 bytes in 4 characters; line breaks may add a few more characters.
    if len(text) * 3 // 4 > 2 * MAX_IMAGE_BYTES:
        return _too_large(key, len(text) * 3 // 4)
    text = "".join(text.split())
    if len(text) * 3 // 4 > MAX_IMAGE_BYTES:
        return _too_large(key, len(text) * 3 // 4)
    try:
        data = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        return unreadable("its data is not valid base64")
    fmt = next((f for f, magic in _MAGIC.items() if data.startswith(magic)), None)
    if fmt is None:
        return unreadable("its data is not a PNG or JPEG image")
    size = _image_size(fmt, data)
    if size is None or 0 in size:
        return unreadable("its size cannot be found in it")
    width, height = size
    if width * height > MAX_IMAGE_PIXELS:
        return UnreadableOutput(
            reason=f"The {name} image is {width:,} by {height:,} pixels "
            f"({width * height / 1e6:.1f} megapixels): images over "
            f"{MAX_IMAGE_PIXELS // 1_000_000} megapixels are not shown.",
            source=key,
        )
    image = ImageOutput(
        format=fmt, data_base64=text, width=width, height=height, byte_size=len(data)
    )
    return image, data


def read_image(key: ImageFormat, value: object) -> ImageOutput | UnreadableOutput:
    """A `png`/`jpeg` result's base64 text checked (a `data:` URL prefix and line breaks are
    allowed), or the reason it cannot be shown."""
    checked = _checked(key, value)
    return checked if isinstance(checked, UnreadableOutput) else checked[0]


def checked_image_data(image: ImageOutput) -> bytes | UnreadableOutput:
    """The bytes to draw an image from, checked again as `read_image` checks a result (the
    record may come from an imported file, whose sizes are its own word), or the reason it
    cannot be drawn. Decodes: call it off the UI thread."""
    checked = _checked(image.format, image.data_base64)
    if isinstance(checked, UnreadableOutput):
        return checked
    found, data = checked
    if (found.width, found.height, found.format) != (image.width, image.height, image.format):
        return UnreadableOutput(
            reason=f"The {_NAMES[image.format]} image could not be read: it is not the image "
            "its record describes.",
            source=image.format,
        )
    return data


def _as_text(value: object) -> str:
    return bounded_text(value) if isinstance(value, str) else result_text(value)


def outputs_of_item(item: object) -> list[AnyOutput]:
    """What one result item shows: its richest safe form, and every key nobody knows."""
    if isinstance(item, str):
        return [TextOutput(text=bounded_text(item))]
    if not isinstance(item, Mapping):
        return [JsonOutput(text=result_text(item), source="result")]
    shown: list[AnyOutput] = []
    image_key = next((k for k in _IMAGE_KEYS if item.get(k) is not None), None)
    text_key = next((k for k in _TEXT_KEYS if isinstance(item.get(k), str)), None)
    data_key = next((k for k in _DATA_KEYS if item.get(k) is not None), None)
    markup_key = next((k for k in _MARKUP_KEYS if isinstance(item.get(k), str)), None)
    if image_key is not None:
        shown.append(read_image(image_key, item[image_key]))
    elif text_key is not None:
        shown.append(TextOutput(text=bounded_text(item[text_key]), source=text_key))
    elif data_key is not None:
        shown.append(JsonOutput(text=_as_text(item[data_key]), source=data_key))
    elif markup_key is not None:
        shown.append(MarkupOutput(text=bounded_text(item[markup_key]), language=markup_key))
    elif item.get("pdf") is not None:
        shown.append(UnreadableOutput(reason="A PDF output is not shown here.", source="pdf"))
    for key, value in item.items():
        if str(key) not in _KNOWN and value is not None:
            shown.append(TextOutput(text=_as_text(value), source=clean_text(str(key))[:100]))
    return shown


def outputs_of(results: object) -> tuple[tuple[CellOutput, ...], int]:
    """The outputs of a run's `results` (a list of items, or one item), and how many more were
    left out past MAX_OUTPUTS or the images' budget."""
    items = results if isinstance(results, list) else [] if results is None else [results]
    outputs: list[CellOutput] = []
    omitted = 0
    image_bytes = 0
    for item in items:
        for output in outputs_of_item(item):
            if len(outputs) >= MAX_OUTPUTS:
                omitted += 1
                continue
            if isinstance(output, ImageOutput):
                image_bytes += output.byte_size
                if image_bytes > MAX_RUN_IMAGE_BYTES:
                    output = UnreadableOutput(
                        reason="This image was not kept: the run's images together are over "
                        f"{MAX_RUN_IMAGE_BYTES // (1024 * 1024)} MB.",
                        source=output.format,
                    )
            outputs.append(output)
    return tuple(outputs), omitted
