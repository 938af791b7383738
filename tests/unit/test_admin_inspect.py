"""Reading any card for diagnosis: decoded and raw, on every card type, without a key byte in
what staff see, and with what is wrong said: a torn slot, a restored old copy, a blank card, a
card of another site."""

from __future__ import annotations

import pytest

from cardlib.emulator.tear import TearPlan
from cardlib.errors import CardRemovedError
from cardlib.service import CardService
from kiosk.admin import CardProblemError, SessionExpiredError
from kiosk.admin.inspect import SlotStatus
from tests import cards
from tests.unit.test_admin_env import MANAGER, OPERATOR, WALLET_REQUEST, admin_rig

#: the NTAG PACK (2 bytes) is left out: any 2 bytes turn up in a dump by chance
KEY_FIELDS = ("mac_key", "classic_key_a", "classic_key_b", "ntag_pwd", "sle_psc")


def key_strings(uid: bytes, site_id: int = cards.SITE_ID) -> list[str]:
    """Each key as the report would print it: spaced hex (raw memory); run together too for the
    6- and 16-byte keys (3 and 4 bytes run together match UIDs and counters by chance)."""
    keys = cards.KEYS.card_keys(1, uid, site_id)
    out = []
    for field in KEY_FIELDS:
        raw: bytes = getattr(keys, field)
        out.append(raw.hex(" ").upper())
        if len(raw) >= 6:
            out += [raw.hex().upper(), raw.hex()]
    return out


def everything_shown(report) -> str:  # noqa: ANN001
    """The text staff read and every field the UI could show."""
    return report.text + repr(report)


@pytest.mark.parametrize(
    "make", list(cards.CARD_FACTORIES.values()), ids=list(cards.CARD_FACTORIES)
)
def test_a_card_is_read_decoded_and_raw_without_any_key(tmp_path, make):
    with admin_rig(tmp_path) as rig:
        card = make()
        rig.issue(card, WALLET_REQUEST)
        rig.topup.staff_credit(rig.topup.tap(rig.reader.connect()), 25_00, 1, "x", cash=True)
        rig.put(card)
        tap = rig.topup.tap(rig.reader.connect())  # delivers the credit: counter 1, slot B
        uid = tap.purse.state.uid
        session = rig.login(OPERATOR)
        rig.put(card)
        report = rig.admin.read_card(session)
        assert report.tap_ok and report.uid == uid.hex()
        assert report.header.mac_ok and report.header.header.card_serial == 1001
        a, b = report.kiosk_slots
        assert (a.status, a.current, a.record.value) == (SlotStatus.VALID, False, 0)
        assert (b.status, b.current, b.record.value) == (SlotStatus.VALID, True, 25_00)
        assert report.counters.card_kiosk == report.counters.host_kiosk == 1
        assert report.db.status == "active" and report.db.tenant_name == "Acme Ltd"
        text = report.text
        assert "Kiosk B*  valid  counter 1, value 25.00 CNY" in text
        assert "Tap       OK" in text and "Database  wallet card 1001, active, tenant 7" in text
        readable = [u for u in report.raw if u.data is not None]
        assert len(readable) >= 8
        shown = everything_shown(report)
        for secret in key_strings(uid):
            assert secret not in shown
        assert rig.audit("card_read")[-1].subject == uid.hex()


def test_mifare_classic_trailers_are_shown_with_their_keys_masked(tmp_path):
    with admin_rig(tmp_path) as rig:
        card = cards.classic_1k()
        rig.issue(card, WALLET_REQUEST)
        session = rig.login(OPERATOR)
        rig.put(card)
        report = rig.admin.read_card(session)
        trailers = [u for u in report.raw if "trailer" in u.label]
        assert len(trailers) == 16
        purse_trailer = next(u for u in trailers if u.address == 11)
        assert purse_trailer.data.startswith("** ** ** ** ** **") and purse_trailer.data.endswith(
            "** ** ** ** ** **"
        )
        header = [u for u in report.raw if u.address in (4, 5)]
        assert all("header" in u.label and u.data for u in header)
        assert header[0].data.replace(" ", "").startswith("504B01")  # "PK", format 1


