"""A Modbus meter simulator on pymodbus's own server: any profile, many device ids, one port --
a TCP port (a gateway) or a serial port (an RS-485 line, Modbus RTU).

Each simulated meter has a load in W. While its relay is closed (or it has none) the load is drawn:
power reads the load and energy grows with the clock; when the relay is open power reads 0 and
energy stops. Writing the relay register (with the function the profile names; a DDS238 refuses
FC06 on it, like the real one) switches the relay. The clock is real time (optionally sped up) or
a SteppedClock that tests advance by hand. Registers are encoded on every request from the meter's
state with the profile's datatype and word order; anything the profile does not map answers
"illegal data address". A device id nobody simulates answers 0x0B "gateway target device failed to
respond" over TCP, as a Modbus TCP gateway does; on a serial line it answers nothing, as on a real
RS-485 line where no meter has that id (the master times out).

Built on pymodbus.simulator.SimDevice/SimData (the datastore API that replaces the deprecated
ModbusServerContext in pymodbus 3.10+) and pymodbus.server.ModbusTcpServer or ModbusSerialServer,
running in an asyncio loop on its own thread. Device ids are 1..247 per port; simulate more meters
with more simulators.

Demo: ``python -m meters.modbus.simulator --profile sdm120 --devices 1-10 --port 5020``, or on a
serial port: ``python -m meters.modbus.simulator --profile dds238 --serial /dev/ttyUSB1``
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass, field

from pymodbus.constants import ExcCodes
from pymodbus.exceptions import NoSuchIdException
from pymodbus.server import ModbusSerialServer, ModbusTcpServer
from pymodbus.simulator import DataType, SimData, SimDevice
from pymodbus.simulator.simcore import SimCore

from meters.modbus.profile import Profile, load_profile
from meters.serialline import BAUD_RATES, SerialLine
from meters.simclock import Clock, RealClock, SteppedClock

__all__ = ["Clock", "MeterSimulator", "RealClock", "SimMeter", "SteppedClock", "parse_ids"]

FC_TABLE = {3: "holding", 4: "input", 6: "holding", 16: "holding", 23: "holding"}


@dataclass
class SimMeter:
    """The state of one simulated meter. Change it through MeterSimulator (it holds the lock)."""

    device_id: int
    profile: Profile
    load_w: float = 0.0
    energy_wh: float = 0.0
    voltage_dv: float = 2300.0
    relay_closed: bool = True
    stuck_relay: bool = False  # fault injection: relay writes are acknowledged but ignored
    last_t: float = field(default=0.0, repr=False)

    @property
    def power_w(self) -> float:
        return self.load_w if self.relay_closed or self.profile.relay is None else 0.0

    def accrue(self, now: float) -> None:
        if now > self.last_t:
            self.energy_wh += self.power_w * (now - self.last_t) / 3600.0
        self.last_t = now

    def values(self) -> dict[str, float]:
        return {"energy": self.energy_wh, "power": self.power_w, "voltage": self.voltage_dv}


class _StrictSimCore(SimCore):
    """SimCore answers an unknown id from device 0 (or fails with "device failure");
    a gateway answers 0x0B instead, which the server sends for NoSuchIdException."""

    async def async_getValues(self, device_id, func_code, address, count=1):  # type: ignore[no-untyped-def]
        if device_id not in self.devices:
            raise NoSuchIdException(f"device id {device_id} is not simulated")
        return await super().async_getValues(device_id, func_code, address, count)

    async def async_setValues(self, device_id, func_code, address, values):  # type: ignore[no-untyped-def]
        if device_id not in self.devices:
            raise NoSuchIdException(f"device id {device_id} is not simulated")
        return await super().async_setValues(device_id, func_code, address, values)


class MeterSimulator:
    """Serve simulated meters from a background thread: on ``host:port`` (Modbus TCP; port 0 =
    any free port), or on the serial port of ``line`` (Modbus RTU) when a line is given."""

    def __init__(
        self,
        meters: Iterable[SimMeter],
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        line: SerialLine | None = None,
        clock: Clock | None = None,
    ) -> None:
        self.meters = {m.device_id: m for m in meters}
        bad = [i for i in self.meters if not 1 <= i <= 247]
        if bad:
            raise ValueError(f"device ids must be 1..247, got {bad[:5]}")
        self.host = host
        self.port = port
        self.line = line
        self.clock: Clock = clock or RealClock()
        self.lock = threading.Lock()
        self.requests = 0
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._server: ModbusTcpServer | ModbusSerialServer | None = None
        t = self.clock.now()
        for m in self.meters.values():
            m.last_t = t

    @classmethod
    def of(
        cls,
        profile: str | Profile,
        device_ids: Iterable[int],
        *,
        load_w: float = 0.0,
        energy_wh: float = 0.0,
        **kw: object,
    ) -> MeterSimulator:
        prof = profile if isinstance(profile, Profile) else load_profile(profile)
        meters = [SimMeter(i, prof, load_w=load_w, energy_wh=energy_wh) for i in device_ids]
        return cls(meters, **kw)  # type: ignore[arg-type]

    # -- state, from any thread ---------------------------------------------------------------

    def meter(self, device_id: int) -> SimMeter:
        return self.meters[device_id]

    def snapshot(self, device_id: int) -> dict[str, float | bool]:
        """Energy (Wh), power (W), voltage (dV) and relay of one meter, brought up to now."""
        with self.lock:
            m = self.meters[device_id]
            m.accrue(self.clock.now())
            return {**m.values(), "relay_closed": m.relay_closed}

    def set(self, device_id: int, **changes: float | bool) -> None:
        """Change a meter (load_w, energy_wh, voltage_dv, relay_closed, stuck_relay) from now on."""
        with self.lock:
            m = self.meters[device_id]
            m.accrue(self.clock.now())
            for k, v in changes.items():
                if k not in ("load_w", "energy_wh", "voltage_dv", "relay_closed", "stuck_relay"):
                    raise AttributeError(k)
                setattr(m, k, v)

    @property
    def url(self) -> str:
        """``tcp://127.0.0.1:5020``, or ``rtu:///dev/ttyUSB1`` for the serial port it serves (a
        master uses the *other* end of the line: the other port of a pty pair or a cable)."""
        if self.line is not None:
            return f"rtu://{self.line.port}"
        return f"tcp://{self.host}:{self.port}"

    # -- the Modbus side ----------------------------------------------------------------------

    def _device(self, m: SimMeter) -> SimDevice:
        p = m.profile
        tables: dict[str, list[SimData]] = {"holding": [], "input": []}
        for reg in p.registers:
            tables[reg.table].append(
                SimData(
                    reg.address, values=[0] * reg.count, datatype=DataType.REGISTERS, readonly=True
                )
            )
        if p.relay is not None:
            if p.relay.table != "holding":
                raise ValueError(f"{p.path}: the simulator switches holding-register relays only")
            tables["holding"].append(
                SimData(p.relay.address, values=p.relay.closed, datatype=DataType.REGISTERS)
            )
        for name, blocks in tables.items():
            if not blocks:  # SimDevice wants every table; an all-invalid one answers 0x02
                tables[name] = [SimData(0, datatype=DataType.INVALID)]
        no_bits = [SimData(0xFFF0, values=[False] * 16, datatype=DataType.BITS, readonly=True)]
        return SimDevice(
            id=m.device_id,
            simdata=(no_bits, list(no_bits), tables["holding"], tables["input"]),
            action=functools.partial(self._action, m),
        )

    async def _action(
        self,
        m: SimMeter,
        fc: int,
        start: int,
        address: int,
        count: int,
        registers: list[int],
        set_values: list[int] | list[bool] | None,
    ) -> ExcCodes | None:
        table = FC_TABLE.get(fc)
        relay = m.profile.relay
        with self.lock:
            self.requests += 1
            m.accrue(self.clock.now())
            if (
                set_values is not None
                and relay is not None
                and table == "holding"
                and address <= relay.address < address + count
            ):
                if relay.write == "write_registers" and fc != 16:
                    return ExcCodes.ILLEGAL_FUNCTION  # DDS238: relay only via FC16
                i = relay.address - address
                if set_values[i] not in (relay.closed, relay.open):
                    return ExcCodes.ILLEGAL_VALUE
                if m.stuck_relay:
                    set_values[i] = relay.closed if m.relay_closed else relay.open  # type: ignore[call-overload]
                else:
                    m.relay_closed = set_values[i] == relay.closed
            values = m.values()
            for reg in m.profile.registers:
                if reg.table == table:
                    off = reg.address - start
                    registers[off : off + reg.count] = reg.encode(values[reg.name])
            if relay is not None and table == "holding":
                registers[relay.address - start] = relay.closed if m.relay_closed else relay.open
        return None

    async def _serve(self, ready: threading.Event, errors: list[BaseException]) -> None:
        try:
            devices = [self._device(m) for m in self.meters.values()]
            line = self.line
            if line is None:
                self._server = ModbusTcpServer(devices, address=(self.host, self.port))
            else:
                # ignore_missing_devices: on RS-485 a request for an id nobody has goes unanswered
                self._server = ModbusSerialServer(
                    devices,
                    port=line.port,
                    baudrate=line.baudrate,
                    parity=line.parity,
                    stopbits=line.stopbits,
                    bytesize=line.bytesize,
                    ignore_missing_devices=True,
                )
            self._server.context = _StrictSimCore(devices)
            try:
                await self._server.serve_forever(background=True)
            except RuntimeError as exc:
                where = f"serial port {line.port}" if line else f"{self.host}:{self.port}"
                raise RuntimeError(f"cannot listen on {where} ({exc})") from exc
            if line is None:
                sock = self._server.transport.sockets[0]  # type: ignore[union-attr,attr-defined]
                self.port = sock.getsockname()[1]
        except BaseException as exc:  # reported to start()'s caller
            errors.append(exc)
        finally:
            ready.set()

    def start(self) -> MeterSimulator:
        ready = threading.Event()
        errors: list[BaseException] = []
        self._loop = asyncio.new_event_loop()

        def run() -> None:
            assert self._loop is not None
            asyncio.set_event_loop(self._loop)
            self._loop.create_task(self._serve(ready, errors))
            self._loop.run_forever()

        name = f"modbus-sim:{self.line.port if self.line else self.port}"
        self._thread = threading.Thread(target=run, name=name, daemon=True)
        self._thread.start()
        if not ready.wait(10):
            raise RuntimeError("the Modbus simulator did not start within 10 s")
        if errors:
            self.stop()
            raise RuntimeError(f"the Modbus simulator did not start: {errors[0]}") from errors[0]
        return self

    def stop(self) -> None:
        loop, thread = self._loop, self._thread
        if loop is None or thread is None:
            return
        if self._server is not None:
            asyncio.run_coroutine_threadsafe(self._server.shutdown(), loop).result(5)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(5)
        loop.close()
        self._loop = self._thread = self._server = None

    def __enter__(self) -> MeterSimulator:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def parse_ids(text: str) -> list[int]:
    """ "1-10,20" -> [1, ..., 10, 20]."""
    ids: list[int] = []
    for part in text.split(","):
        lo, _, hi = part.partition("-")
        ids.extend(range(int(lo), int(hi or lo) + 1))
    return ids


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(
        prog="python -m meters.modbus.simulator",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    ap.add_argument("--profile", default="sdm120", help="profile name or .toml path")
    ap.add_argument("--devices", default="1", help="device ids, e.g. 1-10,20 (1..247)")
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=5020)
    ap.add_argument("--serial", metavar="PORT", help="serve Modbus RTU on this serial port instead")
    ap.add_argument("--baud", type=int, default=9600, choices=BAUD_RATES, help="serial baud rate")
    ap.add_argument("--parity", default="N", choices=["N", "E", "O"], help="serial parity")
    ap.add_argument("--stopbits", type=int, default=1, choices=[1, 2], help="serial stop bits")
    ap.add_argument("--load", type=float, default=1500.0, help="load of every meter, W")
    ap.add_argument("--energy", type=float, default=0.0, help="starting energy, Wh")
    ap.add_argument("--speed", type=float, default=1.0, help="simulated seconds per real second")
    args = ap.parse_args(argv)
    line = SerialLine(args.serial, args.baud, args.parity, args.stopbits) if args.serial else None
    sim = MeterSimulator.of(
        args.profile,
        parse_ids(args.devices),
        load_w=args.load,
        energy_wh=args.energy,
        host=args.host,
        port=args.port,
        line=line,
        clock=RealClock(args.speed),
    )
    sim.start()
    prof = next(iter(sim.meters.values())).profile
    print(
        f"{prof.model} ({prof.name}) x{len(sim.meters)} on {sim.url}"
        f"{f' ({sim.line.settings})' if sim.line else ''}, device ids {args.devices},"
        f" load {args.load:g} W, speed x{args.speed:g}. Ctrl-C stops.",
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
