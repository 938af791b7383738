"""The card service on every card type, in-process: issue, read, credit, debit, meter purchases,
tearing at every command and inside every write, tampering, replay, and cards that are not ours."""

from __future__ import annotations

import contextlib

import pytest

from cardlib.emulator.base import EmulatedCard
from cardlib.emulator.tear import TearPlan
from cardlib.errors import (
    BlankCardError,
    CardRemovedError,
    ForeignCardError,
    FormatError,
    InsufficientFundsError,
    NoCardError,
    ReplayError,
    TamperedError,
    UnknownCardTypeError,
    WrongRoleError,
)
from cardlib.purse.header import Role
from cardlib.purse.records import MeterRecord
from cardlib.reader.emulated import EmulatedReader
from cardlib.service import AlreadyIssuedError, CardService, IssueNotFinishedError
from tests import cards

ALL = pytest.mark.parametrize(
    "make", list(cards.CARD_FACTORIES.values()), ids=list(cards.CARD_FACTORIES)
)


def issued(
    make, issue=cards.WALLET, svc: CardService | None = None
) -> tuple[EmulatedReader, EmulatedCard, CardService]:
    svc = svc or cards.service()
    card = make()
    reader = EmulatedReader()
    reader.insert(card)
    with reader.connect() as conn:
        svc.personalise(conn, issue)
    return reader, card, svc


@ALL
def test_issue_then_read_shows_the_card_as_issued(make):
    reader, _card, svc = issued(make)
    with reader.connect() as conn:
        state = svc.read(conn)
    assert state.role is Role.WALLET
    assert state.header.tenant_id == cards.WALLET.tenant_id
    assert state.header.card_serial == cards.WALLET.card_serial
    assert state.header.site_id == cards.SITE_ID
    assert state.kiosk.value == 0


@ALL
def test_credit_and_debit_change_the_balance_by_exactly_the_amount(make):
    reader, _card, svc = issued(make)
    with reader.connect() as conn:
        card = svc.open(conn)
        card.credit(5000)
        card.debit(1234)
    with reader.connect() as conn:
        assert svc.read(conn).kiosk.value == 3766


@ALL
def test_debit_beyond_the_balance_is_refused_and_changes_nothing(make):
    reader, _card, svc = issued(make)
    with reader.connect() as conn:
        card = svc.open(conn)
        card.credit(100)
        with pytest.raises(InsufficientFundsError):
            card.debit(101)
    with reader.connect() as conn:
        assert svc.read(conn).kiosk.value == 100


@ALL
def test_a_second_issue_of_the_same_card_is_refused(make):
    reader, _card, svc = issued(make)
    with reader.connect() as conn, pytest.raises(AlreadyIssuedError):
        svc.personalise(conn, cards.WALLET)


@ALL
def test_meter_purchase_merges_into_one_the_meter_has_not_loaded(make):
    reader, _card, svc = issued(make, cards.METER)
    with reader.connect() as conn:
        card = svc.open(conn)
        card.credit(1000)
        assert (card.state.kiosk.purchase_seq, card.state.pending_purchase) == (1, 1000)
        card.credit(500)  # not yet in the meter: merged, same sequence
        assert (card.state.kiosk.purchase_seq, card.state.pending_purchase) == (1, 1500)
        # the meter loads purchase 1 and writes its state back
        card.write_meter_state(
            MeterRecord(
                counter=0,
                reading=12_345,
                credit=1500,
                last_loaded_seq=1,
                flags=0,
                refusal=0,
                time=_t(),
            )
        )
    with reader.connect() as conn:
        card = svc.open(conn)
        assert card.state.pending_purchase == 0
        assert card.state.meter is not None and card.state.meter.reading == 12_345
        card.credit(200)
        assert (card.state.kiosk.purchase_seq, card.state.pending_purchase) == (2, 200)


@ALL
def test_a_staff_card_takes_no_credit(make):
    reader, _card, svc = issued(make, cards.STAFF)
    with reader.connect() as conn, pytest.raises(WrongRoleError):
        svc.open(conn).credit(100)


# -- tearing ---------------------------------------------------------------------------------------


def _count_commands(make, action) -> int:
    reader, _card, svc = issued(make)
    with reader.connect() as conn:
        card = svc.open(conn)
        before = conn.commands
        action(card)
        return conn.commands - before


@ALL
def test_tear_at_every_command_of_a_credit_leaves_old_or_new_and_a_retap_finishes(make):
    total = _count_commands(make, lambda c: c.credit(700))
    assert total > 0
    for cut in range(total + 1):
        reader, card, svc = issued(make)
        with reader.connect() as conn:
            purse = svc.open(conn)
            purse.credit(300)
            plan = purse.plan_credit(700)
            card.arm_tear(TearPlan(after_commands=cut))
            with contextlib.suppress(CardRemovedError):
                purse.apply(plan)
        reader.insert(card)
        with reader.connect() as conn:
            purse = svc.open(conn)
            assert purse.state.kiosk.value in (300, 1000), f"cut after {cut} commands"
            purse.finish(plan)
            assert purse.state.kiosk.value == 1000
        with reader.connect() as conn:
            assert svc.read(conn).kiosk.value == 1000, f"cut after {cut} commands"


