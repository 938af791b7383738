"""The card side of a card meter, over the purse format (docs/card-format.md §1.2-1.3).

The kiosk record of a meter card carries one purchase: its sequence number and amount (a second
purchase bought before the meter saw the first is merged into it, same sequence number). The meter
accepts a purchase only for its own meter id and the next sequence number; it keeps, in its own
memory, the last sequence it loaded and how much of it, and that memory -- saved *before* the card
is written -- is what decides, never the card's meter record (a write-back torn off the card must
not make a re-insert load the purchase twice).

A purchase record that fails its MAC is not loaded, and the meter says so on the card: the card
service reads the newest kiosk record that *verifies*, so a forged purchase shows up only as a
slot newer than the one read that does not verify (:func:`newer_purchase_fails_mac`). The meter
record has its own MAC under the meter's key, so the meter can still write its state there with
refusal BAD_MAC for the kiosk to show.

Nothing here touches the meter's memory or writes the card by itself: :func:`check_purchase`
decides, :func:`plan_write_back` plans the state record, the caller journals and applies.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import enum
from dataclasses import dataclass

from cardlib.errors import CardError, FormatError, ReplayError, TamperedError
from cardlib.purse import header as header_codec
from cardlib.purse import records
from cardlib.purse.medium import RecordKind, Slot
from cardlib.purse.records import MeterFlags, MeterRecord, Refusal
from cardlib.purse.slots import CounterStore, is_empty
from cardlib.service import METER_COUNTER, CardState, PlannedWrite, PurseCard


class Outcome(enum.Enum):
    LOAD = "load"  # a new purchase (or the part of a merged purchase not loaded yet)
    ALREADY_LOADED = "already_loaded"  # the card's purchase is in the meter's credit already
    NO_PURCHASE = "no_purchase"  # nothing ever bought on this card
    REFUSE = "refuse"


@dataclass(frozen=True)
class PurchaseCheck:
    outcome: Outcome
    seq: int
    amount: int = 0  # what to add to the credit (LOAD only)
    refusal: Refusal = Refusal.NONE
    reason: str = ""


REFUSAL_TEXT = {
    Refusal.NONE: "",
    Refusal.OTHER_METER: "this card belongs to another meter",
    Refusal.OLD_SEQUENCE: "this purchase is older than the one the meter loaded last (replay)",
    Refusal.BAD_MAC: "the card failed its security check",
    Refusal.SEQUENCE_GAP: "a purchase is missing between the meter's last one and this card's",
}


def check_purchase(
    state: CardState, meter_id: int, last_loaded_seq: int, last_loaded_amount: int
) -> PurchaseCheck:
    """What a meter with this memory does with the purchase on a verified meter card."""
    seq, value = state.kiosk.purchase_seq, state.kiosk.value
    if state.header.meter_id != meter_id:
        return _refuse(
            Refusal.OTHER_METER, seq, f"card of meter {state.header.meter_id}, this is {meter_id}"
        )
    if seq == 0:
        return PurchaseCheck(Outcome.NO_PURCHASE, 0, reason="no purchase on the card yet")
    if seq == last_loaded_seq + 1:
        if value <= 0:
            return _refuse(Refusal.BAD_MAC, seq, f"purchase {seq} of {value}")
        return PurchaseCheck(Outcome.LOAD, seq, value, reason=f"purchase {seq} loaded")
    if seq == last_loaded_seq:
        # A kiosk merges a new purchase into one the card still shows as not loaded -- which it
        # also shows after a write-back torn off: the part merged later is loaded now.
        if value > last_loaded_amount:
            return PurchaseCheck(
                Outcome.LOAD,
                seq,
                value - last_loaded_amount,
                reason=f"purchase {seq} grew from {last_loaded_amount} to {value} (merged)",
            )
        if value == last_loaded_amount:
            return PurchaseCheck(
                Outcome.ALREADY_LOADED, seq, reason=f"purchase {seq} loaded before"
            )
        # merges only ever add: a smaller amount under the same number is an old copy
        return _refuse(
            Refusal.OLD_SEQUENCE,
            seq,
            f"purchase {seq} of {value}, but {last_loaded_amount} was loaded under that number",
        )
    if seq < last_loaded_seq:
        return _refuse(
            Refusal.OLD_SEQUENCE, seq, f"purchase {seq}, the meter loaded {last_loaded_seq}"
        )
    return _refuse(
        Refusal.SEQUENCE_GAP, seq, f"purchase {seq}, the meter expects {last_loaded_seq + 1}"
    )


#: where a kiosk record keeps its counter (docs/card-format.md §1.2: offset 0, 4 bytes, big-endian)
KIOSK_COUNTER_BYTES = slice(0, 4)


def newer_purchase_fails_mac(card: PurseCard) -> str | None:
    """Why the card's newest kiosk record cannot be trusted, or None when it can.

    The card service reads the newest kiosk slot that verifies. If the *other* slot is written,
    fails its MAC and claims a higher counter, the purchase the tenant carries is in a record that
    was changed outside a kiosk -- or whose write at the kiosk was cut short, which looks the same
    byte for byte. Either way its amount cannot be trusted; the older record must not be loaded
    in its place either (it may be a purchase the kiosk since merged into the bad one). A damaged
    slot with a *lower* counter is an old record: the newest one is intact and used."""
    st = card.state
    raw = card.medium.read_all(card.keys, meter=False)
    other = raw.kiosk[st.kiosk_slot.other]
    if is_empty(other):
        return None
    try:
        records.decode_kiosk(other, raw.uid, raw.header, card.keys.mac_key)
    except (TamperedError, FormatError, ValueError):
        claimed = int.from_bytes(other[KIOSK_COUNTER_BYTES], "big")  # unverified: only compared
        if claimed > st.kiosk.counter:
            return (
                f"kiosk record {claimed} fails its MAC: changed outside a kiosk, or its write "
                "was cut short; nothing loaded"
            )
    return None


def refuse_bad_mac(state: CardState, detail: str) -> PurchaseCheck:
    """The check for a card whose newest purchase fails its MAC: nothing loaded, BAD_MAC."""
    return _refuse(Refusal.BAD_MAC, state.kiosk.purchase_seq, detail)


def _refuse(refusal: Refusal, seq: int, detail: str) -> PurchaseCheck:
    return PurchaseCheck(Outcome.REFUSE, seq, 0, refusal, f"{REFUSAL_TEXT[refusal]} ({detail})")


def check_not_rolled_back(card: PurseCard, counters: CounterStore) -> None:
    """Refuse an old copy restored onto the card, which the card service lets through as a meter
    record it could not use: a card this meter wrote before that now shows no meter record, or an
    older one (``ReplayError``), or one that fails its MAC (``TamperedError``). A card the meter
    never wrote with a damaged meter area is let through: the meter rewrites the record."""
    state = card.state
    seen = counters.get(state.uid, METER_COUNTER)
    if seen is None:
        return
    have = state.meter.counter if state.meter is not None else None
    if have is None and state.meter_problem is not None:
        have = _meter_counter_unchecked(card)
        if have is None:
            raise TamperedError(f"The card's meter record is damaged ({state.meter_problem}).")
    if have is None or have < seen:
        raise ReplayError(
            f"This card holds an old copy of its data (meter record "
            f"{'missing' if have is None else have}, last written {seen}). Please call staff."
        )


def _meter_counter_unchecked(card: PurseCard) -> int | None:
    """The newest verifying meter record's counter, without the replay check (None: none)."""
    st = card.state
    raw = card.medium.read_all(card.keys, meter=True)
    key = card.service.keys.meter_key(
        st.header.key_version, st.header.meter_id, card.service.site_id
    )
    best = None
    for data in raw.meter:
        with contextlib.suppress(CardError, ValueError):
            counter = records.decode_meter(data, raw.uid, raw.header, key).counter
            best = counter if best is None else max(best, counter)
    return best


