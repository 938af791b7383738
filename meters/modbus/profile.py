"""Register profiles: one TOML data file per meter model (meters/profiles/*.toml).

A profile says where a model keeps its total energy, power and voltage (table, address, datatype,
word order, scale to Wh / W / decivolts) and, if it has one, its relay (register, on/off values,
the function that writes it). The driver and the simulator both read profiles; adding a model is
adding a file (docs/meters.md). Every mistake is a ProfileError naming the file and the field.
"""

from __future__ import annotations

import math
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from pymodbus.client.mixin import ModbusClientMixin

from meters.errors import ProfileError

PROFILE_DIR = Path(__file__).resolve().parent.parent / "profiles"

Table = Literal["input", "holding"]
DATATYPES: dict[str, tuple[ModbusClientMixin.DATATYPE, int]] = {
    "float32": (ModbusClientMixin.DATATYPE.FLOAT32, 2),
    "uint32": (ModbusClientMixin.DATATYPE.UINT32, 2),
    "int32": (ModbusClientMixin.DATATYPE.INT32, 2),
    "uint16": (ModbusClientMixin.DATATYPE.UINT16, 1),
    "int16": (ModbusClientMixin.DATATYPE.INT16, 1),
}
QUANTITIES = ("energy", "power", "voltage")  # -> Wh, W, decivolts
RELAY_WRITES = {"write_registers": "holding", "write_register": "holding", "write_coil": "coil"}


@dataclass(frozen=True)
class Register:
    """One quantity: ``value(unit) = decoded register value × scale``."""

    name: str
    table: Table
    address: int
    datatype: str
    word_order: Literal["big", "little"]
    scale: float

    @property
    def count(self) -> int:
        return DATATYPES[self.datatype][1]

    def decode(self, registers: list[int]) -> float:
        """Registers as read -> value in the project's unit (Wh, W, dV), not yet rounded."""
        raw = ModbusClientMixin.convert_from_registers(
            registers, DATATYPES[self.datatype][0], word_order=self.word_order
        )
        return float(raw) * self.scale  # type: ignore[arg-type]

    def encode(self, value: float) -> list[int]:
        """Value in the project's unit -> registers as the meter would hold them (simulator)."""
        raw: float | int = value / self.scale
        if self.datatype != "float32":
            raw = math.floor(raw + 1e-9)  # integer registers count whole units, like a meter
        return ModbusClientMixin.convert_to_registers(
            raw, DATATYPES[self.datatype][0], word_order=self.word_order
        )


@dataclass(frozen=True)
class RelayMap:
    table: Literal["holding", "coil"]
    address: int
    closed: int
    open: int
    write: Literal["write_registers", "write_register", "write_coil"]


@dataclass(frozen=True)
class Profile:
    name: str  # file stem, e.g. "sdm120"
    model: str
    path: Path
    energy: Register
    power: Register | None
    voltage: Register | None
    relay: RelayMap | None

    @property
    def registers(self) -> list[Register]:
        return [r for r in (self.energy, self.power, self.voltage) if r is not None]


def available_profiles() -> list[str]:
    """Names of the profiles shipped in meters/profiles (usable with load_profile)."""
    return sorted(p.stem for p in PROFILE_DIR.glob("*.toml"))


def load_profile(name_or_path: str | Path) -> Profile:
    """Load and validate a profile by name ("sdm120") or by the path of a .toml file."""
    text = str(name_or_path)
    path = Path(text) if ("/" in text or text.endswith(".toml")) else PROFILE_DIR / f"{text}.toml"
    if not path.is_file():
        raise ProfileError(
            f"{path}: no such profile (shipped: {', '.join(available_profiles()) or 'none'})"
        )
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ProfileError(f"{path}: not valid TOML: {exc}") from exc
    return _parse(path, data)


