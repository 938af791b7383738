"""SLE4442 memory cards through pcscd: the PSC's error counter, which survives taking the card out,
locks the card after three wrong codes; a right code before that restores all three tries."""

from __future__ import annotations

import pytest

from cardlib.cards.sle4442 import Sle4442, tries_left
from cardlib.emulator.sle4442 import EmulatedSle4442
from cardlib.errors import AccessDeniedError, AuthenticationError, CardError, CardLockedError
from cardlib.service import CardService
from tests import cards
from tests.integration.pcsc_stack import Hand


def assert_sentence(error: CardError, *words: str) -> None:
    message = error.message
    assert message[:1].isupper() and message.endswith("."), message
    assert " " in message and "SCARD_" not in message, message
    for word in words:
        assert word in message, message


def issued_with_credit(hand: Hand) -> tuple[EmulatedSle4442, CardService, bytes]:
    """An issued SLE4442 with 900 on it, left on the reader; and its (diversified) PSC."""
    card, svc = EmulatedSle4442.blank(), cards.service()
    with hand.tap(card) as conn:
        state = svc.personalise(conn, cards.WALLET)
        svc.open(conn).credit(900)
    return card, svc, svc.card_keys(state.uid).sle_psc


def wrong(psc: bytes) -> bytes:
    return bytes((psc[0] ^ 0x5A,)) + psc[1:]


def test_three_wrong_codes_lock_the_card_for_good(hand: Hand) -> None:
    card, svc, psc = issued_with_credit(hand)

    with hand.retap(card) as conn:
        sle = Sle4442(conn)
        with pytest.raises(AuthenticationError) as first:
            sle.present_psc(wrong(psc))
        assert not isinstance(first.value, CardLockedError)
        assert_sentence(first.value, "2 tries left")
        with pytest.raises(AuthenticationError) as second:
            sle.present_psc(wrong(psc))
        assert_sentence(second.value, "1 try left")
    # the error counter is in the card's EEPROM: taking it out and back in does not reset it
    with hand.retap(card) as conn:
        sle = Sle4442(conn)
        assert tries_left(sle.error_counter()) == 1
        with pytest.raises(CardLockedError) as third:
            sle.present_psc(wrong(psc))
        assert_sentence(third.value, "locked")
        with pytest.raises(CardLockedError):
            sle.present_psc(psc)  # too late: the right code no longer opens it
        with pytest.raises(AccessDeniedError):
            sle.write(0x40, bytes(16))  # and nothing can be written

    with hand.retap(card) as conn:
        purse = svc.open(conn)  # still readable: the kiosk can show the balance
        assert purse.state.kiosk.value == 900
        with pytest.raises(CardLockedError) as refused:
            purse.credit(100)
        assert_sentence(refused.value, "locked", "staff")
    with hand.retap(card) as conn:
        assert svc.read(conn).kiosk.value == 900


def test_the_right_code_after_two_wrong_ones_gives_back_all_three_tries(hand: Hand) -> None:
    card, svc, psc = issued_with_credit(hand)

    with hand.retap(card) as conn:
        sle = Sle4442(conn)
        for _ in range(2):
            with pytest.raises(AuthenticationError):
                sle.present_psc(wrong(psc))
        assert tries_left(sle.error_counter()) == 1
    with hand.retap(card) as conn:
        sle = Sle4442(conn)
        sle.present_psc(psc)
        assert tries_left(sle.error_counter()) == 3
        with pytest.raises(AuthenticationError) as again:
            sle.present_psc(wrong(psc))  # a new wrong code costs one of three again, not the last
        assert_sentence(again.value, "2 tries left")
    with hand.retap(card) as conn:  # the kiosk presents the right code: the card takes credit
        svc.open(conn).credit(100)
    with hand.retap(card) as conn:
        assert svc.read(conn).kiosk.value == 1000
        assert tries_left(Sle4442(conn).error_counter()) == 3
