"""The card service through the real PC/SC stack: pyscard -> pcscd -> vpcd -> VpcdLink -> emulated
card. Everything above the card model runs its production code; a tear closes the vpcd socket, so
pcscd sees a real card removal in the middle of a command.

The in-process versions of these scenarios are in tests/unit/test_card_service.py; here they are
repeated where the transport matters: re-powering on every tap, removals noticed by pcscd, and
connections that really end.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import pytest

from cardlib.cardtype import CardType, card_type_from_atr, storage_card_atr
from cardlib.emulator.base import EmulatedCard
from cardlib.emulator.tear import TearPlan
from cardlib.errors import (
    BlankCardError,
    CardError,
    CardRemovedError,
    ForeignCardError,
    InsufficientFundsError,
    NoCardError,
    ReplayError,
    TamperedError,
    UnknownCardTypeError,
)
from cardlib.purse import layout
from cardlib.purse.header import Role
from cardlib.purse.records import MeterRecord
from cardlib.purse.slots import RecordKind, Slot
from cardlib.service import CardService, IssueNotFinishedError
from tests import cards
from tests.integration.pcsc_stack import Hand

#: the card types the PC/SC readers take (NTAG215 is covered through nfcpy)
PCSC_CARDS: dict[str, Callable[[], EmulatedCard]] = {
    "classic1k": cards.classic_1k,
    "classic4k": cards.classic_4k,
    "ntag213": cards.ntag213,
    "ultralight_ev1": cards.ultralight_ev1,
    "sle4442": cards.sle4442,
}
ALL = pytest.mark.parametrize("make", list(PCSC_CARDS.values()), ids=list(PCSC_CARDS))
#: one card of each family: Classic (sectors, keys), Type 2 (pages, password), SLE4442 (PSC)
FAMILIES = pytest.mark.parametrize(
    "make",
    [cards.classic_1k, cards.ntag213, cards.sle4442],
    ids=["classic1k", "ntag213", "sle4442"],
)


def assert_sentence(error: CardError, *words: str) -> None:
    """The error's message is a sentence a person at the kiosk can read (and says ``words``)."""
    message = error.message
    assert message[:1].isupper() and message.rstrip(")").endswith("."), message
    assert " " in message and "Traceback" not in message and "SCARD_" not in message, message
    for word in words:
        assert word in message, message


def issue(hand: Hand, card: EmulatedCard, svc: CardService, what=cards.WALLET) -> None:
    """Personalise a blank ``card`` on the reader (it stays there)."""
    with hand.tap(card) as conn:
        state = svc.personalise(conn, what)
    assert state.role is what.role and state.kiosk.value == 0


def balance(hand: Hand, svc: CardService) -> int:
    """What a kiosk shows for the card on the reader, read over a new connection."""
    with hand.connect() as conn:
        return svc.read(conn).kiosk.value


def card_type_of(card: EmulatedCard) -> CardType:
    return card_type_from_atr(card.atr)


# -- 1. issue, read, credit, debit ------------------------------------------------------------


@ALL
def test_issue_credit_debit_and_the_balance_survives_taking_the_card_away(
    hand: Hand, make: Callable[[], EmulatedCard]
) -> None:
    card, svc = make(), cards.service()
    issue(hand, card, svc)

    with hand.retap(card) as conn:
        state = svc.read(conn)
        assert (state.role, state.header.site_id) == (Role.WALLET, cards.SITE_ID)
        assert (state.header.card_serial, state.header.tenant_id) == (1001, 7)
        assert state.kiosk.value == 0
    with hand.connect() as conn:  # a new connection, the card untouched in between
        assert svc.open(conn).credit(5000).written
    with hand.retap(card) as conn:  # re-powered: every key and password is presented afresh
        purse = svc.open(conn)
        assert purse.state.kiosk.value == 5000
        purse.debit(1234)
        with pytest.raises(InsufficientFundsError) as refused:
            purse.debit(3767)
        assert_sentence(refused.value, "3766", "3767")

    hand.retap(card).disconnect()
    assert balance(hand, svc) == 3766
    assert balance(hand, cards.service()) == 3766  # another kiosk of the site reads the same


