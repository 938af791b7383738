"""The emulated ACS reader front: PC/SC part 3 pseudo-APDUs (class FF) turned into card operations.

An ACS reader (ACR122U/ACR1252U contactless, ACR38/ACR39 contact) hides each card's native protocol
behind class-FF commands [ACR122U API v2.04 §3-5; ACR38x reference v6.02 §9.2.2.6]. The card models
in this package subclass one of the fronts here and implement its card operations; the front owns
APDU parsing, reader state (key slots, selected card type) and status words, so each card model
only states its card's rules.

Status words (the real readers say 63 00 for nearly everything; the emulator is more specific, and
drivers must treat anything but 90 00 as failure):

- 90 00 success; SLE4442 PRESENT_CODE answers 90 <error counter> (07 verified, 00 locked)
- 63 00 authentication failed (wrong key, empty key slot, blocked sector, wrong password) or the
  card refused the operation whatever the key (bad value block format, manufacturer block, locked
  page or protected byte, value overflow, any Ultralight NAK)
- 69 82 security status not satisfied: not authenticated to the block's sector, the access
  conditions forbid the operation with the key used, SLE4442 write without a verified PSC
- 69 85 SLE4442 command before SELECT_CARD_TYPE
- 6A 81 function not supported by this card (GET UID on an SLE4442, value ops on Ultralight, ...)
- 67 00 wrong Lc/Le, 6B 00 block, page, address or key slot out of range, 6E 00 class not FF
- direct transmit always answers 90 00 with the PN532 status inside: D5 43 00 <response> for a
  data or ACK answer, D5 43 01 (PN532 "timeout") for a NAK or no answer, as a PN532 reports a
  4-bit NAK or silence.
"""

from __future__ import annotations

import abc
from dataclasses import dataclass

from cardlib.apdu import (
    SW_CLA_NOT_SUPPORTED,
    SW_CONDITIONS_NOT_SATISFIED,
    SW_FAILURE,
    SW_FUNC_NOT_SUPPORTED,
    SW_OK,
    SW_WRONG_LENGTH,
    SW_WRONG_P1P2,
)
from cardlib.cards.access_bits import KeyType
from cardlib.emulator.base import EmulatedCard

CLA_PSEUDO = 0xFF  # PC/SC part 3: class of the reader's pseudo-APDUs

# -- contactless: PC/SC part 3 and ACR122U API ---------------------------------------------------
INS_GET_DATA = 0xCA  # GET DATA (P1 00: UID)
INS_LOAD_KEYS = 0x82  # LOAD KEYS
INS_GENERAL_AUTHENTICATE = 0x86  # GENERAL AUTHENTICATE
INS_AUTHENTICATE_OBSOLETE = 0x88  # AUTHENTICATE (obsolete form, PC/SC 2.01)
INS_READ_BINARY = 0xB0  # READ BINARY
INS_UPDATE_BINARY = 0xD6  # UPDATE BINARY
INS_VALUE_BLOCK_OPERATION = 0xD7  # ACS: Value Block Operation / Restore Value Block
INS_READ_VALUE_BLOCK = 0xB1  # ACS: Read Value Block
INS_DIRECT_TRANSMIT = 0x00  # ACS: Direct Transmit (PN532 command inside)

AUTH_VERSION = 0x01  # GENERAL AUTHENTICATE data byte 0
KEY_STRUCTURE_VOLATILE = 0x00  # LOAD KEYS P1: reader volatile memory
KEY_SLOTS = 2  # ACR122U volatile key slots 00 and 01

VALUE_OP_STORE = 0x00
VALUE_OP_INCREMENT = 0x01
VALUE_OP_DECREMENT = 0x02
VALUE_OP_RESTORE = 0x03

PN532_IN_COMMUNICATE_THRU = bytes((0xD4, 0x42))  # PN532 UM §7.3.9 InCommunicateThru
PN532_IN_COMMUNICATE_THRU_RESPONSE = bytes((0xD5, 0x43))
PN532_STATUS_OK = 0x00
PN532_STATUS_TIMEOUT = 0x01

