"""The card service through nfcpy: NfcReader("udp:...") -> nfcpy's udp driver -> T2TResponder ->
EmulatedUltralight. nfcpy's real sensing, anti-collision and Type 2 activation run for every tap;
a tag taken out of the field answers nothing, as a real one."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import pytest

from cardlib.emulator.t2t_udp import T2TResponder
from cardlib.emulator.tear import TearPlan
from cardlib.emulator.ultralight import EmulatedUltralight
from cardlib.errors import CardError, CardRemovedError, CardTooSmallError, InsufficientFundsError
from cardlib.purse import layout
from cardlib.purse.header import Role
from cardlib.purse.slots import Slot
from cardlib.reader.nfc import NfcConnection, NfcReader
from cardlib.service import CardService
from tests import cards

UIDS = {
    "NTAG215": bytes.fromhex("04112233445566"),
    "MF0UL21": bytes.fromhex("04998877665544"),
    "MF0ICU1": bytes.fromhex("04776655443322"),
}


def assert_sentence(error: CardError, *words: str) -> None:
    message = error.message
    assert message[:1].isupper() and message.endswith("."), message
    assert " " in message, message
    for word in words:
        assert word in message, message


class Field:
    """One tag near an nfcpy reader on the udp link; tap() re-enters the field (a fresh power-up
    and a fresh anti-collision, so the tag's password authentication is lost)."""

    def __init__(self, tag: EmulatedUltralight, responder: T2TResponder, reader: NfcReader):
        self.tag, self.responder, self.reader = tag, responder, reader

    def connect(self) -> NfcConnection:
        return self.reader.connect()

    def retap(self) -> NfcConnection:
        self.responder.remove()
        self.responder.insert()
        return self.reader.connect()


@pytest.fixture(params=["NTAG215", "MF0UL21"])
def field(request: pytest.FixtureRequest) -> Iterator[Field]:
    with tag_field(request.param) as field:
        yield field


@contextlib.contextmanager
def tag_field(variant: str) -> Iterator[Field]:
    tag = EmulatedUltralight.blank(uid=UIDS[variant], variant=variant)
    with T2TResponder(tag) as responder:
        reader = NfcReader(responder.path)
        try:
            yield Field(tag, responder, reader)
        finally:
            reader.close()


def issue(field: Field, svc: CardService) -> None:
    with field.connect() as conn:
        state = svc.personalise(conn, cards.WALLET)
    assert state.kiosk.value == 0 and state.role is Role.WALLET


def balance(field: Field, svc: CardService) -> int:
    with field.connect() as conn:
        return svc.read(conn).kiosk.value


def test_issue_credit_debit_over_nfcpy(field: Field) -> None:
    svc = cards.service()
    issue(field, svc)
    with field.retap() as conn:
        state = svc.read(conn)
        assert (state.header.card_serial, state.header.tenant_id) == (1001, 7)
        assert state.uid == field.tag.uid
        svc.open(conn).credit(5000)
    with field.retap() as conn:
        purse = svc.open(conn)
        assert purse.state.kiosk.value == 5000
        purse.debit(1234)
        with pytest.raises(InsufficientFundsError):
            purse.debit(3767)
    field.retap().disconnect()
    assert balance(field, svc) == 3766
    assert balance(field, cards.service()) == 3766


@pytest.mark.slow
def test_tag_leaving_the_field_after_every_command_of_a_credit(field: Field) -> None:
    svc = cards.service()
    issue(field, svc)
    old = 0
    # Credits alternate between the record's two slots: one is torn on each tag type (each costs
    # nfcpy's udp link a second to find the tag gone).
    for target in [Slot.B] if field.tag.variant.name == "NTAG215" else [Slot.A]:
        cut = 0
        while True:
            with field.connect() as conn:
                purse = svc.open(conn)
                if purse.state.kiosk_slot is target:
                    purse.credit(1)  # so that the next write goes to ``target``
                    old += 1
            new = old + 700
            with field.connect() as conn:
                purse = svc.open(conn)
                plan = purse.plan_credit(700)
                assert plan.slot is target
                field.responder.remove_after(cut)  # Type 2 commands, not pseudo-APDUs
                try:
                    done = purse.apply(plan)
                except CardRemovedError as gone:
                    assert_sentence(gone, "put it back")
                    done = None
            with field.retap() as conn:
                purse = svc.open(conn)
                seen = purse.state.kiosk.value
                where = f"slot {target.name}, removed after {cut} commands: {seen}"
                assert seen in (old, new), where
                if done or cut == 0:
                    assert seen == (new if done else old), where
                assert purse.finish(plan).written == (seen == old), where
                assert purse.state.kiosk.value == new, where
            assert balance(field, svc) == new, where
            old = new
            if done:
                break
            cut += 1
        assert cut >= 2, "a credit takes at least a write and a read-back"
    assert balance(field, cards.service()) == old


def test_tag_torn_inside_the_record_write(field: Field) -> None:
    svc = cards.service()
    issue(field, svc)
    old = 0
    for which, written in ((0, 0), (0, 2), (-1, 3)):
        with field.connect() as conn:
            purse = svc.open(conn)
            plan = purse.plan_credit(250)
            page = layout.write_units(purse.state.card_type, plan.kind, plan.slot)[which][0]
            field.tag.arm_tear(TearPlan(during_write_to=page, bytes_written=written))
            with pytest.raises(CardRemovedError):
                purse.apply(plan)
        assert not field.responder.in_field
        field.responder.insert()  # the torn tag comes back
        with field.connect() as conn:
            purse = svc.open(conn)
            seen = purse.state.kiosk.value
            if (which, written) == (0, 0):
                assert seen == old
            assert seen in (old, old + 250), f"torn at page {page}+{written}: {seen}"
            purse.finish(plan)
        old += 250
        assert balance(field, svc) == old


def test_a_plain_ultralight_is_too_small() -> None:
    with tag_field("MF0ICU1") as field:
        with field.connect() as conn, pytest.raises(CardTooSmallError) as small:
            cards.service().personalise(conn, cards.WALLET)
        assert_sentence(small.value, "NTAG213")
        with field.connect() as conn, pytest.raises(CardTooSmallError):
            cards.service().read(conn)
        assert field.tag.dump() == EmulatedUltralight.blank(UIDS["MF0ICU1"], "MF0ICU1").dump()
