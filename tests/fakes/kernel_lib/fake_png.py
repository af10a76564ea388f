"""A tiny RGB canvas written out as a real PNG with zlib: the fake workbench's charts.

Pure Python and standard library only: the fake kernel has no PIL, numpy or matplotlib. Rows are
filled with slice assignment, so a 2000 x 2000 chart (4 megapixels) takes a fraction of a second.
"""

from __future__ import annotations

import struct
import zlib

Color = tuple[int, int, int]

WHITE: Color = (255, 255, 255)
BLACK: Color = (0, 0, 0)
GREY: Color = (200, 200, 200)
PALETTE: tuple[Color, ...] = (
    (31, 119, 180),
    (255, 127, 14),
    (44, 160, 44),
    (214, 39, 40),
    (148, 103, 189),
    (140, 86, 75),
)
NAMED: dict[str, Color] = {
    "blue": PALETTE[0],
    "orange": PALETTE[1],
    "green": PALETTE[2],
    "red": PALETTE[3],
    "purple": PALETTE[4],
    "brown": PALETTE[5],
    "black": BLACK,
    "grey": GREY,
    "gray": GREY,
}


def color_of(value: object, index: int) -> Color:
    """A colour named as matplotlib names some ("red", "#ff0000", "C1"), else the palette's."""
    if isinstance(value, str):
        if value in NAMED:
            return NAMED[value]
        if value.startswith("#") and len(value) == 7:
            return (int(value[1:3], 16), int(value[3:5], 16), int(value[5:7], 16))
        if value[:1] == "C" and value[1:].isdigit():
            return PALETTE[int(value[1:]) % len(PALETTE)]
    return PALETTE[index % len(PALETTE)]


class Canvas:
    """`width` x `height` pixels, white, with (0, 0) at the top left."""

    def __init__(self, width: int, height: int) -> None:
        self.width = max(1, int(width))
        self.height = max(1, int(height))
        self._pixels = bytearray(bytes(WHITE) * (self.width * self.height))

    def rect(self, x0: float, y0: float, x1: float, y1: float, color: Color) -> None:
        """Fill the rectangle between the two corners (clipped to the canvas)."""
        left, right = sorted((int(x0), int(x1)))
        top, bottom = sorted((int(y0), int(y1)))
        left, right = max(0, left), min(self.width, max(right, left + 1))
        top, bottom = max(0, top), min(self.height, max(bottom, top + 1))
        if left >= right or top >= bottom:
            return
        row = bytes(color) * (right - left)
        for y in range(top, bottom):
            start = (y * self.width + left) * 3
            self._pixels[start : start + len(row)] = row

    def line(
        self, x0: float, y0: float, x1: float, y1: float, color: Color, width: int = 2
    ) -> None:
        """A straight line `width` pixels thick."""
        steps = max(abs(int(x1) - int(x0)), abs(int(y1) - int(y0)), 1)
        for step in range(steps + 1):
            x = x0 + (x1 - x0) * step / steps
            y = y0 + (y1 - y0) * step / steps
            self.rect(x - width / 2, y - width / 2, x + width / 2, y + width / 2, color)

    def png(self) -> bytes:
        """The canvas as PNG bytes (8-bit RGB, no interlace)."""
        stride = self.width * 3
        raw = b"".join(
            b"\x00" + bytes(self._pixels[y * stride : (y + 1) * stride]) for y in range(self.height)
        )
        header = struct.pack(">IIBBBBB", self.width, self.height, 8, 2, 0, 0, 0)
        return (
            b"\x89PNG\r\n\x1a\n"
            + _chunk(b"IHDR", header)
            + _chunk(b"IDAT", zlib.compress(raw, 6))
            + _chunk(b"IEND", b"")
        )


def _chunk(tag: bytes, data: bytes) -> bytes:
    crc = zlib.crc32(tag + data) & 0xFFFFFFFF
    return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", crc)
