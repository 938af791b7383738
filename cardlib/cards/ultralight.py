"""MIFARE Ultralight / Ultralight EV1 / NTAG21x through a PC/SC part 3 reader.

Pages are read four at a time (READ BINARY, Le 16) and written one at a time (UPDATE BINARY, Lc 4).
GET_VERSION and PWD_AUTH have no pseudo-APDU of their own: they go to the card as native frames
through the reader's direct transmit (PN532 InCommunicateThru), as ACS documents.
"""

from __future__ import annotations

from dataclasses import dataclass

from cardlib.apdu import check
from cardlib.cards import pcsc3
from cardlib.cardtype import CardType
from cardlib.errors import (
    AccessDeniedError,
    AuthenticationError,
    FormatError,
    TransmitError,
    UnsupportedCommandError,
)
from cardlib.reader.base import CardConnection

PAGE_SIZE = 4
READ_PAGES = 4  # one READ returns 4 pages
FIRST_USER_PAGE = 4

# NXP native commands (MF0ULx1 / NTAG213/215/216 datasheets §10)
CMD_GET_VERSION = 0x60
CMD_PWD_AUTH = 0x1B

PWD_SIZE = 4
PACK_SIZE = 2

# CFG0 byte 3 is AUTH0; CFG1 byte 0 bit 7 is PROT (1: reads need the password too)
AUTH0_OFFSET = 3
ACCESS_PROT = 0x80
AUTH0_DISABLED = 0xFF


@dataclass(frozen=True)
class Model:
    """What GET_VERSION tells about a card: its name and where its memory ends."""

    name: str
    last_user_page: int
    cfg0_page: int | None  # None: no password feature (plain Ultralight)

    @property
    def user_bytes(self) -> int:
        return (self.last_user_page - FIRST_USER_PAGE + 1) * PAGE_SIZE

    @property
    def cfg1_page(self) -> int | None:
        return None if self.cfg0_page is None else self.cfg0_page + 1

    @property
    def pwd_page(self) -> int | None:
        return None if self.cfg0_page is None else self.cfg0_page + 2

    @property
    def pack_page(self) -> int | None:
        return None if self.cfg0_page is None else self.cfg0_page + 3


# GET_VERSION bytes 1-6 (vendor, type, subtype, major, minor, storage size) -> model
_MODELS: dict[bytes, Model] = {
    bytes.fromhex("040301010B"): Model("MIFARE Ultralight EV1 (MF0UL11)", 0x0F, 0x10),
    bytes.fromhex("040301010E"): Model("MIFARE Ultralight EV1 (MF0UL21)", 0x23, 0x25),
    bytes.fromhex("040402010F"): Model("NTAG213", 0x27, 0x29),
    bytes.fromhex("0404020111"): Model("NTAG215", 0x81, 0x83),
    bytes.fromhex("0404020113"): Model("NTAG216", 0xE1, 0xE3),
}
#: a card that does not answer GET_VERSION: the original MF0ICU1, 48 bytes of user memory
PLAIN_ULTRALIGHT = Model("MIFARE Ultralight (MF0ICU1)", 0x0F, None)


def model_from_version(version: bytes) -> Model:
    key = bytes(version[1:4]) + bytes(version[4:5]) + bytes(version[6:7])
    try:
        return _MODELS[key]
    except KeyError:
        raise FormatError(
            f"Unknown Ultralight/NTAG model (GET_VERSION {version.hex(' ').upper()})."
        ) from None


