"""DL/T 645-2007 meters as :class:`~meters.base.NetworkedMeter`: read energy, power, voltage and
the relay, and switch the relay by remote control, over any :mod:`~meters.dlt645.transport`.

This is the driver boundary for DL/T 645: frames that do not decode are DltError, a meter's
abnormal reply is DltRefusal (both MeterProtocolError), silence is MeterUnreachableError, a relay
that does not follow is RelayError -- the same errors as the Modbus driver, so the control loop
treats both alike.

What a reading is made of (DL/T 645-2007 appendix A):

=========== ============ ================= ==============================
quantity    DI           format            -> project unit
=========== ============ ================= ==============================
energy      00 00 00 00  XXXXXX.XX kWh     Wh (x 10, exact)
power       02 03 00 00  XX.XXXX kW, sign  W (rounded)
voltage     02 01 01 00  XXX.X V           decivolts (exact)
relay       04 00 05 03  status word 3     bit 4: 0 closed, 1 open
=========== ============ ================= ==============================

The relay is opened with remote control 1AH (trip) and closed with 1CH (close at once, not 1BH
"close allowed", which waits for the tenant to press the meter's button), then read back.

A Dlt645Bus is one transport shared by every meter on it, calls serialised; Dlt645Buses keeps one
bus per port for meters named by address (docs/meters.md, "DL/T 645 meters").
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from collections.abc import Callable
from fractions import Fraction
from urllib.parse import SplitResult, urlsplit

from meters.base import NetworkedMeter, Reading, RelayState
from meters.dlt645 import commands
from meters.dlt645.commands import (
    ACTIVE_POWER,
    COMBINED_ACTIVE_ENERGY,
    PHASE_A_VOLTAGE,
    STATUS_WORD_3,
    ControlCommand,
    DataItem,
    Password,
    RemoteControl,
    Status3,
)
from meters.dlt645.frame import Address, DltError, Frame, FrameReader, encode
from meters.dlt645.transport import DEFAULT_LINE, SerialTransport, TcpTransport, Transport
from meters.errors import MeterError, MeterProtocolError, MeterUnreachableError, RelayError
from meters.serialline import SerialLine

log = logging.getLogger(__name__)

DEFAULT_TIMEOUT = 1.0  # s; a meter answers within a few hundred ms, a converter adds a little
#: how long a remote control command stays valid in the meter (N3..N8 = now + this)
DEFAULT_VALIDITY = dt.timedelta(minutes=10)
DEFAULT_OPERATOR = "00000000"
WH_PER_KWH = 1000
W_PER_KW = 1000
DV_PER_V = 10


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _meter_local_now() -> dt.datetime:
    # A meter's clock has no time zone: it keeps local time (Beijing time for a State Grid meter),
    # and so, on site, does the kiosk.
    return dt.datetime.now()


def in_units(count: int, item: DataItem, per_unit: int) -> int:
    """A value counted in the format's last digit -> ``per_unit`` parts of its unit, rounded
    (half to even) only where the format is finer than the project's unit (power)."""
    return round(Fraction(count * per_unit, 10**item.decimals))


