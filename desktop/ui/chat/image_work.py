"""The work behind a cell's images, off the UI thread: decoding and scaling, and saving a copy.

Each job runs on a `QThreadPool` (the application's, unless one is given) and hands its answer
back to the UI thread through a small signals object made on the UI thread, so nothing on the
worker touches a widget: a widget deleted meanwhile simply hears nothing (Qt drops the queued
call). Decoding checks the bytes again first (`cell_outputs.checked_image_data`: an image over
20 megapixels or 25 MB, or one its record lies about, is refused with a sentence, not decoded)
and hands back a `QImage` (safe off the UI thread, unlike a `QPixmap`) no wider than asked.
"""

from __future__ import annotations

import base64
import logging
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QObject, QSize, QThreadPool, Signal
from PySide6.QtGui import QImage, QImageReader

from desktop.core.agent.cell_outputs import ImageOutput, UnreadableOutput, checked_image_data
from desktop.core.files import write_bytes_atomically

log = logging.getLogger(__name__)


def decode_scaled(image: ImageOutput, width: int) -> QImage | str:
    """The image decoded, scaled down (smoothly) to at most `width` pixels wide (0: its own
    size); or the sentence why it cannot be shown. Blocks: run it on a worker."""
    data = checked_image_data(image)
    if isinstance(data, UnreadableOutput):
        return data.reason
    # QImageReader, not QImage.fromData: PySide holds the interpreter's lock through the
    # latter, which would stall the UI thread for as long as a big image takes to decode.
    buffer = QBuffer()
    buffer.setData(QByteArray(data))
    buffer.open(QIODevice.OpenModeFlag.ReadOnly)
    reader = QImageReader(buffer)  # its format read from its bytes, checked above
    if 0 < width < image.width:  # decoded straight to that size, smoothly
        reader.setScaledSize(QSize(width, max(1, round(image.height * width / image.width))))
    decoded = reader.read()
    if decoded.isNull():
        return f"The {image.label} image could not be decoded."
    return decoded


class JobSignals(QObject):
    """A job's answer, delivered on the thread this was made on (the UI's)."""

    decoded = Signal(object)  # QImage
    done = Signal(str)  # a sentence: what was saved where
    failed = Signal(str)  # a sentence: why not


def _start(work: Callable[[], None], pool: QThreadPool | None) -> None:
    (pool or QThreadPool.globalInstance()).start(work)


def start_decode(
    image: ImageOutput, width: int, signals: JobSignals, pool: QThreadPool | None = None
) -> None:
    """Decode `image` at most `width` wide on a worker; `signals.decoded` or `.failed` answers."""

    def work() -> None:
        try:
            result = decode_scaled(image, width)
        except Exception as exc:  # never a traceback on screen: the sentence, and the log
            log.warning("decoding an image failed: %s", type(exc).__name__)
            result = f"The {image.label} image could not be decoded."
        if isinstance(result, str):
            signals.failed.emit(result)
        else:
            signals.decoded.emit(result)

    _start(work, pool)


def start_save(
    image: ImageOutput, path: Path, signals: JobSignals, pool: QThreadPool | None = None
) -> None:
    """Write the image's bytes (as they came) to `path` atomically, on a worker."""

    def work() -> None:
        try:
            write_bytes_atomically(path, base64.b64decode(image.data_base64))
        except OSError as exc:
            signals.failed.emit(f"The image was not saved: {exc.strerror or exc}.")
        except Exception as exc:
            log.warning("saving an image failed: %s", type(exc).__name__)
            signals.failed.emit("The image was not saved: it could not be written.")
        else:
            signals.done.emit(f"Saved the image to {path}.")

    _start(work, pool)
