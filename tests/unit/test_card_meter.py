"""The card meter over the purse format, on emulated cards in-process: purchases loaded once,
merged purchases, another meter's card, replayed and tampered cards, tears during the write-back,
and consumption over simulated time under the low-credit policy."""

from __future__ import annotations

import contextlib
import datetime as dt
import math
from fractions import Fraction

import pytest

from cardlib.emulator.tear import TearPlan
from cardlib.errors import CardRemovedError, ReplayError
from cardlib.purse.medium import Slot
from cardlib.purse.records import MeterFlags, Refusal
from cardlib.reader.emulated import EmulatedReader
from cardlib.service import Issue
from meters.cardmeter import InsertStatus, VirtualCardMeter, new_state
from meters.cardmeter.protocol import Outcome, check_purchase
from meters.cardmeter.store import MeterState, load_state, save_state
from meters.policy import Alarm, FriendlyWindow, Policy
from tests import cards

TYPES = {"classic1k": cards.classic_1k, "ntag213": cards.ntag213, "sle4442": cards.sle4442}
EACH = pytest.mark.parametrize("make", list(TYPES.values()), ids=list(TYPES))
T0 = dt.datetime(2026, 11, 24, 12, 0, tzinfo=dt.UTC)  # a Tuesday, noon
HOUR = dt.timedelta(hours=1)


class Rig:
    """A kiosk's card service, one meter card on an emulated reader, and meter 42."""

    def __init__(self, make, issue: Issue = cards.METER, **meter_kw) -> None:
        self.kiosk = cards.service()
        self.card = make()
        self.reader = EmulatedReader()
        self.reader.insert(self.card)
        with self.reader.connect() as conn:
            self.kiosk.personalise(conn, issue)
        self.saved: list[MeterState] = []
        self.meter = self.new_meter(**meter_kw)

    def new_meter(self, meter_id: int = 42, **kw) -> VirtualCardMeter:
        import copy

        state = new_state(meter_id, cards.SITE_ID, T0, **kw)
        return VirtualCardMeter(
            state, cards.KEYS, save=lambda s: self.saved.append(copy.deepcopy(s))
        )

    def buy(self, amount: int) -> None:
        with self.reader.connect() as conn:
            self.kiosk.open(conn).credit(amount)

    def insert(self, meter: VirtualCardMeter | None = None):
        with self.reader.connect() as conn:
            return (meter or self.meter).insert(conn)

    def view(self):
        with self.reader.connect() as conn:
            return self.kiosk.read(conn)


# -- loading ---------------------------------------------------------------------------------------


@EACH
def test_a_purchase_is_loaded_once_and_the_state_record_written_back(make):
    rig = Rig(make)
    rig.buy(500)
    assert rig.view().pending_purchase == 500
    first = rig.insert()
    assert first.status is InsertStatus.LOADED and first.loaded == 500 and first.seq == 1
    assert rig.meter.credit == 500 and rig.meter.relay_closed
    again = rig.insert()
    assert again.status is InsertStatus.ALREADY_LOADED and again.loaded == 0
    assert rig.meter.credit == 500
    seen = rig.view()
    assert seen.pending_purchase == 0
    assert seen.meter is not None
    assert (seen.meter.credit, seen.meter.last_loaded_seq, seen.meter.refusal) == (
        500,
        1,
        Refusal.NONE,
    )
    assert seen.meter.time == T0 and seen.meter.counter == 2
    assert not seen.meter.flags & MeterFlags.RELAY_OPEN
    rig.buy(300)  # the next purchase, seq 2
    assert rig.insert().loaded == 300
    assert rig.meter.credit == 800 and rig.view().meter.last_loaded_seq == 2


@EACH
def test_a_purchase_merged_before_the_meter_saw_it_is_loaded_as_one(make):
    rig = Rig(make)
    rig.buy(500)
    rig.buy(300)
    assert rig.view().kiosk.purchase_seq == 1
    result = rig.insert()
    assert (result.status, result.loaded, result.seq) == (InsertStatus.LOADED, 800, 1)
    assert rig.insert().loaded == 0 and rig.meter.credit == 800