def _parse(path: Path, data: dict[str, Any]) -> Profile:
    def fail(field: str, why: str) -> ProfileError:
        return ProfileError(f"{path}: {field}: {why}")

    meter = data.get("meter")
    if not isinstance(meter, dict) or not isinstance(meter.get("model"), str):
        raise fail("meter.model", 'missing: a [meter] table with model = "…" is required')
    regs = data.get("registers")
    if not isinstance(regs, dict):
        raise fail("registers", "missing: [registers.energy] at least is required")
    unknown = set(regs) - set(QUANTITIES)
    if unknown:
        raise fail(f"registers.{sorted(unknown)[0]}", f"unknown quantity (known: {QUANTITIES})")
    parsed: dict[str, Register | None] = {}
    for q in QUANTITIES:
        if q not in regs:
            if q == "energy":
                raise fail("registers.energy", "missing: every meter must report its energy")
            parsed[q] = None
            continue
        parsed[q] = _register(q, regs[q], fail)
    relay = _relay(data.get("relay"), fail)
    if bool(meter.get("relay", relay is not None)) != (relay is not None):
        raise fail("meter.relay", "says the meter has a relay but there is no [relay] (or back)")
    energy = parsed["energy"]
    assert energy is not None
    return Profile(
        name=path.stem,
        model=meter["model"],
        path=path,
        energy=energy,
        power=parsed["power"],
        voltage=parsed["voltage"],
        relay=relay,
    )


def _address(value: Any, field: str, fail: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 0xFFFF:
        raise fail(field, f"must be an integer 0..65535 (0x0000..0xFFFF), got {value!r}")
    return value


def _register(name: str, spec: Any, fail: Any) -> Register:
    f = f"registers.{name}"
    if not isinstance(spec, dict):
        raise fail(f, "must be a table")
    table = spec.get("table")
    if table not in ("input", "holding"):
        raise fail(f"{f}.table", f'must be "input" (FC04) or "holding" (FC03), got {table!r}')
    datatype = spec.get("datatype")
    if datatype not in DATATYPES:
        raise fail(f"{f}.datatype", f"must be one of {sorted(DATATYPES)}, got {datatype!r}")
    word_order = spec.get("word_order", "big")
    if word_order not in ("big", "little"):
        raise fail(f"{f}.word_order", f'must be "big" or "little", got {word_order!r}')
    scale = spec.get("scale")
    if isinstance(scale, bool) or not isinstance(scale, int | float) or scale <= 0:
        raise fail(f"{f}.scale", f"must be a positive number, got {scale!r}")
    extra = set(spec) - {"table", "address", "datatype", "word_order", "scale"}
    if extra:
        raise fail(f"{f}.{sorted(extra)[0]}", "unknown field")
    return Register(
        name=name,
        table=table,
        address=_address(spec.get("address"), f"{f}.address", fail),
        datatype=datatype,
        word_order=word_order,
        scale=float(scale),
    )


def _relay(spec: Any, fail: Any) -> RelayMap | None:
    if spec is None:
        return None
    if not isinstance(spec, dict):
        raise fail("relay", "must be a table")
    write = spec.get("write")
    if write not in RELAY_WRITES:
        raise fail("relay.write", f"must be one of {sorted(RELAY_WRITES)}, got {write!r}")
    table = spec.get("table", RELAY_WRITES[write])
    if table != RELAY_WRITES[write]:
        raise fail("relay.table", f"{write} writes the {RELAY_WRITES[write]} table, not {table!r}")
    values = {}
    for key in ("closed", "open"):
        v = spec.get(key)
        if isinstance(v, bool) or not isinstance(v, int) or not 0 <= v <= 0xFFFF:
            raise fail(f"relay.{key}", f"must be an integer register value, got {v!r}")
        values[key] = v
    if values["closed"] == values["open"]:
        raise fail("relay.open", "must differ from relay.closed")
    return RelayMap(
        table=table,
        address=_address(spec.get("address"), "relay.address", fail),
        closed=values["closed"],
        open=values["open"],
        write=write,
    )