# -- contact: ACR38x reference manual, SLE4432/4442/5532/5542 -----------------------------------
INS_SELECT_CARD_TYPE = 0xA4  # SELECT_CARD_TYPE
INS_READ_MEMORY_CARD = 0xB0  # READ_MEMORY_CARD (data + PROT1-4)
INS_READ_ERROR_COUNTER = 0xB1  # READ_PRESENTATION_ERROR_COUNTER_MEMORY_CARD
INS_READ_PROTECTION_BITS = 0xB2  # READ_PROTECTION_BITS
INS_WRITE_MEMORY_CARD = 0xD0  # WRITE_MEMORY_CARD
INS_WRITE_PROTECTION_MEMORY_CARD = 0xD1  # WRITE_PROTECTION_MEMORY_CARD
INS_PRESENT_CODE = 0x20  # PRESENT_CODE_MEMORY_CARD
INS_CHANGE_CODE = 0xD2  # CHANGE_CODE_MEMORY_CARD
CARD_TYPE_SLE4442 = 0x06  # SELECT_CARD_TYPE data: SLE4432/4442/5532/5542


class Refused(Exception):
    """A card operation failed; ``sw`` is the status word the front answers with."""

    def __init__(self, sw: int, why: str = "") -> None:
        super().__init__(f"{sw:04X} {why}".strip())
        self.sw = sw


@dataclass(frozen=True)
class Apdu:
    """A parsed short command APDU."""

    ins: int
    p1: int
    p2: int
    data: bytes
    le: int | None

    @classmethod
    def parse(cls, raw: bytes) -> Apdu:
        if len(raw) < 4:
            raise Refused(SW_WRONG_LENGTH, "APDU shorter than its header")
        if raw[0] != CLA_PSEUDO:
            raise Refused(SW_CLA_NOT_SUPPORTED)
        body = raw[4:]
        if not body:
            return cls(raw[1], raw[2], raw[3], b"", None)
        if len(body) == 1:
            return cls(raw[1], raw[2], raw[3], b"", body[0])
        lc = body[0]
        if len(body) == 1 + lc:
            return cls(raw[1], raw[2], raw[3], bytes(body[1:]), None)
        if len(body) == 2 + lc:
            return cls(raw[1], raw[2], raw[3], bytes(body[1:-1]), body[-1])
        raise Refused(SW_WRONG_LENGTH, "Lc does not match the data")

    def expect(self, lc: int | None = None, le: int | None = None) -> None:
        if (lc is not None and len(self.data) != lc) or (le is not None and self.le != le):
            raise Refused(SW_WRONG_LENGTH)


def _ok(data: bytes = b"") -> bytes:
    return bytes(data) + SW_OK.to_bytes(2, "big")


class AcsFront(EmulatedCard):
    """What every front shares: APDU dispatch and the one torn-write-aware memory writer."""

    def _process(self, apdu: bytes) -> bytes:
        try:
            return self._dispatch(Apdu.parse(apdu))
        except Refused as refusal:
            return refusal.sw.to_bytes(2, "big")

    @abc.abstractmethod
    def _dispatch(self, apdu: Apdu) -> bytes:
        """Answer a parsed APDU (data + SW), or raise :class:`Refused`."""

    def _store(self, memory: bytearray, offset: int, data: bytes, address: int) -> None:
        """Write ``data`` into EEPROM at ``offset``: every card write goes through here.

        A tear plan aimed at ``address`` lets only the first ``bytes_written`` bytes land and takes
        the card out of the field, as a card pulled away mid-programming does.
        """
        if self.tear is not None and self.tear.cuts_write(address):
            cut = max(0, min(self.tear.bytes_written, len(data)))
            memory[offset : offset + cut] = data[:cut]
            self.leave_field()
        memory[offset : offset + len(data)] = data


