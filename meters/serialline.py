"""A serial line's settings -- port, baud rate, parity, stop bits -- and their text form.

An RS-485 line has one speed and one framing for every meter on it, so the settings belong to the
line (the bus), not to a meter. The Modbus RTU and DL/T 645 drivers and simulators take a
:class:`SerialLine`; a meter address names it in its query string, e.g.
``rtu:///dev/ttyUSB0/17?baud=9600&parity=N&stopbits=1`` (docs/meters.md). Every mistake is a
:class:`~meters.errors.MeterError` naming the setting.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from urllib.parse import parse_qsl

from meters.errors import MeterError

#: pyserial's parity letters; a query may spell them out
PARITIES = {"N": "none", "E": "even", "O": "odd"}
#: rates meters and RS-485 adapters offer (DL/T 645: 1200-9600; Modbus meters up to 115200)
BAUD_RATES = (1200, 2400, 4800, 9600, 19200, 38400, 57600, 115200)
STOP_BITS = (1, 2)
#: the only byte size either protocol uses: Modbus RTU and DL/T 645 both send 8 data bits
BYTESIZE = 8
QUERY_KEYS = ("baud", "parity", "stopbits")


@dataclass(frozen=True)
class SerialLine:
    """One serial port and how it is framed: ``SerialLine("/dev/ttyUSB0", 9600, "N", 1)``."""

    port: str
    baudrate: int = 9600
    parity: str = "N"
    stopbits: int = 1

    def __post_init__(self) -> None:
        if not self.port:
            raise MeterError("A serial line needs a port, e.g. /dev/ttyUSB0.")
        parity = str(self.parity).upper()
        parity = {v.upper(): k for k, v in PARITIES.items()}.get(parity, parity)
        if parity not in PARITIES:
            raise MeterError(
                f"{self.port}: parity must be N, E or O (none, even, odd), not {self.parity!r}"
            )
        object.__setattr__(self, "parity", parity)
        if isinstance(self.baudrate, bool) or self.baudrate not in BAUD_RATES:
            raise MeterError(
                f"{self.port}: baud rate must be one of {', '.join(map(str, BAUD_RATES))}, "
                f"not {self.baudrate!r}"
            )
        if isinstance(self.stopbits, bool) or self.stopbits not in STOP_BITS:
            raise MeterError(f"{self.port}: stop bits must be 1 or 2, not {self.stopbits!r}")

    @property
    def bytesize(self) -> int:
        return BYTESIZE

    @property
    def settings(self) -> str:
        """The way a meter's manual writes it: ``9600 8N1``."""
        return f"{self.baudrate} {BYTESIZE}{self.parity}{self.stopbits}"

    def query(self) -> str:
        """``baud=9600&parity=N&stopbits=1``, the query string of an address on this line."""
        return f"baud={self.baudrate}&parity={self.parity}&stopbits={self.stopbits}"

    @classmethod
    def from_query(cls, port: str, query: str, default: SerialLine | None = None) -> SerialLine:
        """The line ``port`` with the settings in ``query`` (``baud=2400&parity=E``); settings the
        query leaves out come from ``default`` (9600 8N1 when None)."""
        base = replace(default, port=port) if default is not None else cls(port)
        changes: dict[str, int | str] = {}
        for key, value in parse_qsl(query, keep_blank_values=True):
            if key not in QUERY_KEYS:
                raise MeterError(
                    f"{port}: unknown serial setting {key!r} (known: {', '.join(QUERY_KEYS)})"
                )
            if key == "parity":
                changes["parity"] = value
                continue
            if not value.isdigit():
                raise MeterError(f"{port}: {key} must be a number, not {value!r}")
            changes["baudrate" if key == "baud" else "stopbits"] = int(value)
        return replace(base, **changes)  # type: ignore[arg-type]
