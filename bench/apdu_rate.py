"""APDU rate: GET UID through the real PC/SC stack (pyscard -> pcscd -> vpcd -> VpcdLink -> card)
versus in-process (EmulatedReader), and a Type 2 READ over nfcpy's udp driver.

Run: ``python -m bench.apdu_rate [-n 2000]`` (starts pcscd with vpcd when none is running, as the
integration tests do). Prints commands per second and milliseconds per APDU. The vpcd row is what
the TCP_NODELAY / TCP_QUICKACK settings of research/cards.md §7 are about: without them it is
~40 ms per APDU.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable

from cardlib.emulator.pcscd import VPCD_PORT, exclusive_vpcd, start_pcscd, vpcd_reader_name
from cardlib.emulator.t2t_udp import T2TResponder
from cardlib.emulator.ultralight import EmulatedUltralight
from cardlib.emulator.vpcd import VpcdLink
from cardlib.reader.base import CardConnection
from cardlib.reader.emulated import EmulatedReader
from cardlib.reader.nfc import NfcReader
from cardlib.reader.pcsc import PcscReader

GET_UID = bytes.fromhex("FFCA000000")
READ_PAGE_4 = bytes.fromhex("FFB0000410")
UID = bytes.fromhex("04112233445566")


def _card() -> EmulatedUltralight:
    return EmulatedUltralight.blank(uid=UID, variant="NTAG215")


def _rate(connection: CardConnection, apdu: bytes, n: int) -> tuple[float, float]:
    """(commands per second, ms per APDU) over ``n`` commands after a short warm-up."""
    for _ in range(min(50, n)):
        connection.transmit(apdu)
    started = time.perf_counter()
    for _ in range(n):
        if not connection.transmit(apdu).ok:
            raise RuntimeError(f"{apdu.hex()} failed")
    elapsed = time.perf_counter() - started
    return n / elapsed, elapsed / n * 1000


def in_process(n: int) -> tuple[float, float]:
    reader = EmulatedReader(_card())
    with reader.connect() as connection:
        return _rate(connection, GET_UID, n)


def through_pcscd(n: int) -> tuple[float, float]:
    with VpcdLink(port=VPCD_PORT) as link:
        link.insert(_card())
        reader = PcscReader(vpcd_reader_name(0))
        try:
            with reader.connect_when_present(10.0) as connection:
                return _rate(connection, GET_UID, n)
        finally:
            link.remove()
            reader.wait_for_removal(5.0)
            reader.close()


def through_nfcpy_udp(n: int) -> tuple[float, float]:
    with T2TResponder(_card()) as responder:
        reader = NfcReader(responder.path)
        try:
            with reader.connect() as connection:
                return _rate(connection, READ_PAGE_4, n)
        finally:
            reader.close()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=2000, help="commands per row (default 2000)")
    args = parser.parse_args(argv)

    with exclusive_vpcd():
        _run(args.n)


def _run(n: int) -> None:
    pcscd = start_pcscd()
    rows: list[tuple[str, Callable[[int], tuple[float, float]]]] = [
        ("in-process EmulatedReader, GET UID", in_process),
        ("pyscard + pcscd + vpcd, GET UID", through_pcscd),
        ("nfcpy udp + T2TResponder, READ", through_nfcpy_udp),
    ]
    try:
        print(f"{'path':<40} {'cmd/s':>10} {'ms/APDU':>9}   (n={n})")
        for label, run in rows:
            per_second, ms = run(n)
            print(f"{label:<40} {per_second:>10,.0f} {ms:>9.3f}")
    finally:
        pcscd.stop()


if __name__ == "__main__":
    main()