@EACH
def test_a_card_without_a_purchase_gets_the_meters_state(make):
    rig = Rig(make)
    result = rig.insert()
    assert result.status is InsertStatus.NO_PURCHASE and rig.meter.credit == 0
    assert rig.view().meter.flags & MeterFlags.RELAY_OPEN  # a new meter is off until loaded


@EACH
def test_a_card_of_another_meter_is_refused_and_says_so_on_the_card(make):
    rig = Rig(make)
    rig.buy(500)
    other = rig.new_meter(meter_id=43)
    result = rig.insert(other)
    assert result.status is InsertStatus.REFUSED and result.refusal is Refusal.OTHER_METER
    assert other.credit == 0
    seen = rig.view()
    assert seen.meter.refusal is Refusal.OTHER_METER
    assert seen.pending_purchase == 500  # still there for the right meter
    # the right meter then loads it, and its record clears the refusal
    assert rig.insert().loaded == 500
    assert rig.view().meter.refusal is Refusal.NONE


@EACH
def test_the_refusal_keeps_the_right_meters_state_on_the_card(make):
    rig = Rig(make)
    rig.buy(500)
    rig.insert()
    rig.insert(rig.new_meter(meter_id=43))
    seen = rig.view()
    assert (seen.meter.credit, seen.meter.last_loaded_seq) == (500, 1)
    assert seen.meter.refusal is Refusal.OTHER_METER


@EACH
def test_a_replayed_card_dump_is_refused_and_the_credit_is_unchanged(make):
    rig = Rig(make)
    rig.buy(500)
    old = rig.card.dump()  # the tenant copies the card before going to the meter
    assert rig.insert().loaded == 500
    rig.card.restore(old)
    result = rig.insert()
    assert result.status is InsertStatus.REFUSED
    assert isinstance(result.error, ReplayError) and result.refusal is Refusal.OLD_SEQUENCE
    assert rig.meter.credit == 500
    # said on the card, for a kiosk that never saw this card to show why
    seen = rig.view()
    assert seen.meter is not None and seen.meter.refusal is Refusal.OLD_SEQUENCE
    again = rig.insert()  # inserted again, the copy loads nothing (its purchase was loaded)
    assert again.loaded == 0 and rig.meter.credit == 500


@EACH
def test_a_replayed_dump_with_a_meter_record_is_refused(make):
    rig = Rig(make)
    rig.buy(500)
    rig.insert()
    rig.buy(300)
    old = rig.card.dump()
    assert rig.insert().loaded == 300
    rig.card.restore(old)
    result = rig.insert()
    assert result.status is InsertStatus.REFUSED and isinstance(result.error, ReplayError)
    assert rig.meter.credit == 800


@EACH
def test_an_old_purchase_on_a_meter_that_forgot_the_card_is_old_sequence(make):
    rig = Rig(make)
    rig.buy(500)
    old = rig.card.dump()
    rig.insert()
    rig.buy(300)
    rig.insert()
    rig.card.restore(old)
    rig.meter.state.counters._counters.clear()  # a meter whose card memory was lost
    result = rig.insert()
    assert result.status is InsertStatus.REFUSED and result.refusal is Refusal.OLD_SEQUENCE
    assert rig.meter.credit == 800
    assert result.record.refusal is Refusal.OLD_SEQUENCE  # the kiosk itself refuses the old copy


@EACH
def test_a_sequence_gap_is_refused(make):
    rig = Rig(make)
    rig.buy(500)
    rig.insert()
    rig.buy(300)  # seq 2, loaded by another meter 42's memory... here: a meter replaced since
    fresh = rig.new_meter()
    # purchase 2 on a meter that loaded nothing yet: 2 != 0 + 1
    result = rig.insert(fresh)
    assert result.refusal is Refusal.SEQUENCE_GAP and fresh.credit == 0
    assert rig.view().meter.refusal is Refusal.SEQUENCE_GAP


#: dump() offsets of the header and the two kiosk slots (docs/card-format.md §3)
OFFSETS = {
    "EmulatedClassic": {"header": 4 * 16, Slot.A: 6 * 16, Slot.B: 8 * 16},
    "EmulatedUltralight": {"header": 4 * 4, Slot.A: 12 * 4, Slot.B: 16 * 4},
    "EmulatedSle4442": {"header": 0x20, Slot.A: 0x40, Slot.B: 0x50},
}