def test_a_torn_slot_shows_as_a_bad_mac_and_the_other_slot_as_current(tmp_path):
    with admin_rig(tmp_path) as rig:
        card = cards.classic_1k()
        rig.issue(card, WALLET_REQUEST)
        rig.put(card)
        with rig.reader.connect() as conn:
            purse = rig.cards.open(conn)
            card.arm_tear(TearPlan(during_write_to=8, bytes_written=7))
            with pytest.raises(CardRemovedError):
                purse.credit(10_00)
        session = rig.login(OPERATOR)
        rig.put(card)
        report = rig.admin.read_card(session)
        a, b = report.kiosk_slots
        assert (a.status, a.current) == (SlotStatus.VALID, True)
        assert b.status is SlotStatus.BAD_MAC and "security check" in b.problem
        assert report.tap_ok  # a tap still reads the old value: nothing lost
        assert "Kiosk B   bad_mac" in report.text


def test_a_restored_old_copy_is_shown_as_a_replay(tmp_path):
    with admin_rig(tmp_path) as rig:
        card = cards.ntag213()
        rig.issue(card, WALLET_REQUEST)
        copy = card.dump()
        rig.put(card)
        with rig.reader.connect() as conn:
            rig.cards.open(conn).credit(40_00)
        card.restore(copy)
        session = rig.login(OPERATOR)
        rig.put(card)
        report = rig.admin.read_card(session)
        assert not report.tap_ok and report.tap_code == "replayed"
        assert (report.counters.card_kiosk, report.counters.host_kiosk) == (0, 1)
        assert "REFUSED" in report.text and "[replayed]" in report.text


def test_a_blank_card_is_read_for_what_it_is(tmp_path):
    with admin_rig(tmp_path) as rig:
        session = rig.login(OPERATOR)
        card = cards.classic_1k()
        rig.put(card)
        report = rig.admin.read_card(session)
        assert not report.tap_ok and report.tap_code == "blank_card"
        assert report.header.header is None and "blank" in report.header.problem
        assert not report.db.known
        # a blank MIFARE Classic opens with the transport key everywhere: all 64 blocks shown
        assert sum(1 for u in report.raw if u.data is not None) == 64


def test_a_card_of_another_site_is_named_as_such(tmp_path):
    with admin_rig(tmp_path) as rig:
        card = cards.ntag213()
        rig.put(card)
        with rig.reader.connect() as conn:
            CardService(cards.KEYS, cards.OTHER_SITE_ID).personalise(conn, cards.WALLET)
        session = rig.login(OPERATOR)
        rig.put(card)
        report = rig.admin.read_card(session)
        assert report.tap_code == "foreign_card"
        assert "site 99" in report.header.problem
        for secret in key_strings(card.uid, cards.OTHER_SITE_ID) + key_strings(card.uid):
            assert secret not in everything_shown(report)


def test_a_meter_card_shows_both_records_and_what_the_database_owes_it(tmp_path):
    from kiosk.topup.service import CardAwayError
    from tests.unit.test_admin_env import METER_REQUEST, seed_meter

    with admin_rig(tmp_path) as rig:
        seed_meter(rig.db)
        card = cards.ntag215()
        rig.issue(card, METER_REQUEST)
        rig.put(card)
        tap = rig.topup.tap(rig.reader.connect())
        order = rig.topup.staff_credit(tap, 30_00, 1, "x", cash=True)
        card.arm_tear(TearPlan(after_commands=1))
        with pytest.raises(CardAwayError):
            rig.topup.deliver(order.id, tap.purse)
        session = rig.login(MANAGER)
        rig.put(card)
        report = rig.admin.read_card(session)
        assert [s.status for s in report.meter_slots] == [SlotStatus.EMPTY, SlotStatus.EMPTY]
        assert [w.order_id for w in report.db.pending_writes] == [order.id]
        assert [o.id for o in report.db.pending_orders] == [order.id]
        assert "outcome not known yet" in report.text and "Meter     42" in report.text


def test_reading_a_card_needs_a_card_and_a_live_session(tmp_path):
    with admin_rig(tmp_path) as rig:
        session = rig.login(OPERATOR)
        rig.reader.remove()
        with pytest.raises(CardProblemError, match="No card"):
            rig.admin.read_card(session)
        rig.admin.logout(session)
        with pytest.raises(SessionExpiredError, match="signed out"):
            rig.admin.read_card(session)
        assert rig.audit("not_allowed") == []  # operators may read cards
