"""Card types, and telling them apart from the ATR a PC/SC reader makes up for them.

PC/SC part 3 §3.1.3.2.3: a contactless storage card's ATR is
``3B 8F 80 01 80 4F 0C A0 00 00 03 06 SS C0 C1 00 00 00 00 TCK`` where ``A0 00 00 03 06`` is the
PC/SC workgroup's RID, ``SS`` the standard (03 = ISO 14443A part 3) and ``C0 C1`` the card name.
"""

from __future__ import annotations

import enum
from functools import reduce

from cardlib.errors import UnknownCardTypeError


class CardType(enum.Enum):
    MIFARE_CLASSIC_1K = "mifare_classic_1k"
    MIFARE_CLASSIC_4K = "mifare_classic_4k"
    MIFARE_ULTRALIGHT = (
        "mifare_ultralight"  # Ultralight family incl. EV1 and NTAG21x (same card name)
    )
    SLE4442 = "sle4442"

    @property
    def label(self) -> str:
        return _LABELS[self]


_LABELS = {
    CardType.MIFARE_CLASSIC_1K: "MIFARE Classic 1K",
    CardType.MIFARE_CLASSIC_4K: "MIFARE Classic 4K",
    CardType.MIFARE_ULTRALIGHT: "MIFARE Ultralight / NTAG",
    CardType.SLE4442: "SLE4442 memory card",
}

PCSC_RID = bytes.fromhex("A000000306")  # PC/SC workgroup registered application provider id
SS_ISO14443A_3 = 0x03
# PC/SC part 3 supplement, card names (C0 C1)
CARD_NAME_CLASSIC_1K = 0x0001
CARD_NAME_CLASSIC_4K = 0x0002
CARD_NAME_ULTRALIGHT = 0x0003

_BY_CARD_NAME = {
    CARD_NAME_CLASSIC_1K: CardType.MIFARE_CLASSIC_1K,
    CARD_NAME_CLASSIC_4K: CardType.MIFARE_CLASSIC_4K,
    CARD_NAME_ULTRALIGHT: CardType.MIFARE_ULTRALIGHT,
}

#: SLE4442 answer-to-reset (synchronous card; ACS readers report it with the 3B 04 prefix)
SLE4442_ATR_BYTES = bytes.fromhex("A2131091")
SLE4442_PCSC_ATR = bytes.fromhex("3B04") + SLE4442_ATR_BYTES


def storage_card_atr(card_name: int) -> bytes:
    """The ATR a PC/SC part 3 reader reports for an ISO 14443-3 storage card."""
    body = bytes.fromhex("3B8F8001804F0C") + PCSC_RID + bytes((SS_ISO14443A_3,))
    body += card_name.to_bytes(2, "big") + bytes(4)
    return body + bytes((reduce(lambda a, b: a ^ b, body[1:], 0),))


def card_type_from_atr(atr: bytes) -> CardType:
    """Tell the card type from its ATR, or raise :class:`UnknownCardTypeError` naming the ATR."""
    if atr in (SLE4442_PCSC_ATR, SLE4442_ATR_BYTES):
        return CardType.SLE4442
    if len(atr) == 20 and atr[:4] == bytes.fromhex("3B8F8001") and atr[7:12] == PCSC_RID:
        card_name = int.from_bytes(atr[13:15], "big")
        if atr[12] == SS_ISO14443A_3 and card_name in _BY_CARD_NAME:
            return _BY_CARD_NAME[card_name]
    raise UnknownCardTypeError(
        f"This kind of card is not supported (ATR {atr.hex(' ').upper()}). "
        "Please use a card issued here."
    )
