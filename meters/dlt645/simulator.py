"""A DL/T 645-2007 meter simulator: meters with 12-digit addresses behind one TCP port (like an
RS-485 to Ethernet converter) or on one serial port (a pty in the tests, a USB adapter on a bench).

Each meter has a load in W drawn while its relay is closed: power reads the load, energy grows
with the clock (real or a SteppedClock). It answers "read data" for the DIs the driver uses
(combined active energy, active power, phase A voltage and current, status word 3) and the remote
control of its relay (1AH trip, 1CH close; 1BH "close allowed" leaves it open, waiting for a
button nobody presses), checking the password and the command's end of validity against its own
clock. Like a meter it answers abnormally (DxH + error byte) what it refuses, and not at all to a
frame for another address, to the broadcast address, or to a damaged frame.

Fault injection: ``stuck_relay`` acknowledges relay commands and ignores them; ``bad_checksum``
sends every reply with a wrong checksum, as line noise would.

Demo: ``python -m meters.dlt645.simulator --meters 000000000001-000000000005 --port 8899``
"""

from __future__ import annotations

import argparse
import datetime as dt
import math
import socket
import socketserver
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import serial

from meters.dlt645 import commands
from meters.dlt645.commands import (
    ACTIVE_POWER,
    COMBINED_ACTIVE_ENERGY,
    DATA_ITEMS,
    FORWARD_ACTIVE_ENERGY,
    PHASE_A_CURRENT,
    PHASE_A_VOLTAGE,
    STATUS_WORD_3,
    ControlCommand,
    ErrorBit,
    Password,
    Status3,
)
from meters.dlt645.frame import (
    BROADCAST_ADDRESS,
    CONTROL_ABNORMAL,
    CONTROL_REPLY,
    PREAMBLE_LEN,
    WILDCARD_ADDRESS,
    Address,
    DltError,
    Frame,
    FrameReader,
    Function,
    encode,
)
from meters.dlt645.transport import DEFAULT_LINE
from meters.serialline import BAUD_RATES, SerialLine
from meters.simclock import Clock, RealClock

POLL_S = 0.05  # how often the serving threads look for a stop request
SETTABLE = ("load_w", "energy_wh", "voltage_dv", "relay_closed", "stuck_relay", "bad_checksum")
WH_PER_KWH = 1000
W_PER_KW = 1000
DV_PER_V = 10
NOMINAL_POWER_FACTOR = 1.0  # the simulated load is resistive: current = power / voltage


@dataclass
class SimDltMeter:
    """The state of one simulated meter. Change it through Dlt645Simulator (it holds the lock)."""

    address: Address
    load_w: float = 0.0
    energy_wh: float = 0.0
    voltage_dv: float = 2300.0
    relay_closed: bool = True
    stuck_relay: bool = False  # fault injection: relay commands acknowledged but ignored
    bad_checksum: bool = False  # fault injection: replies damaged on the line
    last_t: float = field(default=0.0, repr=False)

    @property
    def power_w(self) -> float:
        return self.load_w if self.relay_closed else 0.0

    def accrue(self, now: float) -> None:
        if now > self.last_t:
            self.energy_wh += self.power_w * (now - self.last_t) / 3600.0
        self.last_t = now

    def counts(self) -> dict[int, int]:
        """Every DI it answers, as the integer count its format sends."""
        energy = {  # a meter counts whole 0.01 kWh
            item.di: math.floor(self.energy_wh * 10**item.decimals / WH_PER_KWH + 1e-9)
            for item in (COMBINED_ACTIVE_ENERGY, FORWARD_ACTIVE_ENERGY)
        }
        volts = self.voltage_dv / DV_PER_V
        amps = self.power_w / (volts * NOMINAL_POWER_FACTOR) if volts else 0.0
        status = Status3(0)
        if not self.relay_closed:
            status = Status3.RELAY_OPEN | Status3.RELAY_COMMAND_OPEN
        return {
            **energy,
            ACTIVE_POWER.di: round(self.power_w / W_PER_KW * 10**ACTIVE_POWER.decimals),
            PHASE_A_VOLTAGE.di: round(volts * 10**PHASE_A_VOLTAGE.decimals),
            PHASE_A_CURRENT.di: round(amps * 10**PHASE_A_CURRENT.decimals),
            STATUS_WORD_3.di: int(status),
        }


def _meter_local_now() -> dt.datetime:
    return dt.datetime.now()  # a meter's clock: local time, no zone (see driver.py)


