"""A virtual card meter: consumption over simulated time, credit run down by the tariff, the
low-credit policy (two warning levels, emergency credit, cut at zero, friendly hours, reconnection
on a new purchase), and an insert slot that takes the kiosk's cards (emulated or real).

Loading order on insert (docs/card-format.md §1.2-1.4, DESIGN §4):
1. read and verify the card with the site's keys (the meter holds them, as a real meter holds a
   SAM) and its own memory of card counters; a card that fails is refused, nothing is written;
2. a card of another meter: refusal OTHER_METER written on its meter record (that meter's state
   kept), so the kiosk can say why;
3. the purchase: the next sequence number is loaded; the meter's memory (credit, last sequence and
   amount) is updated and *saved before the card is written*, so a write-back torn off the card
   never loads the purchase twice; an older one is OLD_SEQUENCE, a skipped one SEQUENCE_GAP, one
   whose kiosk record fails its MAC BAD_MAC (nothing loaded; the meter's own record, under its
   own key, still says why);
4. the state record written back: reading, credit, last loaded sequence, flags, refusal, time.
"""

from __future__ import annotations

import datetime as dt
import enum
import math
from collections.abc import Callable
from dataclasses import dataclass

from cardlib.crypto.keys import KeyRing
from cardlib.errors import (
    CardError,
    ForeignCardError,
    NoCardError,
    ReaderError,
    ReplayError,
    TamperedError,
    WrongRoleError,
)
from cardlib.purse.header import Role
from cardlib.purse.records import MeterFlags, MeterRecord, Refusal
from cardlib.purse.slots import MemoryCounterStore
from cardlib.reader.base import CardConnection
from cardlib.service import CardService, WriteResult
from meters.cardmeter import protocol
from meters.cardmeter.protocol import Outcome
from meters.cardmeter.store import MeterState
from meters.errors import MeterError
from meters.policy import Alarm, decide

#: cost of ``wh`` Wh used between ``start`` and ``end``, in minor units (e.g. the kiosk's tariff)
CostFn = Callable[[int, dt.datetime, dt.datetime], int]

WH_IN_W_US = 3600 * 1_000_000  # one Wh in W·µs


class InsertStatus(enum.Enum):
    LOADED = "loaded"
    ALREADY_LOADED = "already_loaded"
    NO_PURCHASE = "no_purchase"
    REFUSED = "refused"


@dataclass(frozen=True)
class MeterEvent:
    at: dt.datetime
    kind: str  # "alarm", "relay", "load", "refused"
    text: str


@dataclass(frozen=True)
class InsertResult:
    status: InsertStatus
    refusal: Refusal
    message: str
    loaded: int = 0  # minor units added to the credit by this insert
    seq: int = 0
    credit: int = 0  # the meter's credit afterwards
    #: the state record written to the card (None: the card was refused unread)
    record: MeterRecord | None = None
    write: WriteResult | None = None
    error: CardError | None = None