class Dlt645Bus:
    """One transport shared by the meters on it, calls serialised by a lock."""

    def __init__(
        self,
        transport: Transport,
        *,
        timeout: float = DEFAULT_TIMEOUT,
        password: Password | None = None,
        operator: str = DEFAULT_OPERATOR,
        validity: dt.timedelta = DEFAULT_VALIDITY,
        meter_clock: Callable[[], dt.datetime] = _meter_local_now,
    ) -> None:
        self.transport = transport
        self.timeout = timeout
        self.password = password or Password()
        self.operator = operator
        self.validity = validity
        self.meter_clock = meter_clock
        self.lock = threading.Lock()

    @classmethod
    def serial(cls, line: SerialLine, **kw: object) -> Dlt645Bus:
        return cls(SerialTransport(line), **kw)  # type: ignore[arg-type]

    @classmethod
    def tcp(cls, host: str, port: int, **kw: object) -> Dlt645Bus:
        return cls(TcpTransport(host, port), **kw)  # type: ignore[arg-type]

    @property
    def name(self) -> str:
        return self.transport.name

    def meter(
        self, address: str | Address, *, now: Callable[[], dt.datetime] = _utcnow
    ) -> Dlt645Meter:
        addr = address if isinstance(address, Address) else Address.parse(address)
        return Dlt645Meter(self, addr, now=now)

    def _no_answer_hint(self) -> str:
        line = self.transport.line
        if line is not None:
            return (
                " (check the meter address on its nameplate, the A/B wiring, and that the meter "
                f"is set to {line.settings})"
            )
        return " (check the meter address, and the converter's wiring and serial settings)"

    def exchange(self, what: str, request: Frame) -> Frame:
        """Send ``request`` and return the first reply frame; errors as MeterError."""
        with self.lock:
            try:
                return self._exchange(what, request)
            except MeterUnreachableError as exc:
                if exc.message.startswith(what):
                    raise
                raise MeterUnreachableError(f"{what}: {exc.message}") from exc

    def _exchange(self, what: str, request: Frame) -> Frame:
        """One request and its reply; the caller holds the lock."""
        self.transport.open()
        self.transport.discard_input()
        self.transport.write(encode(request))
        reader = FrameReader()
        deadline = time.monotonic() + self.timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                if reader.last_error is not None:
                    raise DltError(
                        f"{what}: the reply from meter {request.address} was damaged: "
                        f"{reader.last_error.message}"
                    )
                raise MeterUnreachableError(
                    f"{what}: no answer from meter {request.address} on {self.name} within "
                    f"{self.timeout:g} s{self._no_answer_hint()}"
                )
            frame = reader.feed(self.transport.read(left))
            # a half-duplex adapter may echo our own request: only a reply answers it
            while frame is not None and not frame.is_reply:
                frame = reader.feed(b"")
            if frame is not None:
                return frame

    def read_item(self, address: Address, item: DataItem) -> int:
        """One value, as an integer count of its format's last digit."""
        what = f"{self.name}/{address} {item.label}"
        reply = self.exchange(what, commands.read_request(address, item))
        return commands.parse_read_reply(reply, address, item, what)

    def control(self, address: Address, command: ControlCommand) -> None:
        """Send remote control ``command``; DltRefusal if the meter says no."""
        order = RemoteControl(
            command=command,
            password=self.password,
            operator=self.operator,
            valid_until=self.meter_clock() + self.validity,
        )
        what = f"{self.name}/{address} remote control {command.name.lower().replace('_', ' ')}"
        reply = self.exchange(what, commands.remote_control_request(address, order))
        commands.parse_remote_control_reply(reply, address, command, what)

    def close(self) -> None:
        with self.lock:
            self.transport.close()

    def __enter__(self) -> Dlt645Bus:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class Dlt645Buses:
    """One Dlt645Bus per serial port or host:port, for meters named by address."""

    def __init__(self, *, timeout: float = DEFAULT_TIMEOUT, **bus_kw: object) -> None:
        self._buses: dict[str, Dlt645Bus] = {}
        self._timeout = timeout
        self._bus_kw = bus_kw
        self._lock = threading.Lock()

    @staticmethod
    def parse(address: str) -> tuple[SplitResult, str, Address, SerialLine | None]:
        """Check a meter address without opening anything: (its parts, the port or host part,
        the meter's address, the serial line settings or None for TCP). See :meth:`meter`."""
        parts = urlsplit(address)
        head, _, meter = parts.path.rpartition("/")
        usage = (
            "dlt645:///dev/ttyUSB0/<meter address>?baud=2400&parity=E&stopbits=1 or "
            "dlt645+tcp://host:port/<meter address>"
        )
        if parts.scheme not in ("dlt645", "dlt645+tcp") or not meter:
            raise MeterError(f"{address}: not a DL/T 645 meter address ({usage})")
        serial_line = parts.scheme == "dlt645"
        if serial_line and (parts.netloc or not head):
            raise MeterError(
                f"{address}: a serial address names the port after dlt645:// with three "
                "slashes, e.g. dlt645:///dev/ttyUSB0/000012345678"
            )
        if not serial_line and (parts.query or not parts.hostname or parts.port is None):
            raise MeterError(f"{address}: a TCP address is dlt645+tcp://host:port/<meter address>")
        try:
            meter_address = Address.parse(meter)
        except DltError as exc:
            raise MeterError(f"{address}: {exc.message}") from None
        line = SerialLine.from_query(head, parts.query, DEFAULT_LINE) if serial_line else None
        return parts, head, meter_address, line

    def meter(self, address: str) -> Dlt645Meter:
        """``dlt645://<serial port>/<meter address>?baud=2400&parity=E&stopbits=1`` (the
        defaults: 2400 8E1) or ``dlt645+tcp://host:port/<meter address>``; the meter address is
        the 12-digit number on its nameplate (leading zeros may be left out)."""
        parts, head, meter_address, line = self.parse(address)
        key = f"{parts.scheme}://{parts.netloc}{head}"
        with self._lock:
            bus = self._buses.get(key)
            if bus is None:
                if line is not None:
                    bus = Dlt645Bus.serial(line, timeout=self._timeout, **self._bus_kw)
                else:
                    assert parts.hostname is not None and parts.port is not None
                    bus = Dlt645Bus.tcp(
                        parts.hostname, parts.port, timeout=self._timeout, **self._bus_kw
                    )
                self._buses[key] = bus
            elif line is not None and bus.transport.line != line:
                have = bus.transport.line
                assert have is not None
                raise MeterError(
                    f"{address}: {head} is already used at {have.settings}; every meter on "
                    f"one RS-485 line must be set to the same speed and parity, not "
                    f"{line.settings}"
                )
        return bus.meter(meter_address)

    @property
    def buses(self) -> list[Dlt645Bus]:
        return list(self._buses.values())

    def close(self) -> None:
        for bus in self._buses.values():
            bus.close()


