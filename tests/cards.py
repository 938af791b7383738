"""Emulated cards and a card service for tests: one place that knows how to make each card type."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from cardlib.crypto.keys import KeyRing, generate_demo_keys
from cardlib.emulator.base import EmulatedCard
from cardlib.emulator.classic import EmulatedClassic
from cardlib.emulator.sle4442 import EmulatedSle4442
from cardlib.emulator.ultralight import EmulatedUltralight
from cardlib.purse.header import Role, Utility
from cardlib.service import CardService, Issue

SITE_ID = 17
OTHER_SITE_ID = 99
KEYS = KeyRing([generate_demo_keys(1)])

UID_7 = bytes.fromhex("04A1B2C3D4E5F6")


def classic_1k(uid: bytes = bytes.fromhex("A1B2C3D4")) -> EmulatedCard:
    return EmulatedClassic.blank(uid=uid, size="1k")


def classic_4k(uid: bytes = bytes.fromhex("B1B2C3D4")) -> EmulatedCard:
    return EmulatedClassic.blank(uid=uid, size="4k")


def ntag213(uid: bytes = UID_7) -> EmulatedCard:
    return EmulatedUltralight.blank(uid=uid, variant="NTAG213")


def ntag215(uid: bytes = bytes.fromhex("04112233445566")) -> EmulatedCard:
    return EmulatedUltralight.blank(uid=uid, variant="NTAG215")


def ultralight_ev1(uid: bytes = bytes.fromhex("04998877665544")) -> EmulatedCard:
    return EmulatedUltralight.blank(uid=uid, variant="MF0UL21")


def sle4442() -> EmulatedCard:
    return EmulatedSle4442.blank()


#: every card type the purse supports, by a readable test id
CARD_FACTORIES: dict[str, Callable[[], EmulatedCard]] = {
    "classic1k": classic_1k,
    "classic4k": classic_4k,
    "ntag213": ntag213,
    "ntag215": ntag215,
    "ultralight_ev1": ultralight_ev1,
    "sle4442": sle4442,
}


def service(site_id: int = SITE_ID) -> CardService:
    return CardService(KEYS, site_id, today=lambda: dt.date(2026, 11, 24))


WALLET = Issue(role=Role.WALLET, card_serial=1001, tenant_id=7)
METER = Issue(
    role=Role.METER, card_serial=2001, tenant_id=8, meter_id=42, utility=Utility.ELECTRICITY
)
STAFF = Issue(role=Role.STAFF, card_serial=9001, tenant_id=3)