class Dlt645Simulator:
    """Serve simulated meters from background threads: on ``host:port`` (port 0 = any free
    port), or on the serial port of ``line`` when a line is given."""

    def __init__(
        self,
        meters: Iterable[SimDltMeter],
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        line: SerialLine | None = None,
        clock: Clock | None = None,
        password: Password | None = None,
        meter_clock: Callable[[], dt.datetime] = _meter_local_now,
        preamble: int = PREAMBLE_LEN,
    ) -> None:
        self.meters = {m.address.digits: m for m in meters}
        if not self.meters:
            raise ValueError("a simulator needs at least one meter")
        self.host = host
        self.port = port
        self.line = line
        self.clock: Clock = clock or RealClock()
        self.password = password or Password()
        self.meter_clock = meter_clock
        self.preamble = preamble
        self.lock = threading.Lock()
        self.requests = 0
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._tcp: socketserver.ThreadingTCPServer | None = None
        self._serial: serial.Serial | None = None
        t = self.clock.now()
        for m in self.meters.values():
            m.last_t = t

    @classmethod
    def of(
        cls,
        addresses: Iterable[str],
        *,
        load_w: float = 0.0,
        energy_wh: float = 0.0,
        **kw: object,
    ) -> Dlt645Simulator:
        meters = [
            SimDltMeter(Address.parse(a), load_w=load_w, energy_wh=energy_wh) for a in addresses
        ]
        return cls(meters, **kw)  # type: ignore[arg-type]

    # -- state, from any thread ---------------------------------------------------------------

    def meter(self, address: str) -> SimDltMeter:
        return self.meters[Address.parse(address).digits]

    def snapshot(self, address: str) -> dict[str, float | bool]:
        """Energy (Wh), power (W), voltage (dV) and relay of one meter, brought up to now."""
        with self.lock:
            m = self.meter(address)
            m.accrue(self.clock.now())
            return {
                "energy": m.energy_wh,
                "power": m.power_w,
                "voltage": m.voltage_dv,
                "relay_closed": m.relay_closed,
            }

    def set(self, address: str, **changes: float | bool) -> None:
        """Change a meter (load_w, energy_wh, voltage_dv, relay_closed, stuck_relay,
        bad_checksum) from now on."""
        with self.lock:
            m = self.meter(address)
            m.accrue(self.clock.now())
            for k, v in changes.items():
                if k not in SETTABLE:
                    raise AttributeError(k)
                setattr(m, k, v)

    @property
    def url(self) -> str:
        """``dlt645+tcp://127.0.0.1:8899``, or ``dlt645:///dev/ttyUSB1`` for the serial port it
        serves (a master uses the *other* end of the line)."""
        if self.line is not None:
            return f"dlt645://{self.line.port}"
        return f"dlt645+tcp://{self.host}:{self.port}"

    # -- the meter -----------------------------------------------------------------------------

    def handle(self, request: Frame) -> Frame | None:
        """What the meters answer to ``request``: a reply, or None for silence."""
        if request.is_reply or request.address.digits == BROADCAST_ADDRESS:
            return None
        with self.lock:
            self.requests += 1
            m = self._addressed(request.address)
            if m is None:
                return None
            m.accrue(self.clock.now())
            if request.function == Function.READ_DATA:
                return self._read(m, request)
            if request.function == Function.REMOTE_CONTROL:
                return self._control(m, request)
            return _abnormal(m, request, ErrorBit.OTHER)

    def _addressed(self, address: Address) -> SimDltMeter | None:
        if address.digits == WILDCARD_ADDRESS:
            # "whoever is on the line": only meaningful with one meter on it
            return next(iter(self.meters.values())) if len(self.meters) == 1 else None
        return self.meters.get(address.digits)

    def _read(self, m: SimDltMeter, request: Frame) -> Frame:
        try:
            di = commands.parse_read_request(request)
        except DltError:
            return _abnormal(m, request, ErrorBit.OTHER)
        counts = m.counts()
        if di not in counts:
            return _abnormal(m, request, ErrorBit.NO_DATA)
        item = DATA_ITEMS[di]
        return _normal(m, request, item.di_bytes + item.encode(counts[di]))

    def _control(self, m: SimDltMeter, request: Frame) -> Frame:
        try:
            order = commands.parse_remote_control_request(request)
        except DltError:
            return _abnormal(m, request, ErrorBit.OTHER)
        if order.password != self.password:
            return _abnormal(m, request, ErrorBit.UNAUTHORISED)
        if order.valid_until < self.meter_clock():
            return _abnormal(m, request, ErrorBit.OTHER)  # expired: what meters answer
        if order.command not in (
            ControlCommand.TRIP,
            ControlCommand.CLOSE,
            ControlCommand.CLOSE_ALLOWED,
        ):
            return _abnormal(m, request, ErrorBit.OTHER)  # alarm, keep power: not simulated
        if not m.stuck_relay:
            if order.command is ControlCommand.TRIP:
                m.relay_closed = False
            elif order.command is ControlCommand.CLOSE:
                m.relay_closed = True
        return _normal(m, request, b"")

    def _wire(self, request: Frame) -> bytes:
        """The bytes sent back for ``request`` (empty for silence)."""
        reply = self.handle(request)
        if reply is None:
            return b""
        raw = bytearray(encode(reply, preamble=self.preamble))
        m = self.meters[reply.address.digits]
        if m.bad_checksum:
            raw[-2] ^= 0xFF
        return bytes(raw)

    def _feed(self, reader: FrameReader, data: bytes) -> bytes:
        """Feed received bytes; the bytes to send back (a damaged frame gets no answer)."""
        out = b""
        frame = reader.feed(data)
        while frame is not None:
            out += self._wire(frame)
            frame = reader.feed(b"")
        return out

    # -- serving ---------------------------------------------------------------------------------

    def start(self) -> Dlt645Simulator:
        self._stop.clear()
        if self.line is None:
            self._start_tcp()
        else:
            self._start_serial(self.line)
        return self

    def _start_tcp(self) -> None:
        sim = self

        class Handler(socketserver.BaseRequestHandler):
            def handle(self) -> None:
                sock: socket.socket = self.request
                sock.settimeout(POLL_S)
                reader = FrameReader()
                while not sim._stop.is_set():
                    try:
                        data = sock.recv(256)
                    except TimeoutError:
                        continue
                    except OSError:
                        return
                    if not data:
                        return
                    out = sim._feed(reader, data)
                    if out:
                        sock.sendall(out)

        server = _TcpServer((self.host, self.port), Handler)
        self._tcp = server
        self.port = server.server_address[1]
        self._spawn(server.serve_forever, f"dlt645-sim:{self.port}", POLL_S)

    def _start_serial(self, line: SerialLine) -> None:
        try:
            port = serial.serial_for_url(
                line.port,
                baudrate=line.baudrate,
                bytesize=line.bytesize,
                parity=line.parity,
                stopbits=line.stopbits,
                timeout=POLL_S,
                exclusive=True,
            )
        except (serial.SerialException, OSError, ValueError) as exc:
            raise RuntimeError(f"cannot open serial port {line.port} ({exc})") from exc
        self._serial = port
        reader = FrameReader()

        def run() -> None:
            while not self._stop.is_set():
                try:
                    data = port.read(max(1, port.in_waiting))
                except (serial.SerialException, OSError):
                    return  # the port went away (stop() closed it, or the pty died)
                if data:
                    out = self._feed(reader, data)
                    if out:
                        port.write(out)

        self._spawn(run, f"dlt645-sim:{line.port}")

    def _spawn(self, target: Callable[..., None], name: str, *args: object) -> None:
        thread = threading.Thread(target=target, args=args, name=name, daemon=True)
        thread.start()
        self._threads.append(thread)

    def stop(self) -> None:
        self._stop.set()
        if self._tcp is not None:
            self._tcp.shutdown()
            self._tcp.server_close()
            self._tcp = None
        for thread in self._threads:
            thread.join(5)
        self._threads.clear()
        if self._serial is not None:
            self._serial.close()
            self._serial = None

    def __enter__(self) -> Dlt645Simulator:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