class ContactlessFront(AcsFront):
    """An ACR122U-style reader with an ISO 14443-3 card: key slots plus block/page commands.

    Card models implement the operations below; those a card lacks answer 6A 81.
    """

    #: Le values READ BINARY accepts for this card
    read_lengths: tuple[int, ...] = (16,)
    #: Lc UPDATE BINARY requires
    write_length: int = 16
    #: whether the card has sector keys (GENERAL AUTHENTICATE); without them it answers 6A 81
    has_sector_keys: bool = False

    def __init__(self) -> None:
        super().__init__()
        # reader memory, not card memory: survives card power cycles like the ACR122U's slots
        self.key_slots: list[bytes | None] = [None] * KEY_SLOTS

    @property
    @abc.abstractmethod
    def uid(self) -> bytes: ...

    @abc.abstractmethod
    def read_block(self, block: int) -> bytes:
        """16 bytes from ``block`` (Ultralight: four pages from page ``block``)."""

    @abc.abstractmethod
    def write_block(self, block: int, data: bytes) -> None: ...

    def authenticate(self, block: int, key_type: KeyType, key: bytes) -> None:
        """Open the block's sector with ``key`` (cards with :attr:`has_sector_keys`)."""
        raise Refused(SW_FUNC_NOT_SUPPORTED)

    def value_operation(self, block: int, op: int, operand: int) -> None:
        raise Refused(SW_FUNC_NOT_SUPPORTED)

    def read_value(self, block: int) -> int:
        raise Refused(SW_FUNC_NOT_SUPPORTED)

    def restore_to(self, source: int, target: int) -> None:
        raise Refused(SW_FUNC_NOT_SUPPORTED)

    def direct(self, frame: bytes) -> bytes:
        """The card's native answer to ``frame``: data, a 1-byte ACK/NAK, or b"" for silence."""
        raise Refused(SW_FUNC_NOT_SUPPORTED)

    def _dispatch(self, apdu: Apdu) -> bytes:
        handler = _CONTACTLESS.get(apdu.ins)
        if handler is None:
            raise Refused(SW_FUNC_NOT_SUPPORTED)
        return handler(self, apdu)

    def _get_uid(self, apdu: Apdu) -> bytes:
        if apdu.p1 != 0x00:  # P1 01 asks for the ATS, which an ISO 14443-3 card has not got
            raise Refused(SW_FUNC_NOT_SUPPORTED)
        if apdu.le not in (0, len(self.uid)):
            raise Refused(SW_WRONG_LENGTH)
        return _ok(self.uid)

    def _load_key(self, apdu: Apdu) -> bytes:
        if apdu.p1 != KEY_STRUCTURE_VOLATILE:
            raise Refused(SW_FUNC_NOT_SUPPORTED, "only volatile key slots")
        if apdu.p2 >= KEY_SLOTS:
            raise Refused(SW_WRONG_P1P2, "no such key slot")
        apdu.expect(lc=6)
        self.key_slots[apdu.p2] = apdu.data
        return _ok()

    def _general_authenticate(self, apdu: Apdu) -> bytes:
        apdu.expect(lc=5)
        version, msb, block, key_type, slot = apdu.data
        if version != AUTH_VERSION or msb != 0x00:
            raise Refused(SW_WRONG_P1P2)
        return self._auth(block, key_type, slot)

    def _auth(self, block: int, key_type: int, slot: int) -> bytes:
        if not self.has_sector_keys:
            raise Refused(SW_FUNC_NOT_SUPPORTED)
        if slot >= KEY_SLOTS:
            raise Refused(SW_WRONG_P1P2, "no such key slot")
        if key_type not in (KeyType.A, KeyType.B):
            raise Refused(SW_WRONG_P1P2, "key type must be 60 or 61")
        key = self.key_slots[slot]
        if key is None:
            raise Refused(SW_FAILURE, "key slot empty")
        self.authenticate(block, KeyType(key_type), key)
        return _ok()

    def _process(self, apdu: bytes) -> bytes:
        # The obsolete AUTHENTICATE puts the key type where Lc goes, so it cannot be parsed as a
        # normal APDU: recognise it by its header before parsing.
        if len(apdu) >= 2 and apdu[0] == CLA_PSEUDO and apdu[1] == INS_AUTHENTICATE_OBSOLETE:
            if len(apdu) != 6:
                return SW_WRONG_LENGTH.to_bytes(2, "big")
            try:
                return self._auth(apdu[3], apdu[4], apdu[5])
            except Refused as refusal:
                return refusal.sw.to_bytes(2, "big")
        return super()._process(apdu)

    def _read_binary(self, apdu: Apdu) -> bytes:
        if apdu.p1 != 0x00:
            raise Refused(SW_WRONG_P1P2)
        if apdu.le not in self.read_lengths:
            raise Refused(SW_WRONG_LENGTH)
        return _ok(self.read_block(apdu.p2)[: apdu.le])

    def _update_binary(self, apdu: Apdu) -> bytes:
        if apdu.p1 != 0x00:
            raise Refused(SW_WRONG_P1P2)
        apdu.expect(lc=self.write_length)
        self.write_block(apdu.p2, apdu.data)
        return _ok()

    def _value_block_operation(self, apdu: Apdu) -> bytes:
        if apdu.p1 != 0x00 or not apdu.data:
            raise Refused(SW_WRONG_P1P2 if apdu.p1 else SW_WRONG_LENGTH)
        op = apdu.data[0]
        if op == VALUE_OP_RESTORE:
            apdu.expect(lc=2)
            self.restore_to(apdu.p2, apdu.data[1])
        elif op in (VALUE_OP_STORE, VALUE_OP_INCREMENT, VALUE_OP_DECREMENT):
            apdu.expect(lc=5)
            # the APDU carries the value most significant byte first; the card stores it LSB first
            self.value_operation(apdu.p2, op, int.from_bytes(apdu.data[1:5], "big", signed=True))
        else:
            raise Refused(SW_FUNC_NOT_SUPPORTED, f"value operation {op:02X}")
        return _ok()

    def _read_value_block(self, apdu: Apdu) -> bytes:
        if apdu.p1 != 0x00:
            raise Refused(SW_WRONG_P1P2)
        apdu.expect(le=4)
        return _ok(self.read_value(apdu.p2).to_bytes(4, "big", signed=True))

    def _direct_transmit(self, apdu: Apdu) -> bytes:
        if apdu.p1 or apdu.p2:
            raise Refused(SW_WRONG_P1P2)
        if apdu.data[:2] != PN532_IN_COMMUNICATE_THRU:
            raise Refused(SW_FUNC_NOT_SUPPORTED, "only PN532 InCommunicateThru")
        answer = self.direct(apdu.data[2:])
        if len(answer) <= 1 and answer != bytes((NATIVE_ACK,)):
            return _ok(PN532_IN_COMMUNICATE_THRU_RESPONSE + bytes((PN532_STATUS_TIMEOUT,)))
        return _ok(PN532_IN_COMMUNICATE_THRU_RESPONSE + bytes((PN532_STATUS_OK,)) + answer)


