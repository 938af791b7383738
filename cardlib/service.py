"""The card service: what the kiosk, the meters and the command line do with a prepaid card.

Read and verify a card, personalise a blank one, credit, debit, write a meter purchase, and write
or read the meter's state record. Every write is first *planned* -- the old and the new record, and
the slot -- so the caller can journal it before the card is touched, and then *applied*. After a
tear, :meth:`PurseCard.finish` takes the same plan and completes it or reports it already done:
the card holds either the plan's old record or its new one, never anything else.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, replace

from cardlib.cardtype import CardType
from cardlib.crypto.keys import CardKeys, KeyRing
from cardlib.errors import (
    BlankCardError,
    CardError,
    ForeignCardError,
    InsufficientFundsError,
    TamperedError,
    TornWriteError,
    ValueLimitError,
    WrongRoleError,
)
from cardlib.purse import header as header_codec
from cardlib.purse import records, slots
from cardlib.purse.header import Header, Role, Utility
from cardlib.purse.medium import Medium, RawPurse, RecordKind, Slot, medium_for
from cardlib.purse.records import KioskRecord, MeterRecord
from cardlib.purse.slots import CounterStore, MemoryCounterStore
from cardlib.reader.base import CardConnection

KIOSK_COUNTER = "kiosk"
METER_COUNTER = "meter"


class IssueNotFinishedError(BlankCardError):
    code = "issue_not_finished"
    default_message = "Issuing this card did not finish. Please ask staff to issue it again."


class AlreadyIssuedError(CardError):
    code = "already_issued"
    default_message = "This card has already been issued."


class PlanMismatchError(CardError):
    """The card holds neither the old nor the new record of a journaled write."""

    code = "plan_mismatch"
    default_message = "The card has changed since this operation began. Please call staff."


@dataclass(frozen=True)
class Issue:
    """What staff choose when issuing a card."""

    role: Role
    card_serial: int
    tenant_id: int
    meter_id: int = 0
    utility: Utility = Utility.NONE
    currency: int = 156
    issue_date: dt.date | None = None


@dataclass(frozen=True)
class CardState:
    """A card as read and verified."""

    uid: bytes
    card_type: CardType
    header: Header
    kiosk: KioskRecord
    kiosk_slot: Slot
    meter: MeterRecord | None = None
    meter_slot: Slot | None = None
    #: why the meter state could not be used, when it could not (the top-up still works)
    meter_problem: str | None = None

    @property
    def role(self) -> Role:
        return self.header.role

    @property
    def pending_purchase(self) -> int:
        """Minor units bought at a kiosk that the meter has not loaded yet (meter cards)."""
        loaded = self.meter.last_loaded_seq if self.meter is not None else 0
        if self.kiosk.purchase_seq > loaded:
            return self.kiosk.value
        return 0


@dataclass(frozen=True)
class PlannedWrite:
    """One write, decided but not yet done: what the journal records before the card is touched."""

    uid: bytes
    kind: RecordKind
    slot: Slot
    old: KioskRecord | MeterRecord | None
    new: KioskRecord | MeterRecord
    data: bytes

    @property
    def old_counter(self) -> int | None:
        return None if self.old is None else self.old.counter

    @property
    def new_counter(self) -> int:
        return self.new.counter


@dataclass(frozen=True)
class WriteResult:
    plan: PlannedWrite
    #: False when the card already held the new record (a finished job found on a re-tap)
    written: bool
    commands: int


class CardService:
    """Card operations for one site, with its key ring and the host's memory of card counters."""

    def __init__(
        self,
        keys: KeyRing,
        site_id: int,
        counters: CounterStore | None = None,
        key_version: int | None = None,
        today: Callable[[], dt.date] = lambda: dt.datetime.now(dt.UTC).date(),
    ) -> None:
        self.keys = keys
        self.site_id = site_id
        self.counters: CounterStore = counters if counters is not None else MemoryCounterStore()
        self.key_version = key_version if key_version is not None else keys.latest_version
        self.today = today

    def card_keys(self, uid: bytes, key_version: int | None = None) -> CardKeys:
        version = self.key_version if key_version is None else key_version
        return self.keys.card_keys(version, uid, self.site_id)

    # -- reading -------------------------------------------------------------------------------

    def open(self, connection: CardConnection) -> PurseCard:
        """Read and verify the card on ``connection``; raise a CardError saying what is wrong."""
        return self._open(medium_for(connection), connection)

    def _open(self, medium: Medium, connection: CardConnection) -> PurseCard:
        # One medium per connection: its driver remembers the card's authentication state.
        header_raw, first_slot = medium.read_public()
        peeked = self._peek(header_raw, first_slot)
        if peeked.site_id != self.site_id and slots.is_empty(first_slot):
            # issuing writes slot A last: a header read before then proves nothing about its site
            raise IssueNotFinishedError()
        if peeked.site_id != self.site_id:
            raise ForeignCardError(
                f"This card belongs to another building (site {peeked.site_id}); "
                f"this kiosk serves site {self.site_id}."
            )
        keys = self.card_keys(medium.uid, peeked.key_version)
        raw = medium.read_all(keys, meter=peeked.role is Role.METER)
        state = self._verify(medium, raw, keys, connection.card_type)
        return PurseCard(self, medium, keys, state, connection)

    @staticmethod
    def _peek(header_raw: bytes, first_slot: bytes) -> Header:
        """The header's claims, before any MAC: blank, unfinished and damaged cards end here."""
        if header_codec.is_empty(header_raw) and slots.is_empty(first_slot):
            raise BlankCardError()
        try:
            return header_codec.peek(header_raw)
        except BlankCardError:
            # No magic. Issuing writes the magic and then slot A last: with slot A empty the issue
            # was cut short; with slot A written the header was damaged afterwards.
            if slots.is_empty(first_slot):
                raise IssueNotFinishedError() from None
            raise TamperedError("The card's header is damaged. Please call staff.") from None

    def read(self, connection: CardConnection) -> CardState:
        return self.open(connection).state

    def _verify(
        self, medium: Medium, raw: RawPurse, keys: CardKeys, card_type: CardType
    ) -> CardState:
        kiosk_pick = None
        try:
            header = header_codec.decode(raw.header, raw.uid, keys.mac_key)
        except TamperedError:
            if all(slots.is_empty(s) for s in raw.kiosk):
                raise IssueNotFinishedError() from None
            raise
        try:
            kiosk_pick = slots.pick(
                raw.kiosk, lambda b: records.decode_kiosk(b, raw.uid, raw.header, keys.mac_key)
            )
        except TornWriteError:
            kiosk_pick = None
        if kiosk_pick is None:
            # Every kiosk write goes to the slot *not* holding the newest record, so an issued card
            # always keeps one valid record: none at all means issuing never completed.
            raise IssueNotFinishedError()
        kiosk_slot, kiosk = Slot(kiosk_pick.slot), kiosk_pick.record
        self._check_counter(raw.uid, KIOSK_COUNTER, kiosk.counter)

        meter = meter_slot = problem = None
        if header.role is Role.METER:
            meter_key = self.keys.meter_key(header.key_version, header.meter_id, self.site_id)
            try:
                meter_pick = slots.pick(
                    raw.meter, lambda b: records.decode_meter(b, raw.uid, raw.header, meter_key)
                )
                if meter_pick is not None:
                    meter, meter_slot = meter_pick.record, Slot(meter_pick.slot)
                    self._check_counter(raw.uid, METER_COUNTER, meter.counter)
            except CardError as exc:
                meter, meter_slot, problem = None, None, exc.message
        self.counters.put(raw.uid, KIOSK_COUNTER, kiosk.counter)
        if meter is not None:
            self.counters.put(raw.uid, METER_COUNTER, meter.counter)
        return CardState(raw.uid, card_type, header, kiosk, kiosk_slot, meter, meter_slot, problem)

    def _check_counter(self, uid: bytes, kind: str, counter: int) -> None:
        slots.check_counter(counter, self.counters.get(uid, kind))

    # -- issuing -------------------------------------------------------------------------------

    def personalise(self, connection: CardConnection, issue: Issue) -> CardState:
        """Issue a blank card (or finish an interrupted issue); return the new card's state."""
        medium = medium_for(connection)
        assign = getattr(medium, "assign_uid", None)
        uid = assign() if assign is not None else medium.uid
        header_raw, first_slot = medium.read_public()
        if not (header_codec.is_empty(header_raw) and slots.is_empty(first_slot)):
            try:
                self._open(medium, connection)
            except BlankCardError:  # blank, or an issue that did not finish: carry on
                pass
            else:
                raise AlreadyIssuedError()
        if issue.role is Role.METER and not issue.meter_id:
            raise WrongRoleError("A meter card needs the meter it is bound to.")
        keys = self.card_keys(uid)
        header = Header(
            role=issue.role,
            site_id=self.site_id,
            card_serial=issue.card_serial,
            tenant_id=issue.tenant_id,
            meter_id=issue.meter_id if issue.role is Role.METER else 0,
            utility=issue.utility if issue.role is Role.METER else Utility.NONE,
            key_version=self.key_version,
            currency=issue.currency,
            issue_date=issue.issue_date or self.today(),
        )
        header_raw = header_codec.encode(header, uid, keys.mac_key)
        first = KioskRecord(counter=0, value=0, purchase_seq=0)
        first_raw = records.encode_kiosk(first, uid, header_raw, keys.mac_key)
        medium.personalise(keys, header_raw, first_raw)
        self.counters.put(uid, KIOSK_COUNTER, 0)
        return self._open(medium, connection).state