class Dlt645Meter(NetworkedMeter):
    """One DL/T 645-2007 meter on a Dlt645Bus, named by its 12-digit address."""

    def __init__(
        self, bus: Dlt645Bus, address: Address, *, now: Callable[[], dt.datetime] = _utcnow
    ) -> None:
        self.bus = bus
        self.meter_address = address
        self.address = f"{bus.name}/{address}"
        self._now = now

    def __repr__(self) -> str:
        return f"Dlt645Meter({self.address!r})"

    def read_relay(self) -> RelayState:
        status = Status3(self.bus.read_item(self.meter_address, STATUS_WORD_3))
        return RelayState.OPEN if status & Status3.RELAY_OPEN else RelayState.CLOSED

    def read(self) -> Reading:
        energy = self.bus.read_item(self.meter_address, COMBINED_ACTIVE_ENERGY)
        if energy < 0:
            raise MeterProtocolError(
                f"{self.address} {COMBINED_ACTIVE_ENERGY.label}: reads "
                f"{energy / 10**COMBINED_ACTIVE_ENERGY.decimals} kWh; a supply meter's total "
                "cannot be negative "
                "(is the meter wired in reverse?)"
            )
        power = self.bus.read_item(self.meter_address, ACTIVE_POWER)
        voltage = self.bus.read_item(self.meter_address, PHASE_A_VOLTAGE)
        return Reading(
            meter=self.address,
            energy_wh=in_units(energy, COMBINED_ACTIVE_ENERGY, WH_PER_KWH),
            power_w=in_units(power, ACTIVE_POWER, W_PER_KW),
            voltage_dv=in_units(voltage, PHASE_A_VOLTAGE, DV_PER_V),
            relay=self.read_relay(),
            at=self._now(),
        )

    def set_relay(self, closed: bool) -> RelayState:
        command = ControlCommand.CLOSE if closed else ControlCommand.TRIP
        log.info("%s relay: commanding %s", self.address, "closed" if closed else "open")
        self.bus.control(self.meter_address, command)
        state = self.read_relay()
        want = RelayState.CLOSED if closed else RelayState.OPEN
        if state is not want:
            raise RelayError(
                f"{self.address} relay: commanded {want.value}, reads back {state.value}"
            )
        return state