def _offset(card, where) -> int:
    return OFFSETS[type(card).__name__][where]


def _tamper_newest_purchase(rig: Rig) -> None:
    slot = rig.view().kiosk_slot
    rig.card.flip_bit(_offset(rig.card, slot) + 7, 3)  # the value's low byte: +8 minor units


def _read_elsewhere(rig: Rig):
    """The card as another kiosk of the site reads it (one that did not sell the purchase; the one
    that did sees its newest record gone and calls the card an old copy)."""
    with rig.reader.connect() as conn:
        return cards.service().read(conn)


@EACH
def test_a_tampered_purchase_loads_nothing_and_the_meter_says_bad_mac_on_the_card(make):
    rig = Rig(make)
    rig.buy(500)
    _tamper_newest_purchase(rig)  # 500 -> 508: the slot no longer verifies
    result = rig.insert()
    assert result.status is InsertStatus.REFUSED and result.refusal is Refusal.BAD_MAC
    assert result.loaded == 0 and rig.meter.credit == 0 and rig.meter.state.last_loaded_seq == 0
    assert result.message.startswith("the card failed its security check")
    assert rig.meter.events[-1].kind == "refused"
    seen = _read_elsewhere(rig)
    assert seen.meter is not None and seen.meter.refusal is Refusal.BAD_MAC
    assert (seen.meter.credit, seen.meter.last_loaded_seq) == (0, 0)
    assert seen.meter.flags & MeterFlags.RELAY_OPEN  # still off: nothing was loaded


@EACH
def test_a_tampered_purchase_keeps_the_meters_state_and_a_genuine_one_clears_the_refusal(make):
    rig = Rig(make)
    rig.buy(500)
    assert rig.insert().loaded == 500
    rig.buy(300)  # purchase 2, in the other kiosk slot
    _tamper_newest_purchase(rig)
    result = rig.insert()
    assert result.refusal is Refusal.BAD_MAC and result.loaded == 0 and rig.meter.credit == 500
    seen = _read_elsewhere(rig)
    assert (seen.meter.credit, seen.meter.last_loaded_seq, seen.meter.refusal) == (
        500,
        1,
        Refusal.BAD_MAC,
    )
    # staff sell the tenant's purchase again at another kiosk: written over the bad slot
    with rig.reader.connect() as conn:
        cards.service().open(conn).credit(300)
    again = rig.insert()
    assert (again.status, again.loaded, rig.meter.credit) == (InsertStatus.LOADED, 300, 800)
    assert _read_elsewhere(rig).meter.refusal is Refusal.NONE


@EACH
def test_a_damaged_older_purchase_record_does_not_stop_the_newest(make):
    rig = Rig(make)
    rig.buy(500)
    rig.insert()
    older = rig.view().kiosk_slot
    rig.buy(300)  # purchase 2 goes to the other slot; the older one is purchase 1
    rig.card.flip_bit(_offset(rig.card, older) + 7, 3)
    result = rig.insert()
    assert (result.status, result.loaded, result.refusal) == (
        InsertStatus.LOADED,
        300,
        Refusal.NONE,
    )
    assert rig.meter.credit == 800


@EACH
def test_a_tampered_header_is_refused_unread(make):
    rig = Rig(make)
    rig.buy(500)
    offset = _offset(rig.card, "header") + 15  # the tenant id's last byte
    rig.card.flip_bit(offset, 0)
    result = rig.insert()
    assert result.status is InsertStatus.REFUSED and result.refusal is Refusal.BAD_MAC
    assert rig.meter.credit == 0


# -- tearing the write-back ------------------------------------------------------------------------


