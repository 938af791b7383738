"""Emulated cards kept in files, so a virtual card outlives one command (CLI, demo, a technician's
bench): the card's whole state -- memory, and the SLE4442's protection and security memory -- as
JSON."""

from __future__ import annotations

import json
import os
import secrets
from pathlib import Path

from cardlib.apdu import Trace
from cardlib.emulator.base import EmulatedCard
from cardlib.emulator.classic import EmulatedClassic
from cardlib.emulator.sle4442 import EmulatedSle4442
from cardlib.emulator.ultralight import VARIANTS, EmulatedUltralight
from cardlib.reader.base import CardConnection
from cardlib.reader.emulated import EmulatedReader

FORMAT = 1
#: the card kinds one can make, by the name the command line takes
KINDS = ("classic1k", "classic4k", "sle4442", *(v.lower() for v in sorted(VARIANTS)))


def new_card(kind: str, uid: bytes | None = None) -> EmulatedCard:
    """A blank card of ``kind`` with a random UID unless one is given."""
    kind = kind.lower()
    if kind in ("classic1k", "classic4k"):
        return EmulatedClassic.blank(uid or secrets.token_bytes(4), size=kind[-2:])
    if kind == "sle4442":
        return EmulatedSle4442.blank()
    variant = {v.lower(): v for v in VARIANTS}.get(kind)
    if variant is None:
        raise ValueError(f"Unknown card kind {kind!r}; choose one of: {', '.join(KINDS)}.")
    return EmulatedUltralight.blank(uid or b"\x04" + secrets.token_bytes(6), variant=variant)


def to_json(card: EmulatedCard) -> dict:
    if isinstance(card, EmulatedClassic):
        return {"kind": f"classic{card.size}", "uid": card.uid.hex(), "memory": card.dump().hex()}
    if isinstance(card, EmulatedUltralight):
        return {
            "kind": card.variant.name.lower(),
            "uid": card.uid.hex(),
            "memory": card.dump().hex(),
            "failed_auths": card.failed_auths,
        }
    if isinstance(card, EmulatedSle4442):
        return {
            "kind": "sle4442",
            "memory": card.dump().hex(),
            "protection": card.protection,
            "psc": card.psc.hex(),
            "error_counter": card.error_count,
        }
    raise TypeError(f"cannot store a {type(card).__name__}")


def from_json(data: dict) -> EmulatedCard:
    kind = data["kind"]
    memory = bytes.fromhex(data["memory"])
    if kind in ("classic1k", "classic4k"):
        return EmulatedClassic(bytes.fromhex(data["uid"]), memory, size=kind[-2:])
    if kind == "sle4442":
        return EmulatedSle4442(
            memory,
            protection=int(data["protection"]),
            psc=bytes.fromhex(data["psc"]),
            error_counter=int(data["error_counter"]),
        )
    variant = {v.lower(): v for v in VARIANTS}[kind]
    card = EmulatedUltralight(variant, bytes.fromhex(data["uid"]), memory)
    card.failed_auths = int(data.get("failed_auths", 0))
    return card


def save(card: EmulatedCard, path: str | os.PathLike[str]) -> None:
    """Write atomically: a crash mid-save leaves the previous state, like a card would."""
    file = Path(path)
    tmp = file.with_suffix(file.suffix + ".tmp")
    tmp.write_text(json.dumps({"format": FORMAT, **to_json(card)}, indent=1))
    os.replace(tmp, file)


def load(path: str | os.PathLike[str]) -> EmulatedCard:
    file = Path(path)
    try:
        data = json.loads(file.read_text())
    except FileNotFoundError:
        raise FileNotFoundError(
            f"No emulated card at {file}. Make one with 'prepay-kiosk emulator new'."
        ) from None
    except json.JSONDecodeError as exc:
        raise ValueError(f"{file} is not an emulated card file: {exc}") from exc
    if data.get("format") != FORMAT:
        raise ValueError(f"{file} is an emulated card file of another format.")
    return from_json(data)


class StoredCardReader(EmulatedReader):
    """An in-process reader holding the card kept in ``path``.

    The file is written after every command, as a real card's EEPROM keeps every write: a kiosk
    process killed half-way through a top-up leaves the card exactly as far as it got, which is
    what the kill tests need."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self.stored = load(self.path)
        super().__init__(self.stored, name=f"emulated:{self.path}")

    def connect(self, trace: Trace | None = None) -> CardConnection:
        connection = super().connect(trace)
        transmit = connection._transmit

        def write_through(apdu: bytes) -> bytes:
            try:
                return transmit(apdu)
            finally:
                save(self.stored, self.path)

        connection._transmit = write_through  # type: ignore[method-assign]
        return connection

    def close(self) -> None:
        save(self.stored, self.path)
