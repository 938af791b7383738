"""Choosing a reader from one configuration string, explicitly: no silent fallback to another.

``pcsc`` (the first PC/SC reader), ``pcsc:NAME`` (a reader whose name contains NAME),
``nfc:PATH`` (an nfcpy device path such as ``usb`` or ``udp:127.0.0.1:54321``), ``emulated:FILE``
(an in-process emulated card kept in FILE).
"""

from __future__ import annotations

from cardlib.errors import ReaderError
from cardlib.reader.base import Reader

KINDS = ("pcsc", "nfc", "emulated")


def open_reader(spec: str) -> Reader:
    kind, _, arg = spec.partition(":")
    if kind == "pcsc":
        from cardlib.reader.pcsc import PcscReader

        return PcscReader(arg or 0)
    if kind == "nfc":
        from cardlib.reader.nfc import NfcReader

        return NfcReader(arg or "usb")
    if kind == "emulated":
        from cardlib.emulator.store import StoredCardReader

        if not arg:
            raise ReaderError("An emulated reader needs a card file: emulated:FILE.")
        try:
            return StoredCardReader(arg)
        except (FileNotFoundError, ValueError) as exc:
            raise ReaderError(str(exc)) from exc
    raise ReaderError(f"Unknown reader {spec!r}: use pcsc, pcsc:NAME, nfc:PATH or emulated:FILE.")
