"""Modbus meters over pymodbus 3.x (TCP, or RTU on a serial line), one register profile per model.

This is the driver boundary: pymodbus reports a device's exception responses as return values
(``rr.isError()``) and transport trouble as ModbusException; both leave here as MeterError:

- no connection, no answer, a gateway saying the device did not answer (0x0A/0x0B)
  -> MeterUnreachableError
- any other exception response (illegal address, function, value, device failure)
  -> ModbusExceptionResponse (a MeterProtocolError carrying the Modbus exception code)
- a relay that does not read back what was written -> RelayError

A ModbusBus is one client (one socket, or one serial port) shared by every device id behind it:
1,000 meters behind one gateway are one connection, polled in turn. ModbusBuses keeps one bus per
host:port (or serial port) for meters given by address, e.g. ``tcp://10.0.0.5:502/17`` or
``rtu:///dev/ttyUSB0/17?baud=9600&parity=N&stopbits=1`` (docs/meters.md, "Addresses").
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from pymodbus.client import ModbusSerialClient, ModbusTcpClient
from pymodbus.exceptions import ConnectionException, ModbusException, ModbusIOException

from meters.base import NetworkedMeter, Reading, RelayState
from meters.errors import MeterError, MeterProtocolError, MeterUnreachableError, RelayError
from meters.modbus.profile import Profile, Register, load_profile
from meters.serialline import SerialLine

log = logging.getLogger(__name__)

EXCEPTION_NAMES = {
    0x01: "illegal function",
    0x02: "illegal data address",
    0x03: "illegal data value",
    0x04: "device failure",
    0x05: "acknowledge",
    0x06: "device busy",
    0x08: "memory parity error",
    0x0A: "gateway path unavailable",
    0x0B: "gateway target device failed to respond",
}
GATEWAY_NO_ANSWER = {0x0A, 0x0B}
#: Modbus over serial line: 0 is the broadcast address (nobody answers), 248-255 are reserved
RTU_DEVICE_IDS = range(1, 248)


class ModbusExceptionResponse(MeterProtocolError):
    """The device answered with a Modbus exception response."""

    def __init__(self, message: str, *, function_code: int, exception_code: int) -> None:
        super().__init__(message)
        self.function_code = function_code
        self.exception_code = exception_code


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class ModbusBus:
    """One pymodbus sync client shared by the meters (device ids) behind it, calls serialised."""

    def __init__(
        self,
        client: ModbusTcpClient | ModbusSerialClient,
        name: str,
        *,
        line: SerialLine | None = None,
        timeout: float = 1.0,
    ) -> None:
        self.client = client
        self.name = name  # "tcp://127.0.0.1:5020" or "rtu:///dev/ttyUSB0"
        self.line = line  # the serial line's settings (RTU), None over TCP
        self.timeout = timeout
        self.lock = threading.Lock()

    @classmethod
    def tcp(
        cls, host: str, port: int = 502, *, timeout: float = 1.0, retries: int = 1
    ) -> ModbusBus:
        return cls(
            ModbusTcpClient(host, port=port, timeout=timeout, retries=retries),
            f"tcp://{host}:{port}",
            timeout=timeout,
        )

    @classmethod
    def rtu(
        cls,
        port: str,
        *,
        baudrate: int = 9600,
        parity: str = "N",
        stopbits: int = 1,
        timeout: float = 1.0,
        retries: int = 1,
    ) -> ModbusBus:
        # Eastron and Hiking meters default to 9600 8N1 (SDM: 2400 on older firmware).
        return cls.serial(
            SerialLine(port, baudrate, parity, stopbits), timeout=timeout, retries=retries
        )

    @classmethod
    def serial(cls, line: SerialLine, *, timeout: float = 1.0, retries: int = 1) -> ModbusBus:
        """Modbus RTU on the RS-485 line ``line`` (port, baud rate, parity, stop bits)."""
        client = ModbusSerialClient(
            line.port,
            baudrate=line.baudrate,
            bytesize=line.bytesize,
            parity=line.parity,
            stopbits=line.stopbits,
            timeout=timeout,
            retries=retries,
        )
        return cls(client, f"rtu://{line.port}", line=line, timeout=timeout)

    def meter(self, device_id: int, profile: Profile | str, **kw: Any) -> ModbusMeter:
        prof = profile if isinstance(profile, Profile) else load_profile(profile)
        return ModbusMeter(self, device_id, prof, **kw)

    def call(self, what: str, method: str, address: int, **kw: Any) -> Any:
        """Run one client call; errors come back as MeterError, never as return values."""
        with self.lock:
            if not self.client.connected and not self.client.connect():
                raise MeterUnreachableError(f"{what}: cannot connect to {self.name}")
            try:
                rr = getattr(self.client, method)(address, **kw)
            except ConnectionException as exc:
                self.client.close()  # reconnect on the next call
                raise MeterUnreachableError(
                    f"{what}: connection to {self.name} lost: {exc}"
                ) from exc
            except ModbusIOException as exc:
                raise MeterUnreachableError(
                    f"{what}: no response from {self.name} within {self.timeout:g} s"
                    f"{self._no_answer_hint()}"
                ) from exc
            except ModbusException as exc:
                raise MeterProtocolError(f"{what}: {exc}") from exc
        if rr is None:
            raise MeterUnreachableError(f"{what}: no response from {self.name}")
        if rr.isError():
            code = int(getattr(rr, "exception_code", 0))
            name = EXCEPTION_NAMES.get(code, "unknown exception")
            fc = rr.function_code & 0x7F
            text = f"{what}: exception response 0x{code:02X} ({name}) to FC{fc:02d}"
            if code in GATEWAY_NO_ANSWER:
                raise MeterUnreachableError(text)
            raise ModbusExceptionResponse(text, function_code=fc, exception_code=code)
        return rr

    def _no_answer_hint(self) -> str:
        if self.line is None:
            return ""
        # on RS-485 silence is all a wrong id, wiring or speed ever says
        return (
            f" (check the meter's device id, the A/B wiring, and that it is set to "
            f"{self.line.settings})"
        )

    def close(self) -> None:
        with self.lock:
            self.client.close()

    def __enter__(self) -> ModbusBus:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class ModbusBuses:
    """One ModbusBus per host:port (or serial port): meters named by address share them."""

    def __init__(self, *, timeout: float = 1.0, retries: int = 1) -> None:
        self._buses: dict[str, ModbusBus] = {}
        self._timeout = timeout
        self._retries = retries
        self._lock = threading.Lock()

    def meter(self, address: str, profile: Profile | str) -> ModbusMeter:
        """``tcp://host:port/<device id>``, or ``rtu://<serial port>/<device id>`` with the line's
        settings in the query: ``rtu:///dev/ttyUSB0/17?baud=9600&parity=N&stopbits=1`` (those
        are the defaults). Every meter on one serial port must name the same settings."""
        parts = urlsplit(address)
        head, _, dev = parts.path.rpartition("/")
        if parts.scheme not in ("tcp", "rtu") or not dev.isdigit():
            raise MeterError(
                f"{address}: not a Modbus meter address (tcp://host:port/<device id> or "
                "rtu:///dev/ttyUSB0/<device id>?baud=9600&parity=N&stopbits=1)"
            )
        if parts.scheme == "rtu" and (parts.netloc or not head):
            raise MeterError(
                f"{address}: an RTU address names the serial port after rtu:// with three "
                "slashes, e.g. rtu:///dev/ttyUSB0/17"
            )
        if parts.scheme == "tcp" and parts.query:
            raise MeterError(f"{address}: serial settings (?{parts.query}) are for rtu:// only")
        line = SerialLine.from_query(head, parts.query) if parts.scheme == "rtu" else None
        key = f"{parts.scheme}://{parts.netloc}{head}"
        with self._lock:
            bus = self._buses.get(key)
            if bus is None:
                if line is None:
                    bus = ModbusBus.tcp(
                        parts.hostname or "127.0.0.1",
                        parts.port or 502,
                        timeout=self._timeout,
                        retries=self._retries,
                    )
                else:
                    bus = ModbusBus.serial(line, timeout=self._timeout, retries=self._retries)
                self._buses[key] = bus
            elif line is not None and bus.line != line:
                assert bus.line is not None
                raise MeterError(
                    f"{address}: {head} is already used at {bus.line.settings}; every meter on "
                    f"one RS-485 line must be set to the same speed and parity, not "
                    f"{line.settings}"
                )
        return bus.meter(int(dev), profile)

    @property
    def buses(self) -> list[ModbusBus]:
        return list(self._buses.values())

    def close(self) -> None:
        for bus in self._buses.values():
            bus.close()


class ModbusMeter(NetworkedMeter):
    """A meter at one device id on a ModbusBus, read and switched through its profile."""

    def __init__(
        self,
        bus: ModbusBus,
        device_id: int,
        profile: Profile,
        *,
        now: Callable[[], dt.datetime] = _utcnow,
    ) -> None:
        if not 0 <= device_id <= 247:
            raise MeterError(f"{bus.name}: device id {device_id} outside 0..247")
        if bus.line is not None and device_id not in RTU_DEVICE_IDS:
            raise MeterError(
                f"{bus.name}: device id {device_id} is the RS-485 broadcast address, which no "
                "meter answers; give the meter an id 1..247"
            )
        self.bus = bus
        self.device_id = device_id
        self.profile = profile
        self.address = f"{bus.name}/{device_id}"
        self._now = now

    def __repr__(self) -> str:
        return f"ModbusMeter({self.address!r}, {self.profile.name})"

    def _read_registers(self, reg: Register) -> float:
        method = "read_input_registers" if reg.table == "input" else "read_holding_registers"
        rr = self.bus.call(
            f"{self.address} {reg.name}",
            method,
            reg.address,
            count=reg.count,
            device_id=self.device_id,
        )
        if len(rr.registers) != reg.count:
            raise MeterProtocolError(
                f"{self.address} {reg.name}: {len(rr.registers)} registers, expected {reg.count}"
            )
        value = reg.decode(rr.registers)
        if value != value or value in (float("inf"), float("-inf")):
            raise MeterProtocolError(f"{self.address} {reg.name}: register holds {value}")
        return value

    def read_relay(self) -> RelayState:
        relay = self.profile.relay
        if relay is None:
            return RelayState.NONE
        what = f"{self.address} relay"
        if relay.table == "coil":
            rr = self.bus.call(what, "read_coils", relay.address, count=1, device_id=self.device_id)
            value = int(bool(rr.bits[0]))
        else:
            rr = self.bus.call(
                what, "read_holding_registers", relay.address, count=1, device_id=self.device_id
            )
            value = rr.registers[0]
        if value == relay.closed:
            return RelayState.CLOSED
        if value == relay.open:
            return RelayState.OPEN
        raise MeterProtocolError(
            f"{what}: register 0x{relay.address:04X} holds {value}, "
            f"neither closed={relay.closed} nor open={relay.open}"
        )

    def read(self) -> Reading:
        p = self.profile
        energy = self._read_registers(p.energy)
        power = self._read_registers(p.power) if p.power else None
        voltage = self._read_registers(p.voltage) if p.voltage else None
        return Reading(
            meter=self.address,
            energy_wh=round(energy),
            power_w=None if power is None else round(power),
            voltage_dv=None if voltage is None else round(voltage),
            relay=self.read_relay(),
            at=self._now(),
        )

    def set_relay(self, closed: bool) -> RelayState:
        relay = self.profile.relay
        if relay is None:
            raise MeterError(
                f"{self.address}: {self.profile.model} has no relay; "
                "disconnection needs an external contactor"
            )
        value = relay.closed if closed else relay.open
        what = f"{self.address} relay"
        log.info("%s: commanding %s", what, "closed" if closed else "open")
        if relay.write == "write_registers":
            self.bus.call(
                what, "write_registers", relay.address, values=[value], device_id=self.device_id
            )
        elif relay.write == "write_register":
            self.bus.call(
                what, "write_register", relay.address, value=value, device_id=self.device_id
            )
        else:
            self.bus.call(
                what, "write_coil", relay.address, value=bool(value), device_id=self.device_id
            )
        state = self.read_relay()
        want = RelayState.CLOSED if closed else RelayState.OPEN
        if state is not want:
            raise RelayError(f"{what}: commanded {want.value}, reads back {state.value}")
        return state
