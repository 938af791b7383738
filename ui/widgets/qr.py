"""A QR code drawn sharp: whole pixels per module, no smoothing, the quiet zone included.

The modules come from :func:`kiosk.payments.qr_image.matrix` (the ``qrcode`` package, error
correction M, a 4-module quiet zone), so the screen draws exactly the symbol the payment code
chose. The widget paints it at the largest whole number of pixels per module that fits its size:
every module edge falls on a pixel edge, which is what keeps a phone camera reading it through
glare. Nothing is ever scaled by the painter.
"""

from __future__ import annotations

from PySide6.QtCore import QPoint, QSize, Qt
from PySide6.QtGui import QColor, QImage, QPainter, QPaintEvent
from PySide6.QtWidgets import QSizePolicy, QWidget

from kiosk.payments.qr_image import MIN_MODULE_PX, matrix

LIGHT = QColor("#FFFFFF")
#: the side a code asks for when the layout has room: large enough to scan from arm's length
DEFAULT_SIDE_PX = 720


class QrCode(QWidget):
    """Shows one payload as a QR code; an empty payload shows nothing."""

    def __init__(
        self, preferred_side: int = DEFAULT_SIDE_PX, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self._payload = ""
        self._modules: QImage | None = None  # one pixel per module
        self._cache: tuple[int, QImage] | None = None  # (module px, image at that size)
        self._preferred = preferred_side
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)

    # -- what the screens call ---------------------------------------------------------------

    @property
    def payload(self) -> str:
        return self._payload

    @property
    def modules(self) -> int:
        """Modules per side, quiet zone included; 0 when nothing is shown."""
        return 0 if self._modules is None else self._modules.width()

    def set_payload(self, payload: str) -> None:
        if payload == self._payload:
            return  # the countdown re-renders every second: keep the drawn code
        self._payload = payload
        self._cache = None
        self._modules = _module_image(payload) if payload else None
        self.updateGeometry()
        self.update()

    def module_px(self) -> int:
        """Pixels per module at the widget's current size (0 when nothing is shown)."""
        if self._modules is None:
            return 0
        return min(self.width(), self.height()) // self.modules

    def image(self, module_px: int) -> QImage:
        """The code at exactly ``module_px`` pixels per module (nearest neighbour: no grey)."""
        if self._modules is None:
            return QImage()
        side = self.modules * module_px
        return self._modules.scaled(
            side,
            side,
            Qt.AspectRatioMode.IgnoreAspectRatio,
            Qt.TransformationMode.FastTransformation,
        )

    # -- Qt ----------------------------------------------------------------------------------

    def minimumSizeHint(self) -> QSize:  # noqa: N802 - Qt's name
        side = self.modules * MIN_MODULE_PX  # below this phones stop reading it
        return QSize(side, side)

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt's name
        if self._modules is None:
            return QSize(0, 0)
        box = max(MIN_MODULE_PX, self._preferred // self.modules)
        return QSize(box * self.modules, box * self.modules)

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 - Qt's name
        box = self.module_px()
        if box <= 0:
            return
        if self._cache is None or self._cache[0] != box:
            self._cache = (box, self.image(box))
        image = self._cache[1]
        # whole-pixel offsets: centred, and still on the pixel grid
        at = QPoint((self.width() - image.width()) // 2, (self.height() - image.height()) // 2)
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, False)
        painter.fillRect(self.rect(), LIGHT)  # the spare pixels widen the quiet zone
        painter.drawImage(at, image)
        painter.end()


def _module_image(payload: str) -> QImage:
    """One grey-scale pixel per module, built from bytes in one call: a pixel-by-pixel loop is
    slow and, with PySide6 6.12 on Python 3.11, costs a reference to None per call."""
    rows = matrix(payload).rows
    n = len(rows)
    data = bytes(0 if cell else 255 for row in rows for cell in row)
    return QImage(data, n, n, n, QImage.Format.Format_Grayscale8).copy()  # copy: own the bytes
