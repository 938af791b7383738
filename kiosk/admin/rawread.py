"""Every readable block, page or byte of a card, as hex for a technician -- keys never shown.

Built on cardlib's card drivers (cardlib.cards: MifareClassic, Ultralight, Sle4442) and the purse
layout (cardlib.purse.layout), which already offer all a raw read needs; cardlib was not changed:

- MIFARE Classic: each sector is opened with the first key that works -- this site's Key B for
  the card, the public header Key A, the transport key -- and its blocks read. Sector trailers
  are shown with both keys replaced by ``**`` (Key A always reads as zeros on a real card, Key B
  may be readable under some access conditions: neither is printed either way).
- Ultralight / NTAG: pages 0 to the last configuration page; the PWD and PACK pages are left out
  (a real card reads them as zeros; they are the card's password).
- SLE4442: the 256 bytes of main memory, the protection bits and the PSC tries left. The PSC lives
  in security memory, which is never read here.

A part that cannot be read is listed with ``data`` None and why, never skipped silently.
"""

from __future__ import annotations

from dataclasses import dataclass

from cardlib.cards import classic
from cardlib.cards.access_bits import TRANSPORT_KEY
from cardlib.cards.sle4442 import MEMORY_SIZE, Sle4442, tries_left
from cardlib.cards.ultralight import PAGE_SIZE, READ_PAGES, Model, Ultralight
from cardlib.cardtype import CardType
from cardlib.crypto.keys import CardKeys
from cardlib.errors import AuthenticationError, CardError
from cardlib.purse import layout
from cardlib.reader.base import CardConnection

MASK = "**"
SLE_ROW = 16


@dataclass(frozen=True)
class RawUnit:
    #: block number (Classic), page number (Ultralight/NTAG) or byte address (SLE4442)
    address: int
    #: what lives there: "block 4 (header)", "page 12 (kiosk A)", "0x40 (kiosk A)"
    label: str
    #: bytes as spaced hex with key bytes masked; None when it could not be read
    data: str | None
    note: str = ""


def _hex(data: bytes) -> str:
    return data.hex(" ").upper()


def _regions(card_type: CardType, offset: int, size: int) -> str:
    """The purse areas overlapping ``size`` bytes at dump offset ``offset``."""
    names = [
        name
        for name, (start, length) in layout.purse_regions(card_type).items()
        if start < offset + size and offset < start + length
    ]
    return ", ".join(names)


def read_raw(connection: CardConnection, keys: CardKeys | None) -> list[RawUnit]:
    """The card on ``connection``, unit by unit. ``keys`` are this site's keys for the card (None
    when they cannot be derived): they open sectors, they are never part of the result."""
    card_type = connection.card_type
    if card_type in (CardType.MIFARE_CLASSIC_1K, CardType.MIFARE_CLASSIC_4K):
        return _classic(connection, keys)
    if card_type is CardType.MIFARE_ULTRALIGHT:
        return _ultralight(connection)
    return _sle4442(connection)


# -- MIFARE Classic ------------------------------------------------------------------------------


def _classic(connection: CardConnection, keys: CardKeys | None) -> list[RawUnit]:
    card = classic.MifareClassic(connection)
    units: list[RawUnit] = []
    for sector in range(card.sectors):
        opened = _open_sector(card, sector, keys)
        first, trailer = classic.first_block(sector), classic.trailer_block(sector)
        for block in range(first, trailer + 1):
            label = _classic_label(connection.card_type, block, sector, trailer)
            if opened is None:
                units.append(RawUnit(block, label, None, "no key this kiosk holds opens it"))
                continue
            try:
                data = card.read_block(block)
            except CardError as exc:
                units.append(RawUnit(block, label, None, f"{exc.message} ({opened})"))
                continue
            if block == trailer:
                shown = " ".join([MASK] * 6 + [f"{b:02X}" for b in data[6:10]] + [MASK] * 6)
                units.append(RawUnit(block, label, shown, f"keys hidden; opened with {opened}"))
            else:
                units.append(RawUnit(block, label, _hex(data), f"opened with {opened}"))
    return units


