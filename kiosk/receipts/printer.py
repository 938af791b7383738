"""The receipt printer: what the kiosk needs of one, the python-escpos one, and the one configured.

The tenant session prints receipts; admin mode also prints reports and asks whether the printer is
there. Any object with the methods of :class:`ReceiptPrinter` will do, so tests and other printers
fit. :class:`EscposPrinter` is a python-escpos printer (``File`` for a device file such as
/dev/usb/lp0, ``Network`` for a printer on port 9100, or any other) made when first needed and
reused; after a failure it is dropped and made afresh for the next use, so a printer switched off
and on again, or given new paper, works without restarting the kiosk. :func:`open_printer` makes
the one ``[printer]`` names. Every failure is a :class:`ReceiptPrinterError` with a sentence.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Sequence
from typing import Protocol

from escpos import exceptions as escpos_errors
from escpos.escpos import Escpos

from kiosk.config import PrinterConfig
from kiosk.receipts.escpos import ReceiptPrinterError, print_receipt
from kiosk.receipts.model import Receipt
from kiosk.receipts.text import WIDTH_58MM

#: seconds to reach a network printer and for each send: a kiosk must not hang on a dead one
NETWORK_TIMEOUT_S = 5.0

#: what python-escpos raises when a printer is missing or stops answering (AssertionError: it
#: asserts its device is open when opening failed)
_PRINTER_FAILURES = (escpos_errors.Error, OSError, AssertionError)


class ReceiptPrinter(Protocol):
    #: what staff call it ("EPSON TM-T20 at 10.0.0.9", "printer on /dev/usb/lp0")
    name: str

    def check(self) -> str:
        """A sentence on the printer's state; raises ReceiptPrinterError when it cannot print."""
        ...

    def print_receipt(self, receipt: Receipt) -> None:
        """Print ``receipt``; raises ReceiptPrinterError when it could not be printed."""
        ...

    def print_lines(self, lines: Sequence[str]) -> None:
        """Print ``lines`` (a report) and cut; raises ReceiptPrinterError."""
        ...


class EscposPrinter:
    """A python-escpos printer made by ``make`` when first needed (see the module docstring)."""

    def __init__(
        self,
        make: Callable[[], Escpos],
        name: str = "receipt printer",
        width: int = WIDTH_58MM,
    ) -> None:
        self._make = make
        self.name = name
        self.width = width
        self._printer: Escpos | None = None

    def check(self) -> str:
        printer = self._current()
        try:
            printer.open()  # connect afresh: the printer may have been switched on since
            online = printer.is_online()
        except NotImplementedError:
            # a device file or a dummy: it takes bytes but cannot answer a status query
            return f"{self.name} takes data; it cannot report paper or cover status."
        except _PRINTER_FAILURES as exc:
            self.close()
            raise ReceiptPrinterError(
                f"{self.name} does not answer: check its cable and power ({exc})."
            ) from exc
        if not online:
            raise ReceiptPrinterError(f"{self.name} is offline: check its cover and paper.")
        try:
            paper = printer.paper_status()
        except (NotImplementedError, escpos_errors.Error, OSError):
            return f"{self.name} is online."
        if paper == 0:
            raise ReceiptPrinterError(f"{self.name} is out of paper: put a new roll in.")
        if paper == 1:
            return f"{self.name} is online; the paper is running low."
        return f"{self.name} is online, paper OK."

    def print_receipt(self, receipt: Receipt) -> None:
        try:
            print_receipt(self._current(), receipt, width=self.width)
        except ReceiptPrinterError:
            self.close()  # the next use makes it again
            raise

    def print_lines(self, lines: Sequence[str]) -> None:
        printer = self._current()
        try:
            for line in lines:
                printer.textln(line)
            printer.cut()
        except _PRINTER_FAILURES as exc:
            self.close()
            raise ReceiptPrinterError(f"{self.name} stopped while printing ({exc}).") from exc

    def close(self) -> None:
        printer, self._printer = self._printer, None
        if printer is not None:
            with contextlib.suppress(OSError):  # closing a printer that already went away
                printer.close()

    def _current(self) -> Escpos:
        if self._printer is None:
            self._printer = self._make()
        return self._printer


def open_printer(config: PrinterConfig) -> EscposPrinter | None:
    """The printer ``[printer]`` names, or None for ``kind = "none"``. Nothing is opened yet."""
    if config.kind == "file":
        from escpos.printer import File

        path = config.path
        return EscposPrinter(lambda: File(devfile=path), f"printer on {path}", config.width)
    if config.kind == "network":
        from escpos.printer import Network

        host, port = config.host, config.port
        return EscposPrinter(
            lambda: Network(host, port=port, timeout=NETWORK_TIMEOUT_S),
            f"printer at {host}:{port}",
            config.width,
        )
    return None
