"""Issuing cards from admin mode: tenant cards (wallet, meter), staff cards, issues cut short and
finished on the next try, and every card or number that must not be issued twice."""

from __future__ import annotations

import dataclasses

import pytest
from sqlalchemy import select

from cardlib.emulator.tear import TearPlan
from cardlib.errors import BlankCardError
from cardlib.purse.header import Role, Utility
from kiosk.admin import CardProblemError, InvalidInputError, NotFoundError, RefusedError
from kiosk.db.models import Card, CardStatus, Meter, Staff, Tenant
from kiosk.topup.service import BlacklistedCardError
from tests import cards
from tests.unit.test_admin_env import (
    MANAGER,
    METER_REQUEST,
    OPERATOR,
    WALLET_REQUEST,
    admin_rig,
    seed_meter,
)


def test_a_wallet_card_is_issued_for_a_new_tenant(tmp_path):
    with admin_rig(tmp_path) as rig:
        session = rig.login(MANAGER)
        card = cards.ntag215()
        rig.put(card)
        issued = rig.admin.issue_card(session, WALLET_REQUEST)
        assert (issued.uid, issued.serial, issued.tenant_id) == (card.uid.hex(), 1001, 7)
        state = rig.card_state(card)
        assert (state.header.role, state.header.card_serial, state.header.tenant_id) == (
            Role.WALLET,
            1001,
            7,
        )
        assert state.kiosk.value == 0
        with rig.db.session() as s:
            tenant = s.get(Tenant, 7)
            assert (tenant.name, tenant.unit) == ("Acme Ltd", "12F")
            row = s.scalar(select(Card).where(Card.uid == card.uid.hex()))
            assert (row.status, row.serial, row.tenant_id) == (CardStatus.ACTIVE, 1001, 7)
        entry = rig.audit("card_issued")[-1]
        assert entry.actor == "staff:1" and entry.detail["serial"] == 1001
        # and the tenant can top it up at once
        rig.put(card)
        assert rig.topup.tap(rig.reader.connect()).uid == card.uid.hex()


def test_a_meter_card_is_bound_to_a_registered_meter(tmp_path):
    with admin_rig(tmp_path) as rig:
        seed_meter(rig.db)
        card = cards.classic_1k()
        rig.issue(card, METER_REQUEST)
        state = rig.card_state(card)
        assert (state.header.meter_id, state.header.utility) == (42, Utility.ELECTRICITY)


def test_an_unregistered_meter_needs_its_tariff_and_is_then_registered(tmp_path):
    with admin_rig(tmp_path) as rig:
        session = rig.login(MANAGER)
        card = cards.classic_1k()
        rig.put(card)
        with pytest.raises(NotFoundError, match="Meter 42 is not registered"):
            rig.admin.issue_card(session, METER_REQUEST)
        water = dataclasses.replace(METER_REQUEST, tariff_code="WATER-1", utility="water")
        rig.admin.issue_card(session, water)
        assert rig.card_state(card).header.utility is Utility.WATER
        with rig.db.session() as s:
            meter = s.get(Meter, 42)
            assert (meter.tenant_id, meter.tariff_code, meter.utility) == (8, "WATER-1", "water")


def test_a_meter_gets_one_active_card_and_only_its_own_tenant(tmp_path):
    with admin_rig(tmp_path) as rig:
        seed_meter(rig.db)
        rig.issue(cards.classic_1k(), METER_REQUEST)
        session = rig.login(MANAGER)
        second = cards.ntag213()
        rig.put(second)
        with pytest.raises(RefusedError, match="already has an active card") as caught:
            rig.admin.issue_card(session, dataclasses.replace(METER_REQUEST, serial=2002))
        assert caught.value.code == "meter_has_card"
        with pytest.raises(RefusedError, match="belongs to tenant 8, not 9"):
            rig.admin.issue_card(
                session, dataclasses.replace(METER_REQUEST, serial=2002, tenant_id=9)
            )
        rig.put(second)
        with pytest.raises(BlankCardError):  # refused before the card was touched
            rig.cards.read(rig.reader.connect())


def test_a_card_already_issued_is_refused(tmp_path):
    with admin_rig(tmp_path) as rig:
        card = cards.classic_1k()
        rig.issue(card, WALLET_REQUEST)
        session = rig.login(MANAGER)
        rig.put(card)
        with pytest.raises(RefusedError, match="already issued here .wallet card, serial 1001"):
            rig.admin.issue_card(session, dataclasses.replace(WALLET_REQUEST, serial=1005))
        # a card issued elsewhere on this site (the command line) with another header
        other = cards.ntag213()
        rig.put(other)
        with rig.reader.connect() as conn:
            rig.cards.personalise(conn, cards.METER)
        with pytest.raises(RefusedError, match="already issued .meter card, serial 2001") as caught:
            rig.admin.issue_card(session, dataclasses.replace(WALLET_REQUEST, serial=1006))
        assert caught.value.code == "already_issued"