class _TcpServer(socketserver.ThreadingTCPServer):
    allow_reuse_address = True  # a restarted simulator gets its port back at once
    daemon_threads = True


def _normal(m: SimDltMeter, request: Frame, data: bytes) -> Frame:
    # from the meter's own address, also when it was asked as AAAAAAAAAAAA
    return Frame(m.address, request.control | CONTROL_REPLY, data)


def _abnormal(m: SimDltMeter, request: Frame, error: ErrorBit) -> Frame:
    return Frame(m.address, request.control | CONTROL_REPLY | CONTROL_ABNORMAL, bytes([error]))


def parse_addresses(text: str) -> list[str]:
    """``"000000000001-000000000003,12345678"`` -> the 12-digit addresses, ranges expanded."""
    out: list[str] = []
    for part in text.split(","):
        lo, _, hi = part.partition("-")
        first, last = int(lo), int(hi or lo)
        if last < first:
            raise ValueError(f"{part}: a range runs upwards")
        out.extend(Address.parse(str(n)).digits for n in range(first, last + 1))
    return out


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(
        prog="python -m meters.dlt645.simulator",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    ap.add_argument("--meters", default="1", help="addresses, e.g. 1-5,12345678 (zero-padded)")
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=8899)
    ap.add_argument("--serial", metavar="PORT", help="serve on this serial port instead")
    ap.add_argument("--baud", type=int, default=DEFAULT_LINE.baudrate, choices=BAUD_RATES)
    ap.add_argument("--parity", default=DEFAULT_LINE.parity, choices=["N", "E", "O"])
    ap.add_argument("--stopbits", type=int, default=DEFAULT_LINE.stopbits, choices=[1, 2])
    ap.add_argument("--load", type=float, default=1500.0, help="load of every meter, W")
    ap.add_argument("--energy", type=float, default=0.0, help="starting energy, Wh")
    ap.add_argument("--speed", type=float, default=1.0, help="simulated seconds per real second")
    args = ap.parse_args(argv)
    line = SerialLine(args.serial, args.baud, args.parity, args.stopbits) if args.serial else None
    sim = Dlt645Simulator.of(
        parse_addresses(args.meters),
        load_w=args.load,
        energy_wh=args.energy,
        host=args.host,
        port=args.port,
        line=line,
        clock=RealClock(args.speed),
    )
    sim.start()
    print(
        f"DL/T 645 meters x{len(sim.meters)} on {sim.url}"
        f"{f' ({line.settings})' if line else ''}: {', '.join(list(sim.meters)[:5])}"
        f"{' ...' if len(sim.meters) > 5 else ''}, load {args.load:g} W. Ctrl-C stops.",
        flush=True,
    )
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        sim.stop()


if __name__ == "__main__":
    main()
