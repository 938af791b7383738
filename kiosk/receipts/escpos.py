"""Print a receipt on an ESC/POS printer through python-escpos.

The printer object is made by the caller from configuration and passed in: ``escpos.printer``'s
``Network`` (port 9100), ``Usb`` (needs pyusb and libusb), ``File`` (a device file such as
/dev/usb/lp0, or any file in tests) or ``Dummy`` (collects the bytes). This module sends the text of
:mod:`kiosk.receipts.text` line by line, the verification link as a native QR code (``GS ( k``: the
printer draws it, no image to rasterise), and a cut (``GS V``). It neither opens nor closes the
printer: its owner does, once, and reuses it.

python-escpos encodes a line that has Chinese characters in GB18030, the usual encoding of
printers sold in China, and other lines through the code pages of the printer profile; sending
line by line keeps a Chinese site name from forcing the whole receipt into one encoding.

Every failure of the printer (not found, connection refused or dropped, USB gone, a refused
command) becomes a :class:`ReceiptPrinterError` with a sentence for staff: one error channel.
"""

from __future__ import annotations

from escpos import exceptions as escpos_errors
from escpos.constants import QR_ECLEVEL_M
from escpos.escpos import Escpos

from kiosk.receipts.model import Receipt, ReceiptError
from kiosk.receipts.text import WIDTH_58MM, render_lines

#: QR module size in printer dots: 6 dots is ~0.75 mm on a 203 dpi printer, easy for a phone
QR_MODULE_DOTS = 6
#: blank lines before the QR, so it does not touch the text
QR_MARGIN_LINES = 1


class ReceiptPrinterError(ReceiptError):
    """The receipt could not be printed; the message says what to check."""

    code = "printer_error"


def print_receipt(
    printer: Escpos,
    receipt: Receipt,
    *,
    width: int = WIDTH_58MM,
    qr_module_dots: int = QR_MODULE_DOTS,
    cut: bool = True,
) -> None:
    """Print ``receipt`` on ``printer`` (any python-escpos printer): text, the QR of its
    verification link when it has one, then a cut. Raises :class:`ReceiptPrinterError`."""
    lines = render_lines(receipt, width)
    try:
        printer.set(align="left")
        for line in lines:
            printer.textln(line)
        if receipt.verify_url:
            printer.ln(QR_MARGIN_LINES)
            printer.set(align="center")  # native QR has no centring of its own; ESC a does it
            printer.qr(receipt.verify_url, ec=QR_ECLEVEL_M, size=qr_module_dots, native=True)
            printer.set(align="left")
        if cut:
            printer.cut()
    except (escpos_errors.DeviceNotFoundError, AssertionError) as exc:
        # AssertionError: python-escpos asserts its device is open in _raw() when opening failed
        raise ReceiptPrinterError(
            "The receipt printer is not connected or not switched on. Check its cable and power "
            f"({_detail(exc)})."
        ) from exc
    except OSError as exc:  # socket errors, USB errors (usb.core.USBError), a full disk
        raise ReceiptPrinterError(
            f"The receipt printer stopped answering while printing receipt {receipt.receipt_no}. "
            f"Check its cable, power and paper, then reprint ({_detail(exc)})."
        ) from exc
    except escpos_errors.Error as exc:
        raise ReceiptPrinterError(
            f"The receipt printer refused receipt {receipt.receipt_no}: {_detail(exc)}."
        ) from exc


def _detail(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return text or type(exc).__name__