class Ultralight:
    """An Ultralight-family card on a PC/SC part 3 reader."""

    def __init__(self, connection: CardConnection) -> None:
        if connection.card_type is not CardType.MIFARE_ULTRALIGHT:
            raise FormatError(f"{connection.card_type.label} is not an Ultralight/NTAG card.")
        self.connection = connection
        self._model: Model | None = None

    def get_uid(self) -> bytes:
        return check(self.connection.transmit(pcsc3.get_uid()), what="reading the card's UID").data

    def native(self, frame: bytes) -> bytes:
        """Send a native frame through direct transmit; return the card's answer."""
        response = check(
            self.connection.transmit(pcsc3.direct_transmit(frame)), what="direct transmit"
        )
        data = response.data
        head = pcsc3.PN532_IN_COMMUNICATE_THRU_RESPONSE
        if len(data) < 3 or data[:2] != head:
            raise TransmitError(f"Unexpected answer to direct transmit: {data.hex(' ').upper()}.")
        if data[2] != pcsc3.PN532_STATUS_OK:
            # The PN532 reports the card's silence or NAK as a non-zero status (timeout 01).
            raise _NativeRefused(data[2])
        return data[3:]

    def model(self) -> Model:
        if self._model is None:
            try:
                self._model = model_from_version(self.native(bytes((CMD_GET_VERSION,))))
            except (_NativeRefused, UnsupportedCommandError):
                # MF0ICU1 has no GET_VERSION and stays silent.
                self._model = PLAIN_ULTRALIGHT
        return self._model

    def read_pages(self, page: int) -> bytes:
        """Four pages (16 bytes) from ``page``."""
        response = check(
            self.connection.transmit(pcsc3.read_binary(page, READ_PAGES * PAGE_SIZE)),
            AccessDeniedError,
            f"reading page {page}",
        )
        if len(response.data) != READ_PAGES * PAGE_SIZE:
            raise TransmitError(f"Reading page {page} returned {len(response.data)} bytes.")
        return response.data

    def read(self, page: int, length: int) -> bytes:
        """``length`` bytes from ``page``, in as few READs as possible."""
        out = b""
        while len(out) < length:
            out += self.read_pages(page + len(out) // PAGE_SIZE)
        return out[:length]

    def write_page(self, page: int, data: bytes) -> None:
        if len(data) != PAGE_SIZE:
            raise ValueError("an Ultralight page is 4 bytes")
        check(
            self.connection.transmit(pcsc3.update_binary(page, data)),
            AccessDeniedError,
            f"writing page {page}",
        )

    def write(self, page: int, data: bytes) -> None:
        for i in range(0, len(data), PAGE_SIZE):
            self.write_page(page + i // PAGE_SIZE, data[i : i + PAGE_SIZE])

    def pwd_auth(self, pwd: bytes) -> bytes:
        """Present the 32-bit password; return the PACK the card answers with."""
        if len(pwd) != PWD_SIZE:
            raise ValueError("an NTAG password is 4 bytes")
        try:
            pack = self.native(bytes((CMD_PWD_AUTH,)) + pwd)
        except _NativeRefused as exc:
            raise AuthenticationError("The card refused the password.") from exc
        if len(pack) != PACK_SIZE:
            raise AuthenticationError("The card refused the password.")
        return pack

    def protect(self, pwd: bytes, pack: bytes, auth0: int, read_protect: bool = False) -> None:
        """Set password, PACK and the first protected page. AUTH0 is written last: until then the
        card stays open, so a tear never leaves it protected by a password that was not stored."""
        model = self.model()
        if model.cfg0_page is None or model.pwd_page is None or model.pack_page is None:
            raise UnsupportedCommandError(f"{model.name} has no password protection.")
        self.write_page(model.pwd_page, pwd)
        self.write_page(model.pack_page, pack + bytes(2))
        cfg = self.read_pages(model.cfg0_page)
        cfg0, cfg1 = bytearray(cfg[0:4]), bytearray(cfg[4:8])
        new_cfg1 = (cfg1[0] | ACCESS_PROT) if read_protect else (cfg1[0] & ~ACCESS_PROT & 0xFF)
        if cfg1[0] != new_cfg1:
            cfg1[0] = new_cfg1
            self.write_page(model.cfg0_page + 1, bytes(cfg1))
        cfg0[AUTH0_OFFSET] = auth0
        self.write_page(model.cfg0_page, bytes(cfg0))

    def auth0(self) -> int:
        model = self.model()
        if model.cfg0_page is None:
            return AUTH0_DISABLED
        return self.read_pages(model.cfg0_page)[AUTH0_OFFSET]


class _NativeRefused(TransmitError):
    code = "native_refused"

    def __init__(self, status: int) -> None:
        super().__init__(f"The card did not answer the command (reader status {status:02X}).")
        self.status = status
