"""A cell's image results: drawn scaled to the column, a click enlarges, Save image… keeps one.

The image is decoded and scaled on a worker (`image_work`) and drawn from the `QImage` it hands
back; until then its place (of the right shape) says it is loading, and if it cannot be shown
the place says why. An image is never wider than it is, nor than the column.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QRect, QSize, Qt, QThreadPool, Signal, Slot
from PySide6.QtGui import (
    QColor,
    QImage,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QResizeEvent,
    QShowEvent,
)
from PySide6.QtWidgets import (
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from desktop.core.agent.cell_outputs import ImageOutput
from desktop.ui.chat.image_work import JobSignals, start_decode, start_save
from desktop.ui.chat.labels import keeps_focus, plain_label
from desktop.ui.file_dialogs import ask_save_path, default_directory

MAX_SHOWN_WIDTH = 800  # the chat column's text width: wider images are scaled down to it
DIALOG_SCREEN_SHARE = 0.9  # an enlarged image fits in this much of the screen


class ResultImageWidget(QWidget):
    """One image result: its place first, then the image, scaled to the width it is given."""

    enlarge_requested = Signal()

    def __init__(
        self, image: ImageOutput, parent: QWidget | None = None, *, pool: QThreadPool | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("resultImage")
        self.image = image
        self.decoded: QImage | None = None
        self.problem = ""  # why it cannot be shown, once known
        self._pool = pool
        self._asked = False
        self._signals = JobSignals()  # made here, on the UI thread: answers arrive here
        self._signals.decoded.connect(self._on_decoded)
        self._signals.failed.connect(self._on_failed)
        policy = QSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Preferred)
        policy.setHeightForWidth(True)
        self.setSizePolicy(policy)
        self.setMaximumWidth(min(image.width, MAX_SHOWN_WIDTH))
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setToolTip("Click to enlarge")
        self.setAccessibleName(f"Image result, {image.label}")

    # -- size --------------------------------------------------------------------------------
    def hasHeightForWidth(self) -> bool:
        return True

    def heightForWidth(self, width: int) -> int:
        shown = min(width, self.image.width, MAX_SHOWN_WIDTH)
        return max(1, round(shown * self.image.height / self.image.width))

    def sizeHint(self) -> QSize:
        width = min(self.image.width, MAX_SHOWN_WIDTH)
        return QSize(width, self.heightForWidth(width))

    def minimumSizeHint(self) -> QSize:
        return QSize(40, 30)

    # -- decoding ----------------------------------------------------------------------------
    def decode(self) -> None:
        """Ask for the image, decoded at the width it can be shown at (once)."""
        if self._asked:
            return
        self._asked = True
        ratio = self.devicePixelRatioF()
        start_decode(
            self.image, int(min(self.image.width, MAX_SHOWN_WIDTH) * ratio), self._signals,
            self._pool,
        )  # fmt: skip

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self.decode()  # laid out: it is about to be drawn

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.decode()

    @Slot(object)
    def _on_decoded(self, image: QImage) -> None:
        self.decoded = image
        self.update()

    @Slot(str)
    def _on_failed(self, reason: str) -> None:
        self.problem = reason
        self.setToolTip(reason)
        self.setCursor(Qt.CursorShape.ArrowCursor)
        self.update()

    @property
    def shown_rect(self) -> QRect:
        width = min(self.width(), self.image.width, MAX_SHOWN_WIDTH)
        return QRect(0, 0, width, self.heightForWidth(width))

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        target = self.shown_rect
        if self.decoded is not None:
            painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
            painter.drawImage(target, self.decoded)
        else:
            painter.fillRect(target, QColor("#f3f5f7"))
            painter.setPen(QColor("#c0272d" if self.problem else "#6e7781"))
            words = self.problem or f"Loading the {self.image.label} image…"
            flags = Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap
            painter.drawText(target.adjusted(8, 8, -8, -8), int(flags), words)
        painter.end()

    def mousePressEvent(self, event: QMouseEvent) -> None:
        event.accept()  # the click is the image's (to enlarge it), not the chat's

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        event.accept()
        if event.button() == Qt.MouseButton.LeftButton and not self.problem:
            self.enlarge_requested.emit()


class ImageSaver(QWidget):
    """ "Save image…": asks where, writes the bytes on a worker, says how it went."""

    def __init__(self, image: ImageOutput, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.image = image
        self.dialog: QFileDialog | None = None
        self._signals = JobSignals()
        self._signals.done.connect(self._on_finished)
        self._signals.failed.connect(self._on_finished)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        self.button = QPushButton("Save image…", self)
        self.button.setObjectName("saveImageButton")
        self.button.setAccessibleName(f"Save the {image.label} image")
        self.button.clicked.connect(self._on_button_clicked)
        keeps_focus(self.button)
        row.addWidget(self.button)
        self.status: QLabel = plain_label("", "imageStatus", self)
        self.status.setWordWrap(True)
        row.addWidget(self.status, 1)

    def _on_button_clicked(self) -> None:
        if self.dialog is not None:
            return
        suffix = self.image.suffix
        self.dialog = ask_save_path(
            self,
            "Save image",
            Path(default_directory()) / f"image{suffix}",
            self._on_dialog_file_selected,
            object_name="saveImageDialog",
            name_filter=f"{self.image.format.upper()} images (*{suffix});;All files (*)",
            suffix=suffix.lstrip("."),
        )
        self.dialog.finished.connect(self._on_dialog_finished)

    def _on_dialog_file_selected(self, path: str) -> None:
        self.status.setText("Saving…")
        start_save(self.image, Path(path), self._signals)

    def _on_dialog_finished(self, _result: int) -> None:
        self.dialog = None  # it deletes itself

    @Slot(str)
    def _on_finished(self, sentence: str) -> None:
        self.status.setText(sentence)


class ImageDialog(QDialog):
    """The image enlarged: decoded anew to fit the screen (or at its own size), with Save."""

    def __init__(self, image: ImageOutput, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("resultImageDialog")
        self.setWindowTitle(f"Image, {image.label}")
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.image = image
        self.decoded: QImage | None = None
        self._signals = JobSignals()
        self._signals.decoded.connect(self._on_decoded)
        self._signals.failed.connect(self._on_failed)
        layout = QVBoxLayout(self)
        self.picture = QLabel(f"Loading the {image.label} image…", self)
        self.picture.setObjectName("enlargedImage")
        self.picture.setAlignment(Qt.AlignmentFlag.AlignCenter)
        scroll = QScrollArea(self)
        scroll.setWidget(self.picture)
        scroll.setWidgetResizable(True)
        layout.addWidget(scroll, 1)
        self.saver = ImageSaver(image, self)
        close = QPushButton("Close", self)
        close.clicked.connect(self.close)
        row = QHBoxLayout()
        row.addWidget(self.saver, 1)
        row.addWidget(close)
        layout.addLayout(row)
        screen = (parent.screen() if parent is not None else self.screen()).availableSize()
        fit = screen * DIALOG_SCREEN_SHARE
        scale = min(1.0, fit.width() / image.width, (fit.height() - 60) / image.height)
        width, height = max(1, int(image.width * scale)), max(1, int(image.height * scale))
        self.resize(max(320, width + 40), max(240, height + 90))
        start_decode(image, int(width * self.devicePixelRatioF()), self._signals)

    @Slot(object)
    def _on_decoded(self, image: QImage) -> None:
        from PySide6.QtGui import QPixmap

        self.decoded = image
        pixmap = QPixmap.fromImage(image)
        pixmap.setDevicePixelRatio(self.devicePixelRatioF())
        self.picture.setPixmap(pixmap)

    @Slot(str)
    def _on_failed(self, reason: str) -> None:
        self.picture.setText(reason)


def open_enlarged(image: ImageOutput, parent: QWidget) -> ImageDialog:
    dialog = ImageDialog(image, parent.window())
    dialog.open()
    return dialog