class VirtualCardMeter:
    """One card meter. ``save`` is called with the state whenever the meter's memory must reach
    non-volatile storage (the JSON file for the CLI; nothing, or a recorder, in tests)."""

    def __init__(
        self,
        state: MeterState,
        keys: KeyRing | None,
        *,
        cost: CostFn | None = None,
        save: Callable[[MeterState], None] | None = None,
        key_version: int | None = None,
    ) -> None:
        self.state = state
        #: None for a meter only run over time (no keys: its card slot cannot be used)
        self.service = (
            CardService(
                keys,
                state.site_id,
                counters=state.counters,
                key_version=key_version,
                today=lambda: self.state.now.date(),
            )
            if keys is not None
            else None
        )
        self.cost = cost
        self._save = save
        self.events: list[MeterEvent] = []

    # -- what it shows ---------------------------------------------------------------------------

    @property
    def now(self) -> dt.datetime:
        return self.state.now

    @property
    def credit(self) -> int:
        return self.state.credit

    @property
    def relay_closed(self) -> bool:
        return self.state.relay_closed

    @property
    def alarm(self) -> Alarm:
        return self.state.alarm

    def flags(self) -> MeterFlags:
        s = self.state
        f = MeterFlags(0)
        if not s.relay_closed:
            f |= MeterFlags.RELAY_OPEN
        if s.tamper:
            f |= MeterFlags.TAMPER
        if s.low_battery:
            f |= MeterFlags.LOW_BATTERY
        if s.credit < 0 or s.alarm is Alarm.EMERGENCY:
            f |= MeterFlags.EMERGENCY_CREDIT
        if s.alarm is not Alarm.NONE:
            f |= MeterFlags.LOW_CREDIT
        return f

    # -- time ------------------------------------------------------------------------------------

    def advance(self, duration: dt.timedelta, load_w: int | None = None) -> list[MeterEvent]:
        """Run the meter for ``duration`` of simulated time at ``load_w`` (default: its configured
        load), step by step: consume while the relay is closed, charge, follow the policy. Returns
        the events of this run."""
        if duration < dt.timedelta(0):
            raise MeterError("Simulated time only goes forward.")
        if load_w is not None and load_w < 0:
            raise MeterError("A load is >= 0 W.")
        first = len(self.events)
        s = self.state
        load = s.load_w if load_w is None else load_w
        end = s.now + duration
        step = dt.timedelta(seconds=s.step_s)
        self._follow_policy()
        while s.now < end:
            stop = min(s.now + step, end)
            if s.relay_closed:
                self._consume(s.now, stop, load)
            s.now = stop
            self._follow_policy()
        self.save()
        return self.events[first:]

    def run_until(self, when: dt.datetime) -> list[MeterEvent]:
        """Advance to ``when`` (e.g. an injected wall clock's now); never backwards."""
        return self.advance(max(when - self.state.now, dt.timedelta(0)))

    def _consume(self, start: dt.datetime, end: dt.datetime, load_w: int) -> None:
        s = self.state
        span = end - start
        us = (span.days * 86_400 + span.seconds) * 1_000_000 + span.microseconds
        wh, s.energy_carry = divmod(s.energy_carry + load_w * us, WH_IN_W_US)
        if not wh:
            return
        s.reading_wh += wh
        if self.cost is not None:
            charge = int(self.cost(wh, start, end))
        else:
            owed = s.cost_carry + s.price_per_kwh * wh / 1000
            charge = math.floor(owed)
            s.cost_carry = owed - charge
        s.credit -= charge

    def _follow_policy(self) -> None:
        s = self.state
        d = decide(s.policy, s.credit, s.now, not s.relay_closed)
        if d.alarm is not s.alarm:
            self._event("alarm", f"{s.alarm.name} -> {d.alarm.name}: {d.reason}")
            s.alarm = d.alarm
        if d.relay_closed != s.relay_closed:
            s.relay_closed = d.relay_closed
            self._event("relay", f"relay {'closed' if d.relay_closed else 'opened'}: {d.reason}")

    def _event(self, kind: str, text: str) -> None:
        self.events.append(MeterEvent(self.state.now, kind, text))

    def save(self) -> None:
        if self._save is not None:
            self._save(self.state)

    # -- the card slot ---------------------------------------------------------------------------

    def insert(self, connection: CardConnection) -> InsertResult:
        """A card put in the meter's slot: load its purchase if it is this meter's next one, and
        write the meter's state back. A refusal is a result, said on the card where it can be; a
        card torn away during the write-back raises ``CardRemovedError`` *after* the meter's memory
        was saved -- put it back and insert again."""
        s = self.state
        if self.service is None:
            raise MeterError(
                "This meter was started without the site's keys: it cannot read cards."
            )
        try:
            card = self.service.open(connection)
            protocol.check_not_rolled_back(card, s.counters)
        except (NoCardError, ReaderError):
            raise  # taken away while being read: nothing happened, put it back
        except CardError as exc:
            self.save()  # counters seen before the failure
            if isinstance(exc, ReplayError):
                self._say_old_copy(connection)
            return self._refused_unread(exc)
        state = card.state
        if state.role is not Role.METER:
            return self._refused_unread(
                WrongRoleError(f"This is a {state.role.name.lower()} card, not a meter card.")
            )
        check = protocol.check_purchase(state, s.meter_id, s.last_loaded_seq, s.last_loaded_amount)
        if check.refusal is not Refusal.OTHER_METER:  # another meter's card: that meter's to judge
            forged = protocol.newer_purchase_fails_mac(card)
            if forged is not None:
                check = protocol.refuse_bad_mac(state, forged)
        if check.outcome is Outcome.REFUSE and check.refusal is Refusal.OTHER_METER:
            record = protocol.refusal_for_foreign(state, check.refusal, s.now)
        else:
            if check.outcome is Outcome.LOAD:
                if check.seq != s.last_loaded_seq:
                    s.last_loaded_seq, s.last_loaded_amount = check.seq, 0
                s.last_loaded_amount += check.amount
                s.credit += check.amount
                self._event("load", f"{check.reason}: +{check.amount}, credit {s.credit}")
                self._follow_policy()  # reconnection when the credit allows it
            elif check.outcome is Outcome.REFUSE:
                self._event("refused", check.reason)
            record = protocol.state_record(
                reading=s.reading_wh,
                credit=s.credit,
                last_loaded_seq=s.last_loaded_seq,
                flags=self.flags(),
                refusal=check.refusal,
                time=s.now,
            )
        # the journal: the meter's own memory reaches storage before the card is touched
        self.save()
        plan = protocol.plan_write_back(card, record, s.counters)
        write = card.apply(plan)
        self.save()  # the card's new meter counter
        status = {
            Outcome.LOAD: InsertStatus.LOADED,
            Outcome.ALREADY_LOADED: InsertStatus.ALREADY_LOADED,
            Outcome.NO_PURCHASE: InsertStatus.NO_PURCHASE,
            Outcome.REFUSE: InsertStatus.REFUSED,
        }[check.outcome]
        return InsertResult(
            status,
            check.refusal,
            check.reason,
            loaded=check.amount if check.outcome is Outcome.LOAD else 0,
            seq=check.seq,
            credit=s.credit,
            record=write.plan.new,  # type: ignore[arg-type]
            write=write,
        )

    def _say_old_copy(self, connection: CardConnection) -> None:
        """An old copy of the card was restored onto it: write OLD_SEQUENCE into its meter record
        (above every counter this meter has seen for it), so any kiosk, even one that never saw
        this card, shows why the meter refused it. Nothing is loaded."""
        assert self.service is not None
        s = self.state
        blind = CardService(
            self.service.keys, s.site_id, MemoryCounterStore(), key_version=self.service.key_version
        )
        try:
            card = blind.open(connection)
            if card.state.role is not Role.METER or card.state.header.meter_id != s.meter_id:
                return
            record = protocol.state_record(
                reading=s.reading_wh,
                credit=s.credit,
                last_loaded_seq=s.last_loaded_seq,
                flags=self.flags(),
                refusal=Refusal.OLD_SEQUENCE,
                time=s.now,
            )
            card.apply(protocol.plan_write_back(card, record, s.counters))
            self.save()
        except CardError as exc:  # best effort: the refusal stands whether or not it is written
            self._event("refused", f"could not write the refusal on the card: {exc.message}")

    def _refused_unread(self, exc: CardError) -> InsertResult:
        refusal = (
            Refusal.OLD_SEQUENCE
            if isinstance(exc, ReplayError)
            else Refusal.BAD_MAC
            if isinstance(exc, TamperedError) and not isinstance(exc, ForeignCardError)
            else Refusal.NONE
        )
        self._event("refused", f"card refused: {exc.message}")
        return InsertResult(
            InsertStatus.REFUSED, refusal, exc.message, credit=self.state.credit, error=exc
        )


__all__ = ["CostFn", "InsertResult", "InsertStatus", "MeterEvent", "VirtualCardMeter"]
