"""Card operations: commands (APDUs) and wall time per tap, per credit and per personalisation, for
every card type, in-process (EmulatedReader) and through the real PC/SC stack (pyscard -> pcscd ->
vpcd -> VpcdLink -> emulated card).

Run: ``python -m bench.card_ops [-n 200] [--no-pcscd]`` (starts pcscd with vpcd when none is running
and stops it after; holds the machine-wide vpcd lock meanwhile). What is measured:

- tap: connect + ``CardService.open`` (read and verify) on an issued wallet card;
- credit: ``PurseCard.credit`` within that tap;
- open+credit: a credit from a fresh connection (connect + open + credit);
- personalise: connect + ``CardService.personalise`` on a blank card.

Command counts are what transfers to a real reader: on the emulator a command costs microseconds,
on a real contactless reader it costs a radio round trip (and an EEPROM write). "auths" counts the
card's authentications: GENERAL AUTHENTICATE (FF 86) on MIFARE Classic, PWD_AUTH on Ultralight /
NTAG, PRESENT_CODE on SLE4442. "sectors" is the number of MIFARE Classic sectors whose blocks were
read or written. Prints markdown tables, then a trace of one credit on a Classic 1K.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import math
import statistics
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from cardlib.apdu import Trace
from cardlib.cards.classic import sector_of
from cardlib.crypto.keys import KeyRing, generate_demo_keys
from cardlib.emulator.base import EmulatedCard
from cardlib.emulator.classic import EmulatedClassic
from cardlib.emulator.sle4442 import EmulatedSle4442
from cardlib.emulator.ultralight import EmulatedUltralight
from cardlib.emulator.vpcd import VpcdLink
from cardlib.purse.header import Role
from cardlib.reader.base import Reader
from cardlib.reader.emulated import EmulatedReader
from cardlib.service import CardService, Issue

SITE_ID = 17
KEYS = KeyRing([generate_demo_keys(1)])
WALLET = Issue(role=Role.WALLET, card_serial=1001, tenant_id=7)
CREDIT = 1  # minor units per credit: hundreds of runs stay far below any value limit

#: the card types the purse supports, each as a blank card straight from the factory
CARDS: dict[str, Callable[[], EmulatedCard]] = {
    "MIFARE Classic 1K": lambda: EmulatedClassic.blank(bytes.fromhex("A1B2C3D4"), "1k"),
    "MIFARE Classic 4K": lambda: EmulatedClassic.blank(bytes.fromhex("B1B2C3D4"), "4k"),
    "NTAG213": lambda: EmulatedUltralight.blank(bytes.fromhex("04A1B2C3D4E5F6"), "NTAG213"),
    "Ultralight EV1 MF0UL21": lambda: EmulatedUltralight.blank(
        bytes.fromhex("04998877665544"), "MF0UL21"
    ),
    "SLE4442": EmulatedSle4442.blank,
}


def new_service() -> CardService:
    return CardService(KEYS, SITE_ID, today=lambda: dt.date(2026, 11, 24))


# -- what a trace says -----------------------------------------------------------------------


def is_authentication(apdu: bytes) -> bool:
    if apdu[:2] == b"\xff\x86":  # GENERAL AUTHENTICATE (MIFARE Classic)
        return True
    if apdu[:2] == b"\xff\x20":  # PRESENT_CODE (SLE4442)
        return True
    # PWD_AUTH (NTAG / Ultralight EV1) inside a direct transmit
    return apdu[:4] == b"\xff\x00\x00\x00" and 0x1B in apdu[5:8]


def classic_sectors(entries: list[tuple[bytes, bytes]]) -> set[int]:
    """Sectors whose blocks a MIFARE Classic trace read or wrote (READ/UPDATE BINARY, values)."""
    return {
        sector_of(apdu[3])
        for apdu, _ in entries
        if apdu[:2] in (b"\xff\xb0", b"\xff\xd6", b"\xff\xd7", b"\xff\xb1")
    }


def describe(apdu: bytes) -> str:
    """What a PC/SC part 3 pseudo-APDU to a MIFARE Classic does, in words."""
    ins = apdu[1] if apdu[:1] == b"\xff" and len(apdu) > 1 else None
    if ins == 0xCA:
        return "GET UID"
    if ins == 0x82:
        return f"LOAD KEY into reader slot {apdu[3]}"
    if ins == 0x86 and len(apdu) >= 10:
        key = {0x60: "A", 0x61: "B"}.get(apdu[8], "?")
        return f"GENERAL AUTHENTICATE block {apdu[7]} (sector {sector_of(apdu[7])}), Key {key}"
    if ins == 0xB0:
        return f"READ BINARY block {apdu[3]} (sector {sector_of(apdu[3])})"
    if ins == 0xD6:
        return f"UPDATE BINARY block {apdu[3]} (sector {sector_of(apdu[3])})"
    return ""


# -- transports --------------------------------------------------------------------------------


class CardHolder(EmulatedCard):
    """One slot's worth of card whose card can be swapped for a fresh one without pcscd noticing:
    personalising needs a blank card per run, and a re-insertion through vpcd would time pcscd's
    presence polling instead of the card work."""

    def __init__(self, card: EmulatedCard) -> None:
        super().__init__()
        self.card = card

    @property
    def atr(self) -> bytes:
        return self.card.atr

    def swap(self, card: EmulatedCard) -> None:
        if card.atr != self.card.atr:
            raise ValueError("a swapped card must have the same ATR")
        card.power_on()
        self.card = card

    def power_on(self) -> None:
        self.card.power_on()

    def power_off(self) -> None:
        self.card.power_off()

    def _reset_volatile(self) -> None:
        pass  # the held card resets itself in power_on / power_off

    def _process(self, apdu: bytes) -> bytes:
        return self.card.process(apdu)


@contextlib.contextmanager
def in_process(holder: CardHolder) -> Iterator[Reader]:
    yield EmulatedReader(holder)


@contextlib.contextmanager
def through_pcscd(holder: CardHolder) -> Iterator[Reader]:
    from cardlib.emulator.pcscd import VPCD_PORT, vpcd_reader_name
    from cardlib.reader.pcsc import PcscReader

    with VpcdLink(port=VPCD_PORT) as link:
        reader = PcscReader(vpcd_reader_name(0))
        try:
            link.insert(holder)
            if not reader.wait_for_card(10.0):
                raise RuntimeError("pcscd did not see the card inserted through vpcd")
            yield reader
        finally:
            link.remove()
            reader.wait_for_removal(5.0)
            reader.close()


TRANSPORTS: dict[str, Callable[[CardHolder], contextlib.AbstractContextManager[Reader]]] = {
    "in-process": in_process,
    "pcscd+vpcd": through_pcscd,
}


# -- measuring ---------------------------------------------------------------------------------


@dataclass
class Timings:
    """Wall times (seconds) and command counts of one operation over many runs."""

    seconds: list[float] = field(default_factory=list)
    commands: list[int] = field(default_factory=list)

    def add(self, seconds: float, commands: int) -> None:
        self.seconds.append(seconds)
        self.commands.append(commands)

    @property
    def median_ms(self) -> float:
        return statistics.median(self.seconds) * 1000

    @property
    def p95_ms(self) -> float:
        ordered = sorted(self.seconds)
        return ordered[math.ceil(0.95 * len(ordered)) - 1] * 1000

    @property
    def command_range(self) -> str:
        low, high = min(self.commands), max(self.commands)
        return str(low) if low == high else f"{low}-{high}"

    def time_cell(self) -> str:
        return f"{self.median_ms:.3f} / {self.p95_ms:.3f}"


@dataclass
class Counts:
    """Commands, authentications and Classic sectors of one traced run of an operation."""

    commands: int
    auths: int
    sectors: int | None

    @classmethod
    def of(cls, entries: list[tuple[bytes, bytes]], classic: bool) -> Counts:
        return cls(
            len(entries),
            sum(is_authentication(a) for a, _ in entries),
            len(classic_sectors(entries)) if classic else None,
        )

    def cell(self) -> str:
        if self.sectors is None:
            return f"{self.commands} ({self.auths} auth)"
        plural = "" if self.sectors == 1 else "s"
        return f"{self.commands} ({self.auths} auth, {self.sectors} sector{plural})"


@dataclass
class Result:
    card: str
    transport: str
    tap: Timings = field(default_factory=Timings)
    credit: Timings = field(default_factory=Timings)
    open_credit: Timings = field(default_factory=Timings)
    personalise: Timings = field(default_factory=Timings)
    counts: dict[str, Counts] = field(default_factory=dict)


def measure(card: str, transport: str, runs: int, perso_runs: int) -> Result:
    factory = CARDS[card]
    classic = card.startswith("MIFARE Classic")
    result = Result(card, transport)
    holder = CardHolder(factory())
    with TRANSPORTS[transport](holder) as reader:
        # Personalisation: a fresh blank card and a fresh service (its counter memory) each run.
        service = new_service()
        for run in range(perso_runs + 1):
            holder.swap(factory())
            service = new_service()
            trace = Trace() if run == 0 else None
            started = time.perf_counter()
            connection = reader.connect(trace)
            service.personalise(connection, WALLET)
            elapsed = time.perf_counter() - started
            connection.disconnect()
            if trace is None:
                result.personalise.add(elapsed, connection.commands)
            else:  # the first run, untimed: counts, and a warm-up
                result.counts["personalise"] = Counts.of(trace.entries, classic)

        # Taps on the issued card, each with a credit: run 0 is traced and untimed.
        for run in range(runs + 1):
            trace = Trace() if run == 0 else None
            t0 = time.perf_counter()
            connection = reader.connect(trace)
            purse = service.open(connection)
            t1 = time.perf_counter()
            opened = connection.commands
            purse.credit(CREDIT)
            t2 = time.perf_counter()
            connection.disconnect()
            if trace is None:
                result.tap.add(t1 - t0, opened)
                result.credit.add(t2 - t1, connection.commands - opened)
                result.open_credit.add(t2 - t0, connection.commands)
            else:
                result.counts["tap"] = Counts.of(trace.entries[:opened], classic)
                result.counts["credit"] = Counts.of(trace.entries[opened:], classic)
                result.counts["open+credit"] = Counts.of(trace.entries, classic)
    return result


# -- reporting ---------------------------------------------------------------------------------


def command_table(results: list[Result]) -> str:
    by_card: dict[str, list[Result]] = {}
    for r in results:
        by_card.setdefault(r.card, []).append(r)
    lines = [
        "| card | tap (connect + open) | credit within the tap | open + credit | personalise |",
        "|---|---:|---:|---:|---:|",
    ]
    for card, rows in by_card.items():
        first = rows[0]
        # The same card work must cost the same commands whatever carries them.
        for other in rows[1:]:
            for name in ("tap", "credit", "open_credit", "personalise"):
                a, b = getattr(first, name).command_range, getattr(other, name).command_range
                if a != b:
                    raise RuntimeError(f"{card} {name}: {a} commands in-process, {b} via pcscd")
        c = first.counts
        lines.append(
            f"| {card} | {c['tap'].cell()} | {c['credit'].cell()} | {c['open+credit'].cell()}"
            f" | {c['personalise'].cell()} |"
        )
    return "\n".join(lines)


def time_table(results: list[Result]) -> str:
    lines = [
        "| card | transport | tap | credit within the tap | open + credit | personalise |",
        "|---|---|---:|---:|---:|---:|",
    ]
    for r in results:
        lines.append(
            f"| {r.card} | {r.transport} | {r.tap.time_cell()} | {r.credit.time_cell()}"
            f" | {r.open_credit.time_cell()} | {r.personalise.time_cell()} |"
        )
    return "\n".join(lines)


def checks(results: list[Result]) -> list[str]:
    """The targets of the Foundation issue, on MIFARE Classic, held or not."""
    out: list[str] = []
    seen: set[str] = set()
    for r in results:
        if not r.card.startswith("MIFARE Classic") or r.card in seen:
            continue
        seen.add(r.card)
        tap, credit = r.counts["tap"], r.counts["credit"]
        one_auth = tap.auths == tap.sectors
        out.append(
            f"- {r.card}: read in one authentication per sector touched: "
            f"{'HOLDS' if one_auth else 'DOES NOT HOLD'} ({tap.auths} authentications, "
            f"{tap.sectors} sectors); credit in <= 8 commands: "
            f"{'HOLDS' if credit.commands <= 8 else 'DOES NOT HOLD'} ({credit.commands} commands)"
        )
    return out


def trace_one_credit(echo: Callable[[str], None] = print) -> None:
    """Personalise a Classic 1K in-process, tap it, and print every APDU of one credit."""
    reader = EmulatedReader(CARDS["MIFARE Classic 1K"]())
    service = new_service()
    with reader.connect() as connection:
        service.personalise(connection, WALLET)

    def annotated(line: str) -> None:
        sent = bytes.fromhex(line.splitlines()[0][2:])
        what = describe(sent)
        echo(line.replace("\n", f"    {what}\n", 1) if what else line)

    with reader.connect() as connection:
        purse = service.open(connection)
        connection.trace = Trace(echo=annotated)
        purse.credit(CREDIT)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=200, help="taps per row (default 200)")
    parser.add_argument(
        "--perso", type=int, default=50, help="personalisations per row (default 50)"
    )
    parser.add_argument(
        "--no-pcscd", action="store_true", help="in-process only (no pcscd, no vpcd lock)"
    )
    args = parser.parse_args(argv)

    transports = ["in-process"] if args.no_pcscd else list(TRANSPORTS)
    results: list[Result] = []

    def run_all(transport: str) -> None:
        for card in CARDS:
            results.append(measure(card, transport, args.n, args.perso))

    run_all("in-process")
    if "pcscd+vpcd" in transports:
        from cardlib.emulator.pcscd import running_pcscd

        with running_pcscd() as pcscd:
            how = "started for this run" if pcscd.started_here else "already running"
            run_all("pcscd+vpcd")
        print(f"pcscd: {how}{', stopped' if pcscd.started_here else ''}")
    results.sort(key=lambda r: (list(CARDS).index(r.card), r.transport))

    print(
        f"\nCommands per operation, wallet card "
        f"(taps n={args.n}, personalisations n={args.perso}):\n"
    )
    print(command_table(results))
    print("\nWall time, ms, median / p95:\n")
    print(time_table(results))
    print("\nTargets (issue Foundation):\n")
    print("\n".join(checks(results)))
    print("\nOne credit on a MIFARE Classic 1K (in-process trace; keys redacted):\n")
    trace_one_credit()


if __name__ == "__main__":
    main()