class PurseCard:
    """A verified card on the reader: plan and apply writes to it."""

    def __init__(
        self,
        service: CardService,
        medium: Medium,
        keys: CardKeys,
        state: CardState,
        connection: CardConnection,
    ) -> None:
        self.service = service
        self.medium = medium
        self.keys = keys
        self.state = state
        self.connection = connection

    # -- planning ------------------------------------------------------------------------------

    def plan_kiosk(self, new: KioskRecord) -> PlannedWrite:
        st = self.state
        data = records.encode_kiosk(new, st.uid, self._header_raw(), self.keys.mac_key)
        return PlannedWrite(st.uid, RecordKind.KIOSK, st.kiosk_slot.other, st.kiosk, new, data)

    def plan_credit(self, amount: int) -> PlannedWrite:
        """Add ``amount`` minor units: stored value on a wallet card, a purchase on a meter card."""
        if amount <= 0:
            raise ValueLimitError("A credit must be a positive amount.")
        if self.state.role is Role.METER:
            return self.plan_purchase(amount)
        self._require(Role.WALLET)
        k = self.state.kiosk
        return self.plan_kiosk(replace(k, counter=k.counter + 1, value=k.value + amount))

    def plan_debit(self, amount: int) -> PlannedWrite:
        self._require(Role.WALLET)
        if amount <= 0:
            raise ValueLimitError("A debit must be a positive amount.")
        k = self.state.kiosk
        if k.value < amount:
            raise InsufficientFundsError(
                f"Not enough credit on the card: it holds {k.value}, the charge is {amount}."
            )
        return self.plan_kiosk(replace(k, counter=k.counter + 1, value=k.value - amount))

    def plan_purchase(self, amount: int) -> PlannedWrite:
        """A meter purchase. If the card still carries one the meter has not loaded, the amount is
        merged into it (same sequence number) rather than refused: the tenant keeps one purchase to
        carry to the meter."""
        self._require(Role.METER)
        if amount <= 0:
            raise ValueLimitError("A purchase must be a positive amount.")
        k = self.state.kiosk
        if self.state.pending_purchase:
            new = replace(k, counter=k.counter + 1, value=k.value + amount)
        else:
            new = replace(k, counter=k.counter + 1, value=amount, purchase_seq=k.purchase_seq + 1)
        return self.plan_kiosk(new)

    def plan_meter_state(self, record: MeterRecord) -> PlannedWrite:
        """What a card meter writes back (used by meters/)."""
        self._require(Role.METER)
        st = self.state
        key = self.service.keys.meter_key(
            st.header.key_version, st.header.meter_id, self.service.site_id
        )
        old = st.meter
        record = replace(record, counter=(old.counter + 1) if old is not None else 1)
        data = records.encode_meter(record, st.uid, self._header_raw(), key)
        slot = st.meter_slot.other if st.meter_slot is not None else Slot.A
        return PlannedWrite(st.uid, RecordKind.METER, slot, old, record, data)

    # -- doing ---------------------------------------------------------------------------------

    def apply(self, plan: PlannedWrite) -> WriteResult:
        """Write a planned record. The card must still hold the plan's old record."""
        current = self._current(plan.kind)
        if current != plan.old:
            raise PlanMismatchError()
        before = self.connection.commands
        self.medium.write_record(self.keys, plan.kind, plan.slot, plan.data)
        self._adopt(plan)
        return WriteResult(plan, True, self.connection.commands - before)

    def finish(self, plan: PlannedWrite) -> WriteResult:
        """Complete a journaled write after a tear or a crash: write it if the card still holds the
        old record, do nothing if it holds the new one, and refuse anything else."""
        current = self._current(plan.kind)
        if current == plan.new:
            return WriteResult(plan, False, 0)
        return self.apply(plan)

    def credit(self, amount: int) -> WriteResult:
        return self.apply(self.plan_credit(amount))

    def debit(self, amount: int) -> WriteResult:
        return self.apply(self.plan_debit(amount))

    def write_meter_state(self, record: MeterRecord) -> WriteResult:
        return self.apply(self.plan_meter_state(record))

    # -- internals -----------------------------------------------------------------------------

    def _current(self, kind: RecordKind) -> KioskRecord | MeterRecord | None:
        return self.state.kiosk if kind is RecordKind.KIOSK else self.state.meter

    def _adopt(self, plan: PlannedWrite) -> None:
        counters = self.service.counters
        if plan.kind is RecordKind.KIOSK:
            assert isinstance(plan.new, KioskRecord)
            self.state = replace(self.state, kiosk=plan.new, kiosk_slot=plan.slot)
            counters.put(plan.uid, KIOSK_COUNTER, plan.new.counter)
        else:
            assert isinstance(plan.new, MeterRecord)
            self.state = replace(
                self.state, meter=plan.new, meter_slot=plan.slot, meter_problem=None
            )
            counters.put(plan.uid, METER_COUNTER, plan.new.counter)

    def _header_raw(self) -> bytes:
        return header_codec.encode(self.state.header, self.state.uid, self.keys.mac_key)

    def _require(self, role: Role) -> None:
        if self.state.role is not role:
            raise WrongRoleError(
                f"This is a {self.state.role.name.lower()} card; the operation needs a "
                f"{role.name.lower()} card."
            )