@FAMILIES
def test_meter_purchases_merge_until_the_meter_loads_them(
    hand: Hand, make: Callable[[], EmulatedCard]
) -> None:
    card, svc = make(), cards.service()
    issue(hand, card, svc, cards.METER)

    with hand.connect() as conn:
        svc.open(conn).credit(1000)
    with hand.connect() as conn:
        purse = svc.open(conn)
        assert (purse.state.kiosk.purchase_seq, purse.state.pending_purchase) == (1, 1000)
        purse.credit(500)  # the meter has not loaded purchase 1: one purchase of 1500
    with hand.retap(card) as conn:  # at the meter: it loads purchase 1 and writes its state back
        purse = svc.open(conn)
        assert (purse.state.kiosk.purchase_seq, purse.state.pending_purchase) == (1, 1500)
        purse.write_meter_state(
            MeterRecord(
                counter=0,
                reading=12_345,
                credit=1500,
                last_loaded_seq=1,
                flags=0,
                refusal=0,
                time=dt.datetime(2026, 11, 24, 12, 0, tzinfo=dt.UTC),
            )
        )
    with hand.retap(card) as conn:  # back at a kiosk
        purse = svc.open(conn)
        assert purse.state.pending_purchase == 0
        assert purse.state.meter is not None
        assert (purse.state.meter.reading, purse.state.meter.credit) == (12_345, 1500)
        purse.credit(200)
    with hand.retap(card) as conn:
        state = cards.service().read(conn)
    assert (state.kiosk.purchase_seq, state.pending_purchase) == (2, 200)


# -- 2. tearing a credit ----------------------------------------------------------------------


@pytest.mark.slow
@FAMILIES
def test_card_pulled_after_every_command_of_a_credit_keeps_old_or_new_and_finish_completes(
    hand: Hand, make: Callable[[], EmulatedCard]
) -> None:
    card, svc = make(), cards.service()
    issue(hand, card, svc)
    old = 0
    # Credits alternate between the record's two slots, and a write to one may take more
    # commands than to the other (a sector already open from the read): tear both at every one.
    for target in Slot:
        cut = 0
        while True:
            with hand.connect() as conn:
                purse = svc.open(conn)
                if purse.state.kiosk_slot is target:  # the next write would go to the other slot
                    purse.credit(1)
                    old += 1
            new = old + 700
            with hand.connect() as conn:
                purse = svc.open(conn)
                plan = purse.plan_credit(700)  # journaled before the card is touched
                assert plan.slot is target
                card.arm_tear(TearPlan(after_commands=cut))
                try:
                    done = purse.apply(plan)  # the card leaves just after the last command
                except CardRemovedError as pulled:
                    assert_sentence(pulled, "put it back")
                    done = None
                else:
                    assert done.commands <= cut
            with hand.retap(card) as conn:
                purse = svc.open(conn)
                seen = purse.state.kiosk.value
                where = f"slot {target.name}, pulled after {cut} commands: {seen}"
                assert seen in (old, new), where
                if done or cut == 0:  # finished before the pull / pulled before any command
                    assert seen == (new if done else old), where
                result = purse.finish(plan)
                assert result.written == (seen == old), where
                assert purse.state.kiosk.value == new, where
            assert balance(hand, svc) == new, where
            old = new
            if done:
                break
            cut += 1
        assert cut >= 2, "a credit takes at least a write and a read-back"
    assert balance(hand, cards.service()) == old