def _open_sector(card: classic.MifareClassic, sector: int, keys: CardKeys | None) -> str | None:
    """Authenticate ``sector`` with the first key that opens it; say which (by name only)."""
    site_b = [(keys.classic_key_b, classic.KeyType.B, "this site's Key B")] if keys else []
    public = [(layout.PUBLIC_HEADER_KEY_A, classic.KeyType.A, "the public header key")]
    transport = [(TRANSPORT_KEY, classic.KeyType.A, "the transport key")]
    if sector == layout.CLASSIC.header_sector:
        candidates = public + transport + site_b
    elif sector in layout.CLASSIC.record_sectors:
        candidates = site_b + transport
    else:
        candidates = transport + site_b
    for key, key_type, name in candidates:
        try:
            card.authenticate(sector, key, key_type)
        except AuthenticationError:
            continue
        return name
    return None


def _classic_label(card_type: CardType, block: int, sector: int, trailer: int) -> str:
    if block == trailer:
        what = "sector trailer"
    elif block == 0:
        what = "manufacturer block"
    else:
        what = _regions(card_type, block * layout.CLASSIC_BLOCK_SIZE, layout.CLASSIC_BLOCK_SIZE)
        if block in layout.CLASSIC.reserved_blocks:
            what = "reserved"
    return f"block {block} (sector {sector}{': ' + what if what else ''})"


# -- Ultralight / NTAG ---------------------------------------------------------------------------


def _ultralight(connection: CardConnection) -> list[RawUnit]:
    card = Ultralight(connection)
    model = card.model()
    last = model.cfg1_page if model.cfg1_page is not None else model.last_user_page
    secret = {model.pwd_page, model.pack_page}
    units: list[RawUnit] = []
    for start in range(0, last + 1, READ_PAGES):
        try:
            data = card.read_pages(start)
        except CardError as exc:
            units += [
                RawUnit(p, _page_label(connection.card_type, p, model), None, exc.message)
                for p in range(start, min(start + READ_PAGES, last + 1))
                if p not in secret
            ]
            continue
        for i in range(READ_PAGES):
            page = start + i
            if page > last or page in secret:
                continue
            chunk = data[i * PAGE_SIZE : (i + 1) * PAGE_SIZE]
            units.append(RawUnit(page, _page_label(connection.card_type, page, model), _hex(chunk)))
    return units


def _page_label(card_type: CardType, page: int, model: Model) -> str:
    fixed = {0: "UID", 1: "UID", 2: "UID, lock bytes", 3: "capability container"}
    cfg0 = model.cfg0_page
    if page in fixed:
        what = fixed[page]
    elif cfg0 is not None and page == cfg0:
        what = "CFG0 (AUTH0: first password-protected page)"
    elif cfg0 is not None and page == cfg0 + 1:
        what = "CFG1 (access)"
    else:
        what = _regions(card_type, page * PAGE_SIZE, PAGE_SIZE) or "free user memory"
    return f"page {page} ({what})"


# -- SLE4442 ---------------------------------------------------------------------------------------


def _sle4442(connection: CardConnection) -> list[RawUnit]:
    card = Sle4442(connection)
    units: list[RawUnit] = []
    memory = card.read(0, MEMORY_SIZE)
    for address in range(0, MEMORY_SIZE, SLE_ROW):
        what = (
            "manufacturer area"
            if address < layout.SLE_MANUFACTURER_AREA.size
            else _regions(CardType.SLE4442, address, SLE_ROW) or "free"
        )
        units.append(
            RawUnit(address, f"0x{address:02X} ({what})", _hex(memory[address : address + SLE_ROW]))
        )
    bits = card.protection_bits()
    protected = [a for a in range(layout.SLE_PROTECTABLE_AREA.size) if bits >> a & 1]
    units.append(
        RawUnit(
            -1,
            "protection bits (bytes 0x00-0x1F)",
            f"{bits:08X}",
            f"{len(protected)} bytes write-protected for good",
        )
    )
    left = tries_left(card.error_counter())
    units.append(RawUnit(-2, "PSC error counter", None, f"{left} of 3 tries left (PSC not read)"))
    return units
