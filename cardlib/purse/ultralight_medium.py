"""The purse on MIFARE Ultralight EV1 / NTAG21x: pages 4-35, writes behind the card's password."""

from __future__ import annotations

from cardlib.cards.ultralight import AUTH0_DISABLED, PAGE_SIZE, Ultralight
from cardlib.crypto.keys import CardKeys
from cardlib.errors import AuthenticationError, CardTooSmallError, TornWriteError
from cardlib.purse import layout
from cardlib.purse.medium import Medium, RawPurse, RecordKind, Slot
from cardlib.reader.base import CardConnection

L = layout.ULTRALIGHT


class UltralightMedium(Medium):
    def __init__(self, connection: CardConnection) -> None:
        super().__init__(connection)
        self.card = Ultralight(connection)
        self.card_type = connection.card_type
        self._unlocked = False
        self._public: bytes | None = None  # pages from the header to the end of kiosk slot A

    def _read_uid(self) -> bytes:
        return self.card.get_uid()

    def _check_size(self) -> None:
        model = self.card.model()
        if model.last_user_page < L.last_page:
            raise CardTooSmallError(
                f"A {model.name} has {model.user_bytes} bytes of memory; a prepaid card needs "
                f"{(L.last_page - L.first_page + 1) * PAGE_SIZE}. Please use an NTAG213 or larger."
            )

    def read_public(self) -> tuple[bytes, bytes]:
        self._check_size()
        slot_a = L.page(RecordKind.KIOSK, Slot.A)
        size = (slot_a - L.header_page) * PAGE_SIZE + layout.KIOSK_RECORD_SIZE
        self._public = span = self.card.read(L.header_page, size)
        return span[: layout.HEADER_SIZE], span[-layout.KIOSK_RECORD_SIZE :]

    def read_all(self, keys: CardKeys, meter: bool = True) -> RawPurse:
        self._check_size()
        # The header and slot A were read a moment ago on this connection: read only the rest.
        known = self._public or b""
        end = L.last_page if meter else L.page(RecordKind.KIOSK, Slot.B) + 3
        rest_from = L.first_page + len(known) // PAGE_SIZE
        span = known + self.card.read(rest_from, (end - rest_from + 1) * PAGE_SIZE)
        span = span.ljust((L.last_page - L.first_page + 1) * PAGE_SIZE, b"\x00")

        def at(page: int, size: int) -> bytes:
            offset = (page - L.first_page) * PAGE_SIZE
            return span[offset : offset + size]

        def pair(kind: RecordKind, size: int) -> tuple[bytes, bytes]:
            return at(L.page(kind, Slot.A), size), at(L.page(kind, Slot.B), size)

        return RawPurse(
            uid=self.uid,
            header=at(L.header_page, layout.HEADER_SIZE),
            kiosk=pair(RecordKind.KIOSK, layout.KIOSK_RECORD_SIZE),
            meter=pair(RecordKind.METER, layout.METER_RECORD_SIZE),
        )

    def _unlock(self, keys: CardKeys) -> None:
        if self._unlocked:
            return
        pack = self.card.pwd_auth(keys.ntag_pwd)
        if pack != keys.ntag_pack:
            # A genuine card answers with the PACK stored at issue; a clone that accepts any
            # password does not know it.
            raise AuthenticationError("The card answered the password wrongly: it is not genuine.")
        self._unlocked = True

    def write_record(self, keys: CardKeys, kind: RecordKind, slot: Slot, data: bytes) -> bytes:
        self._unlock(keys)
        page = L.page(kind, slot)
        self._public = None
        self.card.write(page, data)
        back = self.card.read(page, len(data))
        if back != data:
            raise TornWriteError("The card did not keep what was written. Please tap it again.")
        return back

    def personalise(self, keys: CardKeys, header: bytes, first_record: bytes) -> None:
        self._check_size()
        self._public = None
        if self.card.auth0() == AUTH0_DISABLED:
            # Password and PACK are stored before AUTH0 switches protection on (Ultralight.protect),
            # so a tear leaves the card either open or protected by our password, never locked.
            self.card.protect(keys.ntag_pwd, keys.ntag_pack, auth0=L.first_page)
        try:
            self._unlock(keys)
        except AuthenticationError:
            raise AuthenticationError(
                "This card is protected by another system's password: it was not issued here."
            ) from None
        empty_from = L.page(RecordKind.KIOSK, Slot.B)
        self.card.write(empty_from, bytes((L.last_page - empty_from + 1) * PAGE_SIZE))
        # Magic page last: a header torn before it has no magic at all.
        self.card.write(L.header_page + 1, header[PAGE_SIZE:])
        self.card.write(L.header_page, header[:PAGE_SIZE])
        self.card.write(L.page(RecordKind.KIOSK, Slot.A), first_record)