@EACH
def test_a_tear_at_every_command_of_an_insert_loads_the_purchase_exactly_once(make):
    probe = Rig(make)
    probe.buy(500)
    with probe.reader.connect() as conn:
        before = conn.commands
        probe.meter.insert(conn)
        total = conn.commands - before
    assert total > 0
    for cut in range(total + 1):
        rig = Rig(make)
        rig.buy(500)
        rig.card.arm_tear(TearPlan(after_commands=cut))
        with contextlib.suppress(CardRemovedError):
            rig.insert()
        assert rig.meter.credit in (0, 500), f"cut after {cut}"
        if rig.meter.credit == 500:
            # saved before the card was written: a power cut now still knows it was loaded
            assert rig.saved and rig.saved[-1].credit == 500 and rig.saved[-1].last_loaded_seq == 1
        rig.reader.insert(rig.card)
        rig.insert()
        rig.insert()
        assert rig.meter.credit == 500, f"cut after {cut}"
        seen = rig.view()
        assert (seen.meter.credit, seen.meter.last_loaded_seq) == (500, 1), f"cut after {cut}"
        assert seen.meter.refusal is Refusal.NONE and seen.pending_purchase == 0


@EACH
def test_a_purchase_merged_after_a_torn_write_back_loads_only_the_new_part(make):
    rig = Rig(make)
    rig.buy(500)
    with rig.reader.connect() as conn:
        rig.meter.service.open(conn)
        total = conn.commands
    # tear the write-back right before its last command: the meter loaded, the card does not say so
    rig2 = Rig(make)
    rig2.buy(500)
    for cut in range(total, total + 40):
        rig2.card.arm_tear(TearPlan(after_commands=cut))
        try:
            rig2.insert()
        except CardRemovedError:
            rig2.reader.insert(rig2.card)
            if rig2.meter.credit == 500 and rig2.view().pending_purchase == 500:
                break
        else:
            pytest.skip("no tear point leaves the card showing the purchase pending")
        rig2 = Rig(make)
        rig2.buy(500)
    rig2.buy(300)  # the kiosk merges into purchase 1, which the card still shows as pending
    assert rig2.view().kiosk.value == 800 and rig2.view().kiosk.purchase_seq == 1
    result = rig2.insert()
    assert result.loaded == 300 and rig2.meter.credit == 800


def test_check_purchase_rules():
    rig = Rig(cards.ntag213)
    rig.buy(500)
    st = rig.view()
    assert check_purchase(st, 42, 0, 0).outcome is Outcome.LOAD
    assert check_purchase(st, 42, 1, 500).outcome is Outcome.ALREADY_LOADED
    assert check_purchase(st, 42, 1, 200).amount == 300
    assert check_purchase(st, 42, 1, 900).refusal is Refusal.OLD_SEQUENCE
    assert check_purchase(st, 42, 2, 0).refusal is Refusal.OLD_SEQUENCE
    rig.buy(1)
    assert check_purchase(st, 7, 0, 0).refusal is Refusal.OTHER_METER


# -- consumption -----------------------------------------------------------------------------------

POLICY = Policy(
    low_credit=20_00, very_low_credit=5_00, emergency_credit=0, reconnect_threshold=1_00
)


def loaded_meter(credit: int, policy: Policy = POLICY, **kw) -> tuple[Rig, VirtualCardMeter]:
    kw.setdefault("price_per_kwh", 100)  # 1.00 per kWh
    kw.setdefault("load_w", 1000)  # 1.00 per hour
    rig = Rig(cards.ntag213, policy=policy, **kw)
    rig.buy(credit)
    rig.insert()
    assert rig.meter.credit == credit
    return rig, rig.meter


def test_credit_runs_down_by_price_times_energy_exactly():
    price = Fraction("86.55")  # minor units per kWh
    rig, meter = loaded_meter(1_000_00, price_per_kwh=price, load_w=1537)
    span = dt.timedelta(hours=7, minutes=13, seconds=17, microseconds=250_000)
    meter.advance(span)
    us = span // dt.timedelta(microseconds=1)
    wh = 1537 * us // (3600 * 10**6)
    assert meter.state.reading_wh == wh
    assert meter.credit == 1_000_00 - math.floor(price * wh / 1000)
    # in pieces, the carried remainders give the same total
    rig2, m2 = loaded_meter(1_000_00, price_per_kwh=price, load_w=1537)
    for _ in range(10):
        m2.advance(span / 10)
    assert (m2.state.reading_wh, m2.credit) == (meter.state.reading_wh, meter.credit)


