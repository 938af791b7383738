"""The audit log as staff read it in admin mode: newest first, filtered, and bad filters said."""

from __future__ import annotations

import datetime as dt

import pytest

from kiosk.admin import InvalidInputError
from tests import cards
from tests.unit.test_admin_env import MANAGER, OPERATOR, WALLET_REQUEST, admin_rig


def test_the_audit_log_is_newest_first_and_filtered(tmp_path):
    with admin_rig(tmp_path) as rig:
        card = cards.classic_1k()
        rig.issue(card, WALLET_REQUEST)
        start = rig.clock.now
        rig.clock.advance(minutes=1)
        session = rig.login(OPERATOR)
        rig.put(card)
        rig.admin.read_card(session)
        everything = rig.admin.audit_log(session)
        assert [e.id for e in everything] == sorted((e.id for e in everything), reverse=True)
        assert everything[0].action == "card_read"
        mine = rig.admin.audit_log(session, actor="staff:2")
        assert {e.action for e in mine} == {"login_ok", "card_read"}
        issued = rig.admin.audit_log(session, action="card_issued")
        assert [(e.actor, e.subject) for e in issued] == [("staff:1", card.uid.hex())]
        about_card = rig.admin.audit_log(session, subject=card.uid.hex())
        assert {e.action for e in about_card} == {"card_issued", "card_read"}
        later = rig.admin.audit_log(session, since=start + dt.timedelta(seconds=30))
        assert {e.action for e in later} == {"login_ok", "card_read"}
        earlier = rig.admin.audit_log(session, until=start + dt.timedelta(seconds=30))
        assert "card_read" not in {e.action for e in earlier}
        assert len(rig.admin.audit_log(session, limit=2)) == 2


def test_bad_audit_filters_are_refused_with_a_sentence(tmp_path):
    with admin_rig(tmp_path) as rig:
        session = rig.login(MANAGER)
        with pytest.raises(InvalidInputError, match="between 1 and 1000"):
            rig.admin.audit_log(session, limit=0)
        with pytest.raises(InvalidInputError, match="between 1 and 1000"):
            rig.admin.audit_log(session, limit=5000)
        with pytest.raises(InvalidInputError, match="'since' time needs a time zone"):
            rig.admin.audit_log(session, since=dt.datetime(2026, 1, 1))


def test_cards_are_found_by_tenant_serial_or_uid(tmp_path):
    with admin_rig(tmp_path) as rig:
        card = cards.ntag213()
        rig.issue(card, WALLET_REQUEST)
        session = rig.login(OPERATOR)
        (found,) = rig.admin.find_cards(session, tenant_id=7)
        assert (found.uid, found.serial, found.status, found.tenant_name) == (
            card.uid.hex(),
            1001,
            "active",
            "Acme Ltd",
        )
        assert rig.admin.find_cards(session, serial=1001) == [found]
        assert rig.admin.find_cards(session, uid=card.uid.hex(" ").upper()) == [found]
        assert [c.role for c in rig.admin.find_cards(session, staff_id=MANAGER)] == ["staff"]
        assert rig.admin.find_cards(session, tenant_id=99) == []
        with pytest.raises(InvalidInputError, match="by tenant, serial number, UID or staff"):
            rig.admin.find_cards(session)
