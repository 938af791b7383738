"""The receipt printer as admin mode uses it: print a receipt or a report, and say whether it is
there. Any object with these three methods will do; :class:`EscposPrinter` is the one for a
python-escpos printer (network, USB, device file), made by its owner from configuration."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from escpos import exceptions as escpos_errors
from escpos.escpos import Escpos

from kiosk.receipts.escpos import ReceiptPrinterError, print_receipt
from kiosk.receipts.model import Receipt
from kiosk.receipts.text import WIDTH_58MM


class ReceiptPrinter(Protocol):
    #: what staff call it ("EPSON TM-T20 at 10.0.0.9", "printer on /dev/usb/lp0")
    name: str

    def check(self) -> str:
        """A sentence on the printer's state; raises ReceiptPrinterError when it cannot print."""
        ...

    def print_receipt(self, receipt: Receipt) -> None: ...

    def print_lines(self, lines: Sequence[str]) -> None: ...


class EscposPrinter:
    """A python-escpos printer. It is opened by whoever made it; this only sends to it."""

    def __init__(self, printer: Escpos, name: str, width: int = WIDTH_58MM) -> None:
        self.printer = printer
        self.name = name
        self.width = width

    def check(self) -> str:
        try:
            self.printer.open()
            online = self.printer.is_online()
        except NotImplementedError:
            # a device file or a dummy: it takes bytes but cannot answer a status query
            return f"{self.name} takes data; it cannot report paper or cover status."
        except (escpos_errors.Error, OSError, AssertionError) as exc:
            raise ReceiptPrinterError(
                f"{self.name} does not answer: check its cable and power ({exc})."
            ) from exc
        if not online:
            raise ReceiptPrinterError(f"{self.name} is offline: check its cover and paper.")
        try:
            paper = self.printer.paper_status()
        except (NotImplementedError, escpos_errors.Error, OSError):
            return f"{self.name} is online."
        if paper == 0:
            raise ReceiptPrinterError(f"{self.name} is out of paper: put a new roll in.")
        if paper == 1:
            return f"{self.name} is online; the paper is running low."
        return f"{self.name} is online, paper OK."

    def print_receipt(self, receipt: Receipt) -> None:
        print_receipt(self.printer, receipt, width=self.width)

    def print_lines(self, lines: Sequence[str]) -> None:
        try:
            for line in lines:
                self.printer.textln(line)
            self.printer.cut()
        except (escpos_errors.Error, OSError, AssertionError) as exc:
            raise ReceiptPrinterError(f"{self.name} stopped while printing ({exc}).") from exc