def test_two_warning_levels_at_the_thresholds():
    _rig, meter = loaded_meter(25_00)
    meter.advance(5 * HOUR)  # 20.00 left: at the threshold is not below it
    assert meter.credit == 20_00 and meter.alarm is Alarm.NONE
    meter.advance(dt.timedelta(minutes=1))
    assert meter.alarm is Alarm.LOW
    meter.advance(15 * HOUR)
    assert meter.credit < 5_00 and meter.alarm is Alarm.VERY_LOW and meter.relay_closed
    assert [e.kind for e in meter.events].count("alarm") >= 2


def test_relay_cut_at_zero_outside_friendly_hours_and_reconnected_by_a_purchase():
    rig, meter = loaded_meter(3_00)
    events = meter.advance(5 * HOUR)
    assert meter.credit == 0 and not meter.relay_closed and meter.alarm is Alarm.CUT
    assert any(e.kind == "relay" and "opened" in e.text for e in events)
    reading = meter.state.reading_wh
    meter.advance(3 * HOUR)
    assert meter.state.reading_wh == reading and meter.credit == 0  # no supply, no charge
    rig.insert()
    assert rig.view().meter.flags & MeterFlags.RELAY_OPEN
    rig.buy(50)  # below the reconnect threshold: stays cut
    rig.insert()
    assert meter.credit == 50 and not meter.relay_closed
    rig.buy(5_00)
    result = rig.insert()
    assert result.loaded == 5_00 and meter.relay_closed and meter.credit == 5_50
    assert not rig.view().meter.flags & MeterFlags.RELAY_OPEN


def test_not_cut_inside_a_friendly_window():
    window = FriendlyWindow(dt.time(12, 0), dt.time(18, 0))
    _rig, meter = loaded_meter(1_00, Policy(reconnect_threshold=1_00, friendly=(window,)))
    meter.advance(3 * HOUR)  # runs out at 13:00, inside the window: debt accrues
    assert meter.relay_closed and meter.credit == -2_00 and meter.alarm is Alarm.CUT
    meter.advance(4 * HOUR)  # the window closes at 18:00
    assert not meter.relay_closed


def test_emergency_credit_then_cut():
    _rig, meter = loaded_meter(1_00, Policy(emergency_credit=2_00, reconnect_threshold=1_00))
    meter.advance(HOUR + dt.timedelta(minutes=1))
    assert meter.relay_closed and meter.alarm is Alarm.EMERGENCY and meter.credit < 0
    assert meter.flags() & MeterFlags.EMERGENCY_CREDIT
    meter.advance(2 * HOUR)
    assert meter.credit == -2_00 and not meter.relay_closed


def test_a_purchase_repays_emergency_credit_before_reconnecting():
    rig, meter = loaded_meter(1_00, Policy(emergency_credit=2_00, reconnect_threshold=1_00))
    meter.advance(5 * HOUR)
    assert meter.credit == -2_00 and not meter.relay_closed
    rig.buy(2_50)
    rig.insert()
    assert meter.credit == 50 and not meter.relay_closed
    rig.buy(1_00)
    rig.insert()
    assert meter.credit == 1_50 and meter.relay_closed


def test_an_injected_cost_function_prices_the_energy():
    calls = []

    def cost(wh, start, end):
        calls.append((wh, start, end))
        return wh  # 1 minor unit per Wh

    rig = Rig(cards.ntag213, load_w=600, policy=POLICY)
    meter = VirtualCardMeter(rig.meter.state, cards.KEYS, cost=cost)
    rig.buy(10_000)
    rig.insert(meter)
    meter.advance(HOUR)
    assert meter.credit == 10_000 - 600 and sum(c[0] for c in calls) == 600


def test_the_state_survives_a_save_and_load(tmp_path):
    window = FriendlyWindow(dt.time(22, 0), dt.time(7, 0), frozenset({5, 6}))
    policy = Policy(emergency_credit=3_00, friendly=(window,), holidays=frozenset({T0.date()}))
    rig, meter = loaded_meter(5_00, policy, price_per_kwh=Fraction("52.83"))
    meter.advance(dt.timedelta(minutes=97))
    path = tmp_path / "meter.json"
    save_state(meter.state, path)
    back = load_state(path)
    assert back.to_json() == meter.state.to_json()
    assert back.policy == policy and back.counters.to_json() == meter.state.counters.to_json()
