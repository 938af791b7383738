"""The purse on SLE4442 memory cards: bytes 0x18-0x9F, writes behind the card's diversified PSC.

A memory card has no UID: at issue the kiosk writes a random card id into the write-once area and
protects it, and that id stands in for the UID in key diversification and MACs. A memory card can
still be copied byte for byte onto another blank one (its protection bits can be set to match), so
the host's record of each card's counter is what stops a copy being spent twice.
"""

from __future__ import annotations

import secrets

from cardlib.cards.sle4442 import Sle4442
from cardlib.crypto.keys import CardKeys
from cardlib.errors import AuthenticationError, CardLockedError, TornWriteError
from cardlib.purse import header as header_codec
from cardlib.purse import layout
from cardlib.purse.medium import Medium, RawPurse, RecordKind, Slot
from cardlib.reader.base import CardConnection

L = layout.SLE4442
TRANSPORT_PSC = bytes.fromhex("FFFFFF")  # as shipped by most suppliers; set per batch otherwise


class Sle4442Medium(Medium):
    def __init__(self, connection: CardConnection, transport_psc: bytes = TRANSPORT_PSC) -> None:
        super().__init__(connection)
        self.card = Sle4442(connection)
        self.card_type = connection.card_type
        self.transport_psc = transport_psc
        self._unlocked = False
        self._span: bytes | None = None  # 0x18-0x9F as last read on this connection
        self._transport_presented = False

    def _read_uid(self) -> bytes:
        return self.card.read(L.card_id_address, L.card_id_size)

    def _read_span(self) -> bytes:
        # Reading 136 bytes costs one command, like reading 16: read the whole purse once a tap.
        if self._span is None:
            self._span = self.card.read(L.card_id_address, L.end_address - L.card_id_address)
            self._uid = self._span[: L.card_id_size]
        return self._span

    def _at(self, address: int, size: int) -> bytes:
        offset = address - L.card_id_address
        return self._read_span()[offset : offset + size]

    def read_public(self) -> tuple[bytes, bytes]:
        slot_a = L.address(RecordKind.KIOSK, Slot.A)
        return self._at(L.header_address, layout.HEADER_SIZE), self._at(
            slot_a, layout.KIOSK_RECORD_SIZE
        )

    def read_all(self, keys: CardKeys, meter: bool = True) -> RawPurse:
        def pair(kind: RecordKind, size: int) -> tuple[bytes, bytes]:
            return self._at(L.address(kind, Slot.A), size), self._at(L.address(kind, Slot.B), size)

        return RawPurse(
            uid=self.uid,
            header=self._at(L.header_address, layout.HEADER_SIZE),
            kiosk=pair(RecordKind.KIOSK, layout.KIOSK_RECORD_SIZE),
            meter=pair(RecordKind.METER, layout.METER_RECORD_SIZE),
        )

    def _unlock(self, keys: CardKeys) -> None:
        if not self._unlocked:
            self.card.present_psc(keys.sle_psc)
            self._unlocked = True

    def write_record(self, keys: CardKeys, kind: RecordKind, slot: Slot, data: bytes) -> bytes:
        self._unlock(keys)
        address = L.address(kind, slot)
        self._span = None
        self.card.write(address, data)
        back = self.card.read(address, len(data))
        if back != data:
            raise TornWriteError("The card did not keep what was written. Please tap it again.")
        return back

    def assign_uid(self) -> bytes:
        """Give a blank card its id (write-once), changing nothing on a card that has one."""
        id_mask = ((1 << L.card_id_size) - 1) << L.card_id_address
        if self.card.protection_bits() & id_mask == id_mask:
            return self.uid
        self.card.present_psc(self.transport_psc)
        self._transport_presented = True
        card_id = secrets.token_bytes(L.card_id_size)
        self.card.write(L.card_id_address, card_id)
        self.card.protect(L.card_id_address, card_id)
        self._uid = card_id
        self._span = None
        return card_id

    def personalise(self, keys: CardKeys, header: bytes, first_record: bytes) -> None:
        # A card given its id on this connection still has the transport PSC, already presented.
        # A resumed one may have either (a tear between protecting the id and changing the code):
        # one wrong presentation costs a try, and the right one restores all three.
        self._span = None
        try:
            if self._transport_presented:
                raise AuthenticationError()
            self.card.present_psc(keys.sle_psc)
        except CardLockedError:
            raise
        except AuthenticationError:
            try:
                if not self._transport_presented:
                    self.card.present_psc(self.transport_psc)
            except AuthenticationError:
                raise AuthenticationError(
                    "This card's code is not ours: it was not issued here. It was not changed."
                ) from None
            self.card.change_psc(keys.sle_psc)
        self._unlocked = True
        empty_from = L.address(RecordKind.KIOSK, Slot.B)
        self.card.write(empty_from, bytes(L.end_address - empty_from))
        # Magic (the first two bytes) last: a header torn before it has no magic at all.
        magic = len(header_codec.MAGIC)
        self.card.write(L.header_address + magic, header[magic:])
        self.card.write(L.header_address, header[:magic])
        self.card.write(L.address(RecordKind.KIOSK, Slot.A), first_record)
