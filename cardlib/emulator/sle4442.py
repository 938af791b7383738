"""An emulated SLE4442 contact memory card behind an ACR38-style reader front.

Memory, after the Infineon SLE4432/4442 data sheet: 256 bytes main memory; 32 protection bits over
bytes 0-31 (1 = writable, 0 = protected; a bit only goes 1 -> 0); security memory with a 3-bit
error counter and the 3-byte PSC. Reads never need the PSC. Writes to main, protection and security
memory need the PSC verified since power-on. Each PRESENT_CODE first clears one counter bit (so a
wrong code costs a try even if the card is pulled away), then a right code sets the counter back to
0b111; at 0 the card is locked for good.
"""

from __future__ import annotations

from cardlib.apdu import SW_FAILURE, SW_SECURITY_NOT_SATISFIED, SW_WRONG_P1P2
from cardlib.cardtype import SLE4442_ATR_BYTES, SLE4442_PCSC_ATR
from cardlib.emulator.acs import Refused, Sle4442Front

MAIN_SIZE = 256
PROTECTED_AREA = 32  # bytes 0-31 have a protection bit
ERROR_COUNTER_FULL = 0b111
DEFAULT_PSC = bytes.fromhex("FFFFFF")
#: manufacturer area 0x04-0x17 as a factory might fill it (an ICM/ICCF-style header)
_MANUFACTURER = bytes.fromhex("D27600000400") + bytes(range(0x10, 0x1E))


class EmulatedSle4442(Sle4442Front):
    def __init__(
        self,
        memory: bytes,
        protection: int = 0xFFFFFFFF,
        psc: bytes = DEFAULT_PSC,
        error_counter: int = ERROR_COUNTER_FULL,
    ) -> None:
        super().__init__()
        if len(memory) != MAIN_SIZE or len(psc) != 3:
            raise ValueError("an SLE4442 has 256 bytes of memory and a 3-byte PSC")
        self.memory = bytearray(memory)
        #: bit i = byte i; 1 writable, 0 protected
        self.protection = protection & 0xFFFFFFFF
        self.psc = bytes(psc)
        self.error_count = error_counter & ERROR_COUNTER_FULL
        self.psc_verified = False

    @classmethod
    def blank(cls) -> EmulatedSle4442:
        """A new card: ATR header at 0x00-0x03 (protected), manufacturer bytes, the rest FF."""
        memory = bytearray(b"\xff" * MAIN_SIZE)
        memory[0:4] = SLE4442_ATR_BYTES
        memory[4:0x18] = _MANUFACTURER
        return cls(bytes(memory), protection=0xFFFFFFF0)

    # -- raw memory, for tests -------------------------------------------------------------------

    def flip_bit(self, offset: int, bit: int) -> None:
        """Invert one bit of raw memory (byte ``offset`` of :meth:`dump`), as a tamperer would."""
        self.memory[offset] ^= 1 << bit

    def dump(self) -> bytes:
        """Main memory only: protection and security memory cannot be copied back by a cloner."""
        return bytes(self.memory)

    def restore(self, dump: bytes) -> None:
        if len(dump) != MAIN_SIZE:
            raise ValueError("an SLE4442 dump is 256 bytes")
        self.memory[:] = dump

    @property
    def locked(self) -> bool:
        return self.error_count == 0

    def is_protected(self, address: int) -> bool:
        return address < PROTECTED_AREA and not (self.protection >> address) & 1

    # -- EmulatedCard ----------------------------------------------------------------------------

    @property
    def atr(self) -> bytes:
        return SLE4442_PCSC_ATR

    def _reset_volatile(self) -> None:
        super()._reset_volatile()
        self.psc_verified = False

    # -- card operations ------------------------------------------------------------------------

    def _check_range(self, address: int, length: int) -> None:
        if length < 1 or address + length > MAIN_SIZE:
            raise Refused(SW_WRONG_P1P2, f"{length} bytes at {address:02X} leave the memory")

    def _require_psc(self) -> None:
        if not self.psc_verified:
            raise Refused(SW_SECURITY_NOT_SATISFIED, "PSC not presented")

    def read(self, address: int, length: int) -> bytes:
        self._check_range(address, length)
        return bytes(self.memory[address : address + length])

    def protection_bits(self) -> bytes:
        return self.protection.to_bytes(4, "little")

    def error_counter(self) -> int:
        return self.error_count

    def write(self, address: int, data: bytes) -> None:
        self._check_range(address, len(data))
        self._require_psc()
        # The chip skips protected bytes silently; the emulator refuses the whole command instead,
        # so a driver bug shows up in tests rather than as a quietly missing byte.
        changed = [
            address + i
            for i, b in enumerate(data)
            if self.is_protected(address + i) and self.memory[address + i] != b
        ]
        if changed:
            raise Refused(SW_FAILURE, f"bytes {changed} are write-protected")
        self._store(self.memory, address, bytes(data), address)

    def write_protection(self, address: int, data: bytes) -> None:
        if len(data) < 1 or address + len(data) > PROTECTED_AREA:
            raise Refused(SW_WRONG_P1P2, "protection covers bytes 00-1F only")
        self._require_psc()
        for i, b in enumerate(data):
            # the chip compares before it burns the bit: a mismatch leaves the byte writable
            if self.memory[address + i] == b:
                self.protection &= ~(1 << (address + i))

    def present_code(self, psc: bytes) -> int:
        if self.error_count == 0:
            return 0
        self.psc_verified = False
        self.error_count = _clear_one_bit(self.error_count)
        if bytes(psc) == self.psc:
            self.error_count = ERROR_COUNTER_FULL
            self.psc_verified = True
        return self.error_count

    def change_code(self, psc: bytes) -> None:
        self._require_psc()
        self.psc = bytes(psc)


def _clear_one_bit(counter: int) -> int:
    """0b111 -> 0b011 -> 0b001 -> 0: the highest set bit goes first."""
    return counter & ~(1 << (counter.bit_length() - 1)) if counter else 0
