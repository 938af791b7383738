"""Emulated MIFARE Ultralight / Ultralight EV1 / NTAG21x tags speaking their native commands.

:meth:`EmulatedUltralight.exchange` takes one NFC Forum Type 2 / NXP frame (no CRC) and returns the
tag's answer: data, a one-byte 4-bit ACK (0x0A) or NAK, or ``b""`` when the tag stays silent. The
nfcpy Type 2 tag responder calls it directly; the ACS front maps READ/UPDATE BINARY and direct
transmit onto it.

Rules enforced, after NXP MF0ICU1, MF0ULX1 and NTAG213_215_216 datasheets: pages 0-1 read-only;
page 2 lock bytes and page 3 OTP are OR-written; static lock bits (with their block-locking bits)
and dynamic lock bits lock pages; AUTH0 starts the password-protected area (writes need PWD_AUTH,
reads too when PROT=1, reads there NAK and roll over at AUTH0); PWD and PACK read as zeros; CFGLCK
freezes the configuration pages; AUTHLIM limits wrong passwords; any NAK sends the tag back to
IDLE, dropping an authentication. Dynamic lock block-locking bits and the NFC counter are not
modelled.
"""

from __future__ import annotations

from dataclasses import dataclass

from cardlib.apdu import SW_FAILURE, SW_WRONG_P1P2
from cardlib.cardtype import CARD_NAME_ULTRALIGHT, storage_card_atr
from cardlib.emulator.acs import NATIVE_ACK, ContactlessFront, Refused

PAGE_SIZE = 4

# native commands
CMD_GET_VERSION = 0x60
CMD_READ = 0x30
CMD_FAST_READ = 0x3A
CMD_WRITE = 0xA2
CMD_COMPATIBILITY_WRITE = 0xA0
CMD_READ_SIG = 0x3C
CMD_PWD_AUTH = 0x1B

ACK = NATIVE_ACK
NAK_INVALID_ARGUMENT = 0x00  # invalid page address, locked or protected page, wrong password
NAK_CRC_ERROR = 0x01  # parity or CRC error (never produced: frames here carry no CRC)
NAK_AUTH_LIMIT = 0x04  # invalid authentication counter overflow (AUTHLIM reached)
NAK_EEPROM_ERROR = 0x05

_PROT = 0x80  # CFG1 ACCESS bit 7: reads protected too
_CFGLCK = 0x40  # CFG1 ACCESS bit 6: configuration pages frozen
_AUTHLIM = 0x07  # CFG1 ACCESS bits 2-0


@dataclass(frozen=True)
class Variant:
    name: str
    pages: int
    #: GET_VERSION answer; None for the plain Ultralight, which does not know the command
    version: bytes | None
    #: page of CFG0 (AUTH0 in byte 3); CFG1, PWD and PACK follow. None: no password feature
    cfg0: int | None
    #: page of the dynamic lock bytes, and how many pages from page 16 each bit locks
    dyn_lock: int | None = None
    pages_per_dyn_bit: int = 2
    #: factory content of page 3 (NTAG: the NDEF capability container)
    page3: bytes = bytes(4)
    cfg0_default: bytes = bytes.fromhex("000000FF")
    dyn_lock_default: bytes = bytes(4)


_NTAG_CFG0 = bytes.fromhex("040000FF")
_NTAG_DYN = bytes.fromhex("000000BD")

VARIANTS: dict[str, Variant] = {
    v.name: v
    for v in (
        Variant("MF0ICU1", 16, None, None),
        Variant("MF0UL11", 20, bytes.fromhex("0004030101000B03"), 0x10),
        Variant("MF0UL21", 41, bytes.fromhex("0004030101000E03"), 0x25, 0x24, 2),
        Variant(
            "NTAG213", 45, bytes.fromhex("0004040201000F03"), 0x29, 0x28, 2,
            bytes.fromhex("E1101200"), _NTAG_CFG0, _NTAG_DYN,
        ),
        Variant(
            "NTAG215", 135, bytes.fromhex("0004040201001103"), 0x83, 0x82, 16,
            bytes.fromhex("E1103E00"), _NTAG_CFG0, _NTAG_DYN,
        ),
        Variant(
            "NTAG216", 231, bytes.fromhex("0004040201001303"), 0xE3, 0xE2, 16,
            bytes.fromhex("E1106D00"), _NTAG_CFG0, _NTAG_DYN,
        ),
    )
}  # fmt: skip


class _Nak(Exception):
    def __init__(self, code: int = NAK_INVALID_ARGUMENT) -> None:
        self.code = code


