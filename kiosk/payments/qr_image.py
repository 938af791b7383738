"""Render a payment payload as a QR code image for the kiosk screen (no Qt here).

Error correction M (15 %: survives glare and a scratched screen protector while keeping the symbol
small), a quiet zone of 4 modules (ISO/IEC 18004 requires it; phone scanners fail without it), and
a whole number of pixels per module chosen for the target size, so every module edge falls on a
pixel edge and the code stays sharp when drawn 1:1. The UI gets PNG bytes, a PIL image, or the
module matrix to paint itself.

The text is encoded as UTF-8 (byte mode where needed), which is what payment apps expect for the
non-ASCII names of EMVCo template 64.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

import qrcode
import qrcode.constants
from PIL import Image
from qrcode.image.pil import PilImage

ERROR_CORRECTION = qrcode.constants.ERROR_CORRECT_M
QUIET_ZONE_MODULES = 4
#: about two thirds of a 1080-pixel-wide portrait screen: large enough to scan from arm's length
DEFAULT_TARGET_PX = 720
#: below this a module is too small for phone cameras at kiosk distance
MIN_MODULE_PX = 4


class QrImageError(ValueError):
    """The payload cannot be drawn at the asked size."""


@dataclass(frozen=True)
class QrMatrix:
    """Dark (True) and light modules, quiet zone included, row by row."""

    rows: tuple[tuple[bool, ...], ...]
    version: int  # QR version 1-40 (symbol size 17 + 4 * version modules)

    @property
    def size(self) -> int:
        return len(self.rows)


def _make(payload: str, border: int = QUIET_ZONE_MODULES, box_size: int = 1) -> qrcode.QRCode:
    if not payload:
        raise QrImageError("Nothing to encode: the payload is empty.")
    code = qrcode.QRCode(error_correction=ERROR_CORRECTION, border=border, box_size=box_size)
    code.add_data(payload)
    code.make(fit=True)  # the smallest version that holds the payload
    return code


def matrix(payload: str) -> QrMatrix:
    """The module matrix of ``payload``, for a UI that paints the squares itself."""
    code = _make(payload)
    rows = tuple(tuple(bool(cell) for cell in row) for row in code.get_matrix())
    return QrMatrix(rows=rows, version=code.version)


def module_px(modules: int, target_px: int) -> int:
    """Pixels per module so ``modules`` (quiet zone included) fit in ``target_px``."""
    box = target_px // modules
    if box < MIN_MODULE_PX:
        raise QrImageError(
            f"{modules} modules at {MIN_MODULE_PX} px each need {modules * MIN_MODULE_PX} px; "
            f"only {target_px} px were given."
        )
    return box


def render_image(payload: str, target_px: int = DEFAULT_TARGET_PX) -> Image.Image:
    """A black-on-white image of at most ``target_px`` square, whole pixels per module."""
    probe = _make(payload)
    modules = probe.modules_count + 2 * QUIET_ZONE_MODULES
    code = _make(payload, box_size=module_px(modules, target_px))
    image = code.make_image(image_factory=PilImage, fill_color="black", back_color="white")
    return image.get_image()


def render_png(payload: str, target_px: int = DEFAULT_TARGET_PX) -> bytes:
    """:func:`render_image` as PNG bytes."""
    buffer = io.BytesIO()
    render_image(payload, target_px).save(buffer, format="PNG")
    return buffer.getvalue()