def state_record(
    *,
    reading: int,
    credit: int,
    last_loaded_seq: int,
    flags: MeterFlags,
    refusal: Refusal,
    time: dt.datetime,
) -> MeterRecord:
    """A meter record to write back (its counter is set when it is planned)."""
    return MeterRecord(
        counter=0,
        reading=reading,
        credit=credit,
        last_loaded_seq=last_loaded_seq,
        flags=flags,
        refusal=refusal,
        time=time,
    )


def refusal_for_foreign(state: CardState, refusal: Refusal, time: dt.datetime) -> MeterRecord:
    """What a meter writes on another meter's card: that meter's own state, left as it was, with
    the refusal, so the kiosk shows why and still shows the right meter's credit."""
    old = state.meter
    if old is None:
        return state_record(
            reading=0,
            credit=0,
            last_loaded_seq=0,
            flags=MeterFlags(0),
            refusal=refusal,
            time=time,
        )
    return state_record(
        reading=old.reading,
        credit=old.credit,
        last_loaded_seq=old.last_loaded_seq,
        flags=old.flags,
        refusal=refusal,
        time=time,
    )


def plan_write_back(
    card: PurseCard, record: MeterRecord, counters: CounterStore | None = None
) -> PlannedWrite:
    """Plan ``record`` into the meter slot not holding the newest record, counter + 1 -- above
    both the card's counter and the highest this meter has seen for the card (a card whose meter
    record was unreadable, both slots torn, still gets a counter no reader will call a replay)."""
    plan = card.plan_meter_state(record)
    seen = counters.get(card.state.uid, METER_COUNTER) if counters is not None else None
    if seen is None or plan.new.counter > seen:
        return plan
    st = card.state
    new = records.MeterRecord(
        counter=records.next_counter(seen),
        reading=record.reading,
        credit=record.credit,
        last_loaded_seq=record.last_loaded_seq,
        flags=record.flags,
        refusal=record.refusal,
        time=record.time,
    )
    header_raw = header_codec.encode(st.header, st.uid, card.keys.mac_key)
    key = card.service.keys.meter_key(
        st.header.key_version, st.header.meter_id, card.service.site_id
    )
    data = records.encode_meter(new, st.uid, header_raw, key)
    slot = st.meter_slot.other if st.meter_slot is not None else Slot.A
    return PlannedWrite(st.uid, RecordKind.METER, slot, st.meter, new, data)
