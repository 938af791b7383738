"""The purse on MIFARE Classic 1K/4K: sectors 1-3, diversified keys, public header Key A."""

from __future__ import annotations

from cardlib.cards.access_bits import PURSE_ACCESS, TRANSPORT_KEY
from cardlib.cards.classic import KeyType, MifareClassic, Trailer
from cardlib.crypto.keys import CardKeys
from cardlib.errors import AuthenticationError, TornWriteError
from cardlib.purse import layout
from cardlib.purse.medium import Medium, RawPurse, RecordKind, Slot
from cardlib.reader.base import CardConnection

L = layout.CLASSIC
GENERAL_PURPOSE_BYTE = 0x00  # trailer byte 9: free for the application; we keep nothing there
ZERO_BLOCK = bytes(16)


class ClassicMedium(Medium):
    def __init__(self, connection: CardConnection) -> None:
        super().__init__(connection)
        self.card = MifareClassic(connection)
        self.card_type = self.card.card_type
        self._sector1: bytes | None = None  # blocks 4-6 as read with the public key

    def _read_uid(self) -> bytes:
        return self.card.get_uid()

    def read_public(self) -> tuple[bytes, bytes]:
        sector1 = self._read_sector1()
        (slot_a,) = L.blocks(RecordKind.KIOSK, Slot.A)
        offset = L.sector1_blocks.index(slot_a) * 16
        return sector1[: layout.HEADER_SIZE], sector1[offset : offset + 16]

    def _read_sector1(self) -> bytes:
        if self._sector1 is None:
            self._open_header_sector()
            self._sector1 = b"".join(self.card.read_block(b) for b in L.sector1_blocks)
        return self._sector1

    def _open_header_sector(self) -> None:
        """Authenticate sector 1 for reading: the public key on an issued card, else transport."""
        try:
            self.card.authenticate(L.header_sector, layout.PUBLIC_HEADER_KEY_A, KeyType.A)
        except AuthenticationError:
            try:
                self.card.authenticate(L.header_sector, TRANSPORT_KEY, KeyType.A)
            except AuthenticationError:
                raise AuthenticationError(
                    "This card is locked with keys of another system: it was not issued here."
                ) from None

    def read_all(self, keys: CardKeys, meter: bool = True) -> RawPurse:
        sector1 = self._read_sector1()
        wanted = set(L.blocks(RecordKind.KIOSK, Slot.B))
        if meter:
            wanted |= {b for slot in Slot for b in L.blocks(RecordKind.METER, slot)}
        blocks: dict[int, bytes] = dict.fromkeys(L.record_blocks, ZERO_BLOCK)
        for sector in L.record_sectors:
            in_sector = [b for b in L.data_blocks_in(sector) if b in wanted]
            if not in_sector:
                continue
            self.card.authenticate(sector, keys.classic_key_b, KeyType.B)
            for block in in_sector:
                blocks[block] = self.card.read_block(block)
        header = sector1[: layout.HEADER_SIZE]
        blocks.update({b: sector1[i * 16 : (i + 1) * 16] for i, b in enumerate(L.sector1_blocks)})

        def record(kind: RecordKind, slot: Slot) -> bytes:
            return b"".join(blocks[b] for b in L.blocks(kind, slot))

        return RawPurse(
            uid=self.uid,
            header=header,
            kiosk=(record(RecordKind.KIOSK, Slot.A), record(RecordKind.KIOSK, Slot.B)),
            meter=(record(RecordKind.METER, Slot.A), record(RecordKind.METER, Slot.B)),
        )

    def write_record(self, keys: CardKeys, kind: RecordKind, slot: Slot, data: bytes) -> bytes:
        blocks = L.blocks(kind, slot)
        if len(data) != 16 * len(blocks):
            raise ValueError(f"{kind.value} record is {16 * len(blocks)} bytes")
        self.card.authenticate(L.sector_of(blocks[0]), keys.classic_key_b, KeyType.B)
        for i, block in enumerate(blocks):
            self.card.write_block(block, data[i * 16 : (i + 1) * 16])
        back = b"".join(self.card.read_block(block) for block in blocks)
        if back != data:
            raise TornWriteError("The card did not keep what was written. Please tap it again.")
        self._sector1 = None
        return back

    def personalise(self, keys: CardKeys, header: bytes, first_record: bytes) -> None:
        # Sectors 2 and 3 first, sector 1 (header, first record) last: until the first record is
        # written the card reads as "issuing not finished", never as a half-issued purse.
        for sector in L.personalise_order:
            self._take_over(sector, keys)
            for block in L.data_blocks_in(sector):
                if sector == L.header_sector:
                    continue
                self.card.write_block(block, ZERO_BLOCK)
        # The block with the magic goes last: a header torn before it has no magic at all.
        for i, block in reversed(list(enumerate(L.header_blocks))):
            self.card.write_block(block, header[i * 16 : (i + 1) * 16])
        # Slot B of the kiosk record was zeroed above; the first record goes to slot A.
        (first_block,) = L.blocks(RecordKind.KIOSK, Slot.A)
        self.card.write_block(first_block, first_record)
        self._sector1 = None

    def _take_over(self, sector: int, keys: CardKeys) -> None:
        """Leave ``sector`` authenticated with the card's Key B, converting it from transport
        configuration first if it still has it (a resumed personalisation finds some done)."""
        try:
            self.card.authenticate(sector, TRANSPORT_KEY, KeyType.A)
        except AuthenticationError:
            try:
                self.card.authenticate(sector, keys.classic_key_b, KeyType.B)
            except AuthenticationError:
                raise AuthenticationError(
                    f"Sector {sector} of this card opens with neither the transport key nor this "
                    "site's key: it belongs to another system, or its keys were damaged by a card "
                    "pulled away while it was being issued. It cannot be issued here."
                ) from None
            return
        key_a = layout.PUBLIC_HEADER_KEY_A if sector == L.header_sector else keys.classic_key_a
        self.card.write_trailer(
            sector, Trailer(key_a, PURSE_ACCESS, GENERAL_PURPOSE_BYTE, keys.classic_key_b)
        )
        self.card.authenticate(sector, keys.classic_key_b, KeyType.B)
