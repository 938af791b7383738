"""The receipt printer the session prints on: what it needs of one, and the ESC/POS one.

The session needs only ``print_receipt(receipt)`` raising on failure (:class:`ReceiptPrinter`), so
tests and other printers fit. :class:`EscposReceiptPrinter` is the configured ``[printer]``: a
python-escpos ``File`` (a device file such as /dev/usb/lp0) or ``Network`` printer, opened on the
first receipt and reused; after a failure it is dropped and made afresh for the next receipt, so a
printer switched off and on again, or given new paper, works without restarting the kiosk.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import Protocol

from escpos.escpos import Escpos

from kiosk.config import PrinterConfig
from kiosk.receipts.escpos import ReceiptPrinterError, print_receipt
from kiosk.receipts.model import Receipt
from kiosk.receipts.text import WIDTH_58MM

#: seconds to reach a network printer and for each send: a kiosk must not hang on a dead one
NETWORK_TIMEOUT_S = 5.0


class ReceiptPrinter(Protocol):
    def print_receipt(self, receipt: Receipt) -> None:
        """Print ``receipt``; raise when it could not be printed."""


class EscposReceiptPrinter:
    """An ESC/POS printer made by ``make`` when first needed (see the module docstring)."""

    def __init__(self, make: Callable[[], Escpos], width: int = WIDTH_58MM) -> None:
        self._make = make
        self.width = width
        self._printer: Escpos | None = None

    def print_receipt(self, receipt: Receipt) -> None:
        """Print ``receipt``; raises :class:`ReceiptPrinterError`."""
        if self._printer is None:
            self._printer = self._make()
        try:
            print_receipt(self._printer, receipt, width=self.width)
        except ReceiptPrinterError:
            self.close()  # the next receipt opens it again
            raise

    def close(self) -> None:
        printer, self._printer = self._printer, None
        if printer is not None:
            with contextlib.suppress(OSError):  # closing a printer that already went away
                printer.close()


def open_printer(config: PrinterConfig) -> EscposReceiptPrinter | None:
    """The printer ``[printer]`` names, or None for ``kind = "none"``. Nothing is opened yet."""
    if config.kind == "file":
        from escpos.printer import File

        path = config.path
        return EscposReceiptPrinter(lambda: File(devfile=path), config.width)
    if config.kind == "network":
        from escpos.printer import Network

        host, port = config.host, config.port
        return EscposReceiptPrinter(
            lambda: Network(host, port=port, timeout=NETWORK_TIMEOUT_S), config.width
        )
    return None