def test_a_serial_number_is_used_once(tmp_path):
    with admin_rig(tmp_path) as rig:
        rig.issue(cards.classic_1k(), WALLET_REQUEST)
        session = rig.login(MANAGER)
        rig.put(cards.ntag213())
        with pytest.raises(RefusedError, match="Serial 1001 is already card A1B2C3D4"):
            rig.admin.issue_card(session, WALLET_REQUEST)
        with pytest.raises(InvalidInputError, match="serial is a number from 1"):
            rig.admin.issue_card(session, dataclasses.replace(WALLET_REQUEST, serial=0))


def test_a_card_finished_but_not_recorded_is_recorded_on_the_next_try(tmp_path):
    with admin_rig(tmp_path) as rig:
        card = cards.ntag213()
        rig.put(card)
        issue = dataclasses.replace(cards.WALLET, currency=156)
        with rig.reader.connect() as conn:
            rig.cards.personalise(conn, issue)  # the kiosk died before writing the Card row
        session = rig.login(MANAGER)
        rig.put(card)
        issued = rig.admin.issue_card(session, WALLET_REQUEST)
        assert issued.resumed
        with rig.db.session() as s:
            assert s.scalar(select(Card).where(Card.uid == card.uid.hex())) is not None


@pytest.mark.parametrize(
    "make", [cards.classic_1k, cards.ntag213, cards.sle4442], ids=["classic1k", "ntag213", "sle"]
)
def test_an_issue_cut_short_at_any_command_is_finished_by_the_next_try(tmp_path, make):
    with admin_rig(tmp_path) as rig:
        session = rig.login(MANAGER)
        probe = make()
        rig.put(probe)
        probe.arm_tear(TearPlan())  # counts the commands, cuts nothing
        rig.admin.issue_card(session, dataclasses.replace(WALLET_REQUEST, serial=1))
        commands = probe.commands_since_plan
        assert commands > 5
        cuts = range(1, commands, max(1, commands // 10))
        for n, cut in enumerate(cuts):
            card = make() if make is cards.sle4442 else make(bytes([0x04, 0xC0, n, cut, 1, 2, 3]))
            request = dataclasses.replace(WALLET_REQUEST, serial=100 + n)
            rig.put(card)
            card.arm_tear(TearPlan(after_commands=cut))
            with pytest.raises(CardProblemError, match="taken away while it was being issued"):
                rig.admin.issue_card(session, request)
            rig.put(card)  # put back: the same button again
            rig.admin.issue_card(session, request)
            state = rig.card_state(card)
            assert (state.header.card_serial, state.kiosk.value) == (100 + n, 0), f"cut {cut}"
            with rig.db.session() as s:
                row = s.scalar(select(Card).where(Card.uid == state.uid.hex()))
                assert row is not None and row.status is CardStatus.ACTIVE


def test_a_staff_card_opens_admin_mode_and_each_staff_member_has_one(tmp_path):
    with admin_rig(tmp_path) as rig:
        session = rig.login(MANAGER)
        with rig.db.session() as s:
            s.add(Staff(id=3, site_id=cards.SITE_ID, name="New Nia", role="operator"))
        rig.admin.set_pin(session, "6093", staff_id=3)
        card = cards.sle4442()
        rig.put(card)
        issued = rig.admin.issue_staff_card(session, 3, 9003)
        assert issued.staff_id == 3 and rig.card_state(card).header.role is Role.STAFF
        rig.put(card)
        assert rig.admin.login("6093").name == "New Nia"
        rig.put(cards.ntag213())
        with pytest.raises(RefusedError, match="already has an active staff card .serial 9003"):
            rig.admin.issue_staff_card(session, 3, 9004)
        with pytest.raises(NotFoundError, match="no staff member 77"):
            rig.admin.issue_staff_card(session, 77, 9077)


def test_an_operator_cannot_issue_cards(tmp_path):
    from kiosk.admin import NotAllowedError

    with admin_rig(tmp_path) as rig:
        session = rig.login(OPERATOR)
        rig.put(cards.ntag213())
        with pytest.raises(NotAllowedError, match="cannot issue card"):
            rig.admin.issue_card(session, WALLET_REQUEST)
        with rig.db.session() as s:
            assert s.scalar(select(Card).where(Card.role == "wallet")) is None


def test_a_blocked_card_is_refused_at_every_tap(tmp_path):
    with admin_rig(tmp_path) as rig:
        card = cards.classic_1k()
        rig.issue(card, WALLET_REQUEST)
        session = rig.login(MANAGER)
        with pytest.raises(InvalidInputError, match="needs a reason"):
            rig.admin.block_card(session, card.uid.hex(), " ")
        rig.admin.block_card(session, card.uid.hex().upper(), "reported stolen")
        rig.put(card)
        with pytest.raises(BlacklistedCardError, match="blocked"):
            rig.topup.tap(rig.reader.connect())
        with pytest.raises(RefusedError, match="already blacklisted"):
            rig.admin.block_card(session, card.uid.hex(), "again")
        assert rig.audit("card_blocked")[-1].detail == {"reason": "reported stolen"}