class EmulatedUltralight(ContactlessFront):
    """A Type 2 tag of one of :data:`VARIANTS`, with 7-byte UID."""

    read_lengths = (4, 16)
    write_length = PAGE_SIZE

    def __init__(self, variant: str, uid: bytes, memory: bytes | None = None) -> None:
        super().__init__()
        if variant not in VARIANTS:
            raise ValueError(f"variant must be one of {sorted(VARIANTS)}")
        if len(uid) != 7:
            raise ValueError("an Ultralight/NTAG UID is 7 bytes")
        self.variant = VARIANTS[variant]
        self._uid = bytes(uid)
        size = self.variant.pages * PAGE_SIZE
        self.memory = bytearray(memory if memory is not None else self._factory_memory())
        if len(self.memory) != size:
            raise ValueError(f"{variant} memory is {size} bytes")
        #: 32-byte originality signature READ_SIG returns (no real NXP key behind it)
        self.signature = bytes(32)
        self.failed_auths = 0  # non-volatile on the real tag: it counts towards AUTHLIM
        self._authenticated = False
        self._compat_write_page: int | None = None

    @classmethod
    def blank(cls, uid: bytes, variant: str = "NTAG213") -> EmulatedUltralight:
        return cls(variant, uid)

    def _factory_memory(self) -> bytearray:
        v, uid = self.variant, self._uid
        memory = bytearray(v.pages * PAGE_SIZE)
        bcc0 = 0x88 ^ uid[0] ^ uid[1] ^ uid[2]  # 0x88: cascade tag of a double-size UID
        bcc1 = uid[3] ^ uid[4] ^ uid[5] ^ uid[6]
        memory[0:12] = uid[0:3] + bytes((bcc0,)) + uid[3:7] + bytes((bcc1, 0x48, 0, 0))
        memory[12:16] = v.page3
        if v.dyn_lock is not None:
            memory[v.dyn_lock * 4 : v.dyn_lock * 4 + 4] = v.dyn_lock_default
        if v.cfg0 is not None:
            memory[v.cfg0 * 4 : v.cfg0 * 4 + 16] = (
                v.cfg0_default + bytes.fromhex("00050000") + b"\xff" * 4 + bytes(4)
            )
        return memory

    # -- raw memory, for tests -------------------------------------------------------------------

    def page(self, page: int) -> bytes:
        return bytes(self.memory[page * PAGE_SIZE : (page + 1) * PAGE_SIZE])

    def set_page(self, page: int, data: bytes) -> None:
        """Write a page bypassing every rule."""
        if len(data) != PAGE_SIZE:
            raise ValueError("a page is 4 bytes")
        self.memory[page * PAGE_SIZE : (page + 1) * PAGE_SIZE] = data

    def flip_bit(self, offset: int, bit: int) -> None:
        """Invert one bit of raw memory (byte ``offset`` of :meth:`dump`), as a tamperer would."""
        self.memory[offset] ^= 1 << bit

    def dump(self) -> bytes:
        return bytes(self.memory)

    def restore(self, dump: bytes) -> None:
        if len(dump) != len(self.memory):
            raise ValueError("dump size does not match the card")
        self.memory[:] = dump

    # -- configuration as the tag reads it --------------------------------------------------------

    @property
    def auth0(self) -> int:
        """First protected page; past the end means no protection."""
        cfg0 = self.variant.cfg0
        return self.variant.pages if cfg0 is None else self.page(cfg0)[3]

    @property
    def _access(self) -> int:
        cfg0 = self.variant.cfg0
        return 0 if cfg0 is None else self.page(cfg0 + 1)[0]

    def _locked_for_write(self, page: int) -> bool:
        lock = self.page(2)
        if page == 3:
            return bool(lock[2] & 0x08)  # L-OTP
        if 4 <= page <= 7:
            return bool(lock[2] & (0x10 << (page - 4)))
        if 8 <= page <= 15:
            return bool(lock[3] & (1 << (page - 8)))
        v = self.variant
        if v.dyn_lock is not None and 16 <= page < v.dyn_lock:
            bits = int.from_bytes(self.page(v.dyn_lock)[0:2], "little")
            return bool(bits >> ((page - 16) // v.pages_per_dyn_bit) & 1)
        if v.cfg0 is not None and page in (v.cfg0, v.cfg0 + 1):
            return bool(self._access & _CFGLCK)
        return False

    # -- the native interface ---------------------------------------------------------------------

    def exchange(self, frame: bytes) -> bytes:
        """Answer one native frame: data, ``bytes([ACK])``, ``bytes([NAK code])`` or ``b""``."""
        frame = bytes(frame)
        try:
            if self._compat_write_page is not None:
                page, self._compat_write_page = self._compat_write_page, None
                if len(frame) != 16:
                    raise _Nak()
                self._write(page, frame[:4])  # only the first 4 of the 16 bytes are kept
                return bytes((ACK,))
            if not frame:
                return b""
            return self._command(frame)
        except _Nak as nak:
            self._authenticated = False  # a NAK sends the tag back to IDLE
            return bytes((nak.code,))

    def _command(self, frame: bytes) -> bytes:
        cmd, has_cfg = frame[0], self.variant.cfg0 is not None
        if cmd == CMD_READ and len(frame) == 2:
            return self._read(frame[1], 4)
        if cmd == CMD_WRITE and len(frame) == 6:
            self._write(frame[1], frame[2:6])
            return bytes((ACK,))
        if cmd == CMD_COMPATIBILITY_WRITE and len(frame) == 2:
            self._check_writable(frame[1])
            self._compat_write_page = frame[1]
            return bytes((ACK,))
        if self.variant.version is None:
            return b""  # the plain Ultralight ignores commands it does not know
        if cmd == CMD_GET_VERSION and len(frame) == 1:
            return self.variant.version
        if cmd == CMD_FAST_READ and len(frame) == 3 and frame[1] <= frame[2]:
            return self._read(frame[1], frame[2] - frame[1] + 1, wrap=False)
        if cmd == CMD_READ_SIG and len(frame) == 2 and frame[1] == 0:
            return self.signature
        if cmd == CMD_PWD_AUTH and len(frame) == 5 and has_cfg:
            return self._pwd_auth(frame[1:5])
        raise _Nak()

    def _read(self, start: int, count: int, wrap: bool = True) -> bytes:
        limit = self.variant.pages
        if self._access & _PROT and not self._authenticated:
            limit = min(limit, self.auth0)  # the protected area is invisible: roll over before it
        end = start + count
        if start >= limit or (not wrap and end > limit):
            raise _Nak()
        hidden = self._secret_pages()
        out = bytearray()
        for i in range(count):
            page = (start + i) % limit
            out += bytes(4) if page in hidden else self.page(page)
        return bytes(out)

    def _secret_pages(self) -> tuple[int, ...]:
        cfg0 = self.variant.cfg0
        return () if cfg0 is None else (cfg0 + 2, cfg0 + 3)  # PWD, PACK

    def _check_writable(self, page: int) -> None:
        if not 2 <= page < self.variant.pages:
            raise _Nak()
        if page >= self.auth0 and not self._authenticated:
            raise _Nak()
        if self._locked_for_write(page):
            raise _Nak()

    def _write(self, page: int, data: bytes) -> None:
        self._check_writable(page)
        old = self.page(page)
        if page == 2:
            new = old[0:2] + self._or_lock_bytes(old[2:4], data[2:4])
        elif page == 3:
            new = bytes(a | b for a, b in zip(old, data, strict=True))  # OTP bits only go to 1
        elif page == self.variant.dyn_lock:
            new = bytes(a | b for a, b in zip(old[0:3], data[0:3], strict=True)) + old[3:4]
        else:
            new = bytes(data)
        self._store(self.memory, page * PAGE_SIZE, new, page)

    @staticmethod
    def _or_lock_bytes(old: bytes, data: bytes) -> bytes:
        lock0, lock1 = old
        frozen0 = frozen1 = 0
        if lock0 & 0x01:  # BL-OTP: L-OTP can no longer change
            frozen0 |= 0x08
        if lock0 & 0x02:  # BL 9-4
            frozen0 |= 0xF0
            frozen1 |= 0x03
        if lock0 & 0x04:  # BL 15-10
            frozen1 |= 0xFC
        return bytes((lock0 | (data[0] & ~frozen0 & 0xFF), lock1 | (data[1] & ~frozen1 & 0xFF)))

    def _pwd_auth(self, password: bytes) -> bytes:
        cfg0 = self.variant.cfg0
        assert cfg0 is not None
        authlim = self._access & _AUTHLIM
        if authlim and self.failed_auths >= 2**authlim:
            raise _Nak(NAK_AUTH_LIMIT)
        if password != self.page(cfg0 + 2):
            self.failed_auths += 1
            raise _Nak()
        self.failed_auths = 0
        self._authenticated = True
        return self.page(cfg0 + 3)[0:2]

    # -- EmulatedCard and the ACS front -----------------------------------------------------------

    @property
    def atr(self) -> bytes:
        return storage_card_atr(CARD_NAME_ULTRALIGHT)

    @property
    def uid(self) -> bytes:
        return self._uid

    def _reset_volatile(self) -> None:
        self._authenticated = False
        self._compat_write_page = None

    def read_block(self, block: int) -> bytes:
        if block >= self.variant.pages:
            raise Refused(SW_WRONG_P1P2, f"no page {block}")
        answer = self.exchange(bytes((CMD_READ, block)))
        if len(answer) != 16:
            raise Refused(SW_FAILURE, f"READ {block:02X} answered {answer.hex()}")
        return answer

    def write_block(self, block: int, data: bytes) -> None:
        if block >= self.variant.pages:
            raise Refused(SW_WRONG_P1P2, f"no page {block}")
        answer = self.exchange(bytes((CMD_WRITE, block)) + bytes(data))
        if answer != bytes((ACK,)):
            raise Refused(SW_FAILURE, f"WRITE {block:02X} answered {answer.hex()}")

    def direct(self, frame: bytes) -> bytes:
        return self.exchange(frame)