@pytest.mark.slow
@ALL
def test_card_pulled_in_the_middle_of_writing_the_record(
    hand: Hand, make: Callable[[], EmulatedCard]
) -> None:
    card, svc = make(), cards.service()
    issue(hand, card, svc)
    with hand.connect() as conn:
        svc.open(conn).credit(1000)
    unit_size = layout.write_units(card_type_of(card), RecordKind.KIOSK, Slot.A)[0][1]
    # (which write of the record, bytes of it that land): none or all but the last byte of the
    # first write; and, where a record takes several writes (pages), half the last
    cases = [(0, 0), (0, unit_size - 1)]
    if len(layout.write_units(card_type_of(card), RecordKind.KIOSK, Slot.A)) > 1:
        cases.append((-1, unit_size // 2))
    old = 1000
    for which, written in cases:
        with hand.connect() as conn:
            purse = svc.open(conn)
            plan = purse.plan_credit(250)
            unit = layout.write_units(card_type_of(card), plan.kind, plan.slot)[which][0]
            card.arm_tear(TearPlan(during_write_to=unit, bytes_written=written))
            with pytest.raises(CardRemovedError):
                purse.apply(plan)
        with hand.retap(card) as conn:
            purse = svc.open(conn)
            seen = purse.state.kiosk.value
            if (which, written) == (0, 0):
                assert seen == old  # nothing of the new record landed
            assert seen in (old, old + 250), f"torn at {unit}+{written}: {seen}"
            assert purse.finish(plan).plan == plan
            assert purse.state.kiosk.value == old + 250
        old += 250
        assert balance(hand, svc) == old, f"torn at {unit}+{written}"


# -- 3. tearing the issue ---------------------------------------------------------------------


def _tear_every_command_of_issuing(
    hands: list[Hand], make: Callable[[], EmulatedCard], step: int = 1
) -> None:
    probe, svc = make(), cards.service()
    with hands[0].tap(probe) as conn:
        svc.personalise(conn, cards.METER)
        total = conn.commands
    hands[0].take()
    # every ``step``th command, and always the last few (the header's magic, the first record)
    cuts = sorted(set(range(0, total + 1, step)) | set(range(total - 3, total + 1)))
    outcomes: list[str] = []

    def pull_after(hand: Hand, cut: int) -> None:
        card, svc = make(), cards.service()
        with hand.tap(card) as conn:
            card.arm_tear(TearPlan(after_commands=cut))
            try:
                svc.personalise(conn, cards.METER)
            except CardRemovedError:
                assert cut < total
            else:
                assert cut >= total, f"issuing finished within {cut} of {total} commands"
        with hand.retap(card) as conn:
            try:
                state = svc.read(conn)
            except BlankCardError as error:  # never issued, or "issue not finished"
                assert_sentence(error, "issue")
                outcomes.append("blank")
                state = svc.personalise(conn, cards.METER)  # staff issue it again: it finishes
            else:
                outcomes.append("issued")
            assert state.header.meter_id == cards.METER.meter_id, f"cut after {cut}"
            assert state.header.card_serial == cards.METER.card_serial
        with hand.connect() as conn:
            purse = cards.service().open(conn)  # any kiosk of the site takes it now
            assert purse.state.kiosk.value == 0 and purse.state.role is Role.METER
            purse.credit(100)
        assert balance(hand, svc) == 100, f"cut after {cut}"
        hand.take()

    # Two readers (vpcd slots 0 and 1) take turns: pcscd notices each tap at its next poll.
    with ThreadPoolExecutor(len(hands)) as pool:
        jobs = [
            pool.submit(
                lambda h, part: [pull_after(h, cut) for cut in part], hand, cuts[i :: len(hands)]
            )
            for i, hand in enumerate(hands)
        ]
        for job in jobs:
            job.result()
    assert len(outcomes) == len(cuts)
    assert "blank" in outcomes and "issued" in outcomes


@pytest.mark.slow
def test_classic_1k_pulled_after_every_command_of_issuing(hand: Hand, spare_hand: Hand) -> None:
    _tear_every_command_of_issuing([hand, spare_hand], cards.classic_1k)


@pytest.mark.slow
def test_ntag213_pulled_during_issuing(hand: Hand, spare_hand: Hand) -> None:
    _tear_every_command_of_issuing([hand, spare_hand], cards.ntag213, step=6)


# -- 4. cards that are not there, or leave while being read -----------------------------------


def test_no_card_on_the_reader(hand: Hand) -> None:
    with pytest.raises(NoCardError) as nothing:
        hand.connect()
    assert not isinstance(nothing.value, CardRemovedError)
    assert_sentence(nothing.value, "No card")
    with pytest.raises(NoCardError):
        hand.reader.connect_when_present(0.5)


def test_card_taken_away_before_it_is_read(hand: Hand) -> None:
    card, svc = cards.classic_1k(), cards.service()
    issue(hand, card, svc)
    hand.take()  # gone before the kiosk connects
    with pytest.raises(NoCardError) as nothing:
        hand.connect()
    assert_sentence(nothing.value)

    conn = hand.tap(card)
    hand.take()  # gone after the kiosk connected, before its first command
    with conn, pytest.raises(CardRemovedError) as gone:
        svc.read(conn)
    assert_sentence(gone.value, "put it back")


@FAMILIES
def test_card_taken_away_while_it_is_read(hand: Hand, make: Callable[[], EmulatedCard]) -> None:
    card, svc = make(), cards.service()
    issue(hand, card, svc)
    with hand.connect() as conn:
        svc.open(conn).credit(4200)
    with hand.connect() as conn:
        svc.read(conn)
        reading = conn.commands
    for cut in (reading // 2, reading - 1):
        with hand.connect() as conn:
            card.arm_tear(TearPlan(after_commands=cut))
            with pytest.raises(CardRemovedError) as gone:
                svc.read(conn)
        assert_sentence(gone.value, "put it back")
        hand.retap(card).disconnect()  # nothing was lost
        assert balance(hand, svc) == 4200


# -- 5. cards that must be refused ------------------------------------------------------------


@FAMILIES
def test_a_flipped_bit_in_the_newest_record_is_refused(
    hand: Hand, make: Callable[[], EmulatedCard]
) -> None:
    card, svc = make(), cards.service()
    issue(hand, card, svc)
    with hand.connect() as conn:
        purse = svc.open(conn)
        purse.credit(4200)
        purse.debit(200)
        newest, older = purse.state.kiosk_slot, purse.state.kiosk_slot.other
    hand.take()
    regions = layout.purse_regions(card_type_of(card))
    good = card.dump()

    start, size = regions[f"kiosk {older.name}"]
    card.flip_bit(start + size // 2, 3)  # the previous copy damaged: harmless
    hand.put(card)
    assert balance(hand, svc) == 4000

    for offset, bit in ((size // 2, 5), (size - 1, 7)):  # the value's half, the MAC
        hand.take()
        card.restore(good)
        start, _ = regions[f"kiosk {newest.name}"]
        card.flip_bit(start + offset, bit)
        with hand.tap(card) as conn, pytest.raises(TamperedError) as refused:
            svc.read(conn)  # this kiosk has seen the card's counter: the old copy is no answer
        assert_sentence(refused.value, "Please call staff")


@FAMILIES
def test_a_dump_restored_onto_the_same_card_is_refused(
    hand: Hand, make: Callable[[], EmulatedCard]
) -> None:
    card, svc = make(), cards.service()
    issue(hand, card, svc)
    with hand.connect() as conn:
        svc.open(conn).credit(500)
    hand.take()
    rich = card.dump()
    with hand.tap(card) as conn:
        svc.open(conn).debit(400)
    hand.take()
    card.restore(rich)
    with hand.tap(card) as conn, pytest.raises(ReplayError) as replayed:
        svc.read(conn)
    assert_sentence(replayed.value, "old copy")


@ALL
def test_a_card_of_another_site_says_so(hand: Hand, make: Callable[[], EmulatedCard]) -> None:
    card = make()
    issue(hand, card, cards.service(cards.OTHER_SITE_ID))
    with hand.connect() as conn, pytest.raises(ForeignCardError) as foreign:
        cards.service().read(conn)
    assert_sentence(foreign.value, "another building", str(cards.OTHER_SITE_ID))


@ALL
def test_a_blank_card_says_it_is_not_issued(hand: Hand, make: Callable[[], EmulatedCard]) -> None:
    with hand.tap(make()) as conn, pytest.raises(BlankCardError) as blank:
        cards.service().read(conn)
    assert not isinstance(blank.value, IssueNotFinishedError)
    assert_sentence(blank.value, "not been issued")


class _Mystery(EmulatedCard):
    """A card the kiosk does not know, with a well-formed ATR pcscd accepts."""

    def __init__(self, atr: bytes) -> None:
        super().__init__()
        self._atr = atr

    @property
    def atr(self) -> bytes:
        return self._atr

    def _reset_volatile(self) -> None:
        pass

    def _process(self, apdu: bytes) -> bytes:
        return bytes.fromhex("6A81")


@pytest.mark.parametrize(
    "atr",
    [
        storage_card_atr(0x0026),  # a MIFARE Mini behind an ACS reader
        bytes.fromhex("3B021450"),  # some contact card
    ],
    ids=["mifare_mini", "contact_card"],
)
def test_an_unknown_card_type_names_its_atr(hand: Hand, atr: bytes) -> None:
    with hand.tap(_Mystery(atr)) as conn:
        assert conn.atr == atr
        with pytest.raises(UnknownCardTypeError) as unknown:
            cards.service().read(conn)
    assert_sentence(unknown.value, atr.hex(" ").upper())