@ALL
def test_tear_inside_the_record_write_at_every_byte(make):
    reader, card, svc = issued(make)
    with reader.connect() as conn:
        plan = svc.open(conn).plan_credit(250)
    addresses = _write_addresses(card, plan)
    for address, size in addresses:
        for written in range(size):
            reader, card, svc = issued(make)
            with reader.connect() as conn:
                purse = svc.open(conn)
                plan = purse.plan_credit(250)
                card.arm_tear(TearPlan(during_write_to=address, bytes_written=written))
                with pytest.raises(CardRemovedError):
                    purse.apply(plan)
            reader.insert(card)
            with reader.connect() as conn:
                purse = svc.open(conn)
                assert purse.state.kiosk.value == 0, f"torn at {address}+{written}"
                purse.finish(plan)
            with reader.connect() as conn:
                assert svc.read(conn).kiosk.value == 250


def _write_addresses(card: EmulatedCard, plan) -> list[tuple[int, int]]:
    """(address, bytes) of each memory write a plan makes, in the card's own addressing."""
    from cardlib.purse import layout

    return layout.write_units(card_type_of(card), plan.kind, plan.slot)


def card_type_of(card: EmulatedCard):
    from cardlib.cardtype import card_type_from_atr

    return card_type_from_atr(card.atr)


@ALL
def test_tear_at_every_command_of_issuing_leaves_blank_or_issued_and_a_rerun_finishes(make):
    probe = make()
    reader = EmulatedReader()
    reader.insert(probe)
    svc = cards.service()
    with reader.connect() as conn:
        svc.personalise(conn, cards.METER)
        total = conn.commands
    for cut in range(total + 1):
        card = make()
        reader = EmulatedReader()
        reader.insert(card)
        svc = cards.service()
        card.arm_tear(TearPlan(after_commands=cut))
        try:
            with reader.connect() as conn:
                svc.personalise(conn, cards.METER)
        except CardRemovedError:
            pass
        reader.insert(card)
        with reader.connect() as conn:
            try:
                state = svc.read(conn)
            except BlankCardError:
                state = None  # the old state: not issued (or issue not finished)
            if state is not None:
                assert state.header.meter_id == cards.METER.meter_id
                continue
        with reader.connect() as conn:
            state = svc.personalise(conn, cards.METER)
            assert state.header.meter_id == cards.METER.meter_id, f"cut after {cut}"


# -- tampering and replay --------------------------------------------------------------------------


@ALL
def test_any_flipped_bit_in_header_or_records_is_refused(make):
    reader, card, svc = issued(make)
    with reader.connect() as conn:
        svc.open(conn).credit(4200)
    from cardlib.purse import layout

    base = card.dump()
    regions = layout.purse_regions(card_type_of(card))
    for name, (start, size) in regions.items():
        for bit in range(size * 8):
            card.restore(base)
            card.flip_bit(start + bit // 8, bit % 8)
            fresh = cards.service()
            fresh.counters = svc.counters  # the same kiosk: it remembers the card's counter
            reader.insert(card)
            with reader.connect() as conn:
                try:
                    state = fresh.read(conn)
                except (TamperedError, FormatError, ForeignCardError):
                    continue
                except BlankCardError:
                    continue
                # A flip in the slot that is not the newest is harmless: the card still reads
                # its true value, which is the anti-tear copy doing its job.
                assert state.kiosk.value == 4200, f"{name} bit {bit} read as {state.kiosk.value}"


@ALL
def test_a_dump_restored_onto_the_same_card_is_refused(make):
    reader, card, svc = issued(make)
    with reader.connect() as conn:
        svc.open(conn).credit(500)
    rich = card.dump()
    with reader.connect() as conn:
        svc.open(conn).debit(400)
    card.restore(rich)
    reader.insert(card)
    with reader.connect() as conn, pytest.raises(ReplayError):
        svc.read(conn)


@ALL
def test_a_card_of_another_site_says_so(make):
    reader, _card, _svc = issued(make, svc=cards.service(cards.OTHER_SITE_ID))
    with reader.connect() as conn, pytest.raises(ForeignCardError, match="another building"):
        cards.service().read(conn)


@ALL
def test_a_blank_card_says_it_is_not_issued(make):
    reader = EmulatedReader()
    reader.insert(make())
    with reader.connect() as conn, pytest.raises(BlankCardError) as info:
        cards.service().read(conn)
    assert not isinstance(info.value, IssueNotFinishedError)


def test_no_card_on_the_reader_says_so():
    with pytest.raises(NoCardError):
        EmulatedReader().connect()


def test_an_unknown_card_type_names_its_atr():
    class Mystery(EmulatedCard):
        atr = bytes.fromhex("3B8A800145")

        def _reset_volatile(self) -> None:
            pass

        def _process(self, apdu: bytes) -> bytes:
            return bytes.fromhex("6A81")

    reader = EmulatedReader()
    reader.insert(Mystery())
    with reader.connect() as conn, pytest.raises(UnknownCardTypeError, match="3B 8A 80 01 45"):
        cards.service().read(conn)


def _t():
    import datetime as dt

    return dt.datetime(2026, 11, 24, 12, 0, tzinfo=dt.UTC)


@ALL
def test_another_sites_header_without_a_first_record_reads_as_unfinished_not_foreign(make):
    # a header torn at issuing can show any site id: without slot A it proves nothing
    reader, card, _svc = issued(make, svc=cards.service(cards.OTHER_SITE_ID))
    from cardlib.purse import layout

    start, size = layout.purse_regions(card_type_of(card))["kiosk A"]
    blank = card.dump()
    blank = blank[:start] + bytes(size) + blank[start + size :]
    card.restore(blank)
    reader.insert(card)
    with reader.connect() as conn, pytest.raises(IssueNotFinishedError):
        cards.service().read(conn)