#: NFC Forum Type 2 / ISO 14443-3 4-bit acknowledge, as the one byte a native exchange returns
NATIVE_ACK = 0x0A

_CONTACTLESS = {
    INS_GET_DATA: ContactlessFront._get_uid,
    INS_LOAD_KEYS: ContactlessFront._load_key,
    INS_GENERAL_AUTHENTICATE: ContactlessFront._general_authenticate,
    INS_READ_BINARY: ContactlessFront._read_binary,
    INS_UPDATE_BINARY: ContactlessFront._update_binary,
    INS_VALUE_BLOCK_OPERATION: ContactlessFront._value_block_operation,
    INS_READ_VALUE_BLOCK: ContactlessFront._read_value_block,
    INS_DIRECT_TRANSMIT: ContactlessFront._direct_transmit,
}


class Sle4442Front(AcsFront):
    """An ACR38-style contact reader with an SLE4442: SELECT_CARD_TYPE first, then the rest."""

    def __init__(self) -> None:
        super().__init__()
        self.selected = False

    def _reset_volatile(self) -> None:
        self.selected = False

    @abc.abstractmethod
    def read(self, address: int, length: int) -> bytes: ...

    @abc.abstractmethod
    def protection_bits(self) -> bytes:
        """PROT1-4: bit i of PROT(n+1) is byte 8n+i; 1 = writable, 0 = protected (as the chip)."""

    @abc.abstractmethod
    def error_counter(self) -> int: ...

    @abc.abstractmethod
    def write(self, address: int, data: bytes) -> None: ...

    @abc.abstractmethod
    def write_protection(self, address: int, data: bytes) -> None: ...

    @abc.abstractmethod
    def present_code(self, psc: bytes) -> int:
        """Compare the PSC; return the error counter afterwards."""

    @abc.abstractmethod
    def change_code(self, psc: bytes) -> None: ...

    def _dispatch(self, apdu: Apdu) -> bytes:
        if apdu.ins == INS_SELECT_CARD_TYPE:
            apdu.expect(lc=1)
            if apdu.p1 or apdu.p2:
                raise Refused(SW_WRONG_P1P2)
            if apdu.data[0] != CARD_TYPE_SLE4442:
                raise Refused(SW_FUNC_NOT_SUPPORTED, "card type is not SLE4442")
            self.selected = True
            return _ok()
        if apdu.ins not in _SLE_HANDLED:
            raise Refused(SW_FUNC_NOT_SUPPORTED)
        if not self.selected:
            raise Refused(SW_CONDITIONS_NOT_SATISFIED, "SELECT_CARD_TYPE must come first")
        if apdu.p1 != 0x00:
            raise Refused(SW_WRONG_P1P2)
        ins, address = apdu.ins, apdu.p2
        if ins == INS_READ_MEMORY_CARD:
            if apdu.le is None or apdu.data:
                raise Refused(SW_WRONG_LENGTH)
            return _ok(self.read(address, apdu.le or 256) + self.protection_bits())
        if ins == INS_READ_ERROR_COUNTER:
            apdu.expect(le=4)
            return _ok(bytes((self.error_counter(), 0, 0, 0)))  # dummy bytes: PSC never read
        if ins == INS_READ_PROTECTION_BITS:
            apdu.expect(le=4)
            return _ok(self.protection_bits())
        if ins in (INS_WRITE_MEMORY_CARD, INS_WRITE_PROTECTION_MEMORY_CARD):
            if not apdu.data or apdu.le is not None:
                raise Refused(SW_WRONG_LENGTH)
            if ins == INS_WRITE_MEMORY_CARD:
                self.write(address, apdu.data)
            else:
                self.write_protection(address, apdu.data)
            return _ok()
        if ins == INS_PRESENT_CODE:
            apdu.expect(lc=3)
            return (0x9000 | self.present_code(apdu.data)).to_bytes(2, "big")
        # INS_CHANGE_CODE: FF D2 00 01 03 <PSC>
        apdu.expect(lc=3)
        if address != 0x01:
            raise Refused(SW_WRONG_P1P2)
        self.change_code(apdu.data)
        return _ok()


_SLE_HANDLED = frozenset(
    {
        INS_READ_MEMORY_CARD,
        INS_READ_ERROR_COUNTER,
        INS_READ_PROTECTION_BITS,
        INS_WRITE_MEMORY_CARD,
        INS_WRITE_PROTECTION_MEMORY_CARD,
        INS_PRESENT_CODE,
        INS_CHANGE_CODE,
    }
)

__all__ = [
    "AcsFront",
    "Apdu",
    "ContactlessFront",
    "Refused",
    "Sle4442Front",
]
