"""What the kiosk last knew a card held -- for replacing a lost card, whose content cannot be read.

The kiosk never stores what a card holds; it journals what it writes. The last known kiosk record
of a card is therefore the newest write this kiosk journaled for it:

- the newest COMMITTED card write; or, if a write's outcome was never learned (the card left
  mid-write and never came back), that write's new record, taken as made: the tenant paid for
  it, and whether it landed or not, the tenant is owed exactly what it would have written (its
  order is then delivered onto the replacement);
- with no write at all, the record the card was issued with (nothing on it).

It is *certain* only if no later record of the card was seen here: the host's counter memory
(card_counters) holding a higher counter means something else wrote the card afterwards -- a
service terminal spending from a wallet, another kiosk selling a meter purchase -- and what the
card held then is not known here. A write never settled that later writes overtook makes it
uncertain too: whether it landed cannot be told, so its order is not carried but left for staff.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from cardlib.purse.records import KioskRecord
from cardlib.service import KIOSK_COUNTER
from kiosk.admin.messages import Sentence, both, say
from kiosk.db.models import Card, CardCounter, CardWrite, WriteStatus


@dataclass(frozen=True)
class LastKnown:
    """The old card's kiosk record as last known here (see the module docstring)."""

    value: int
    purchase_seq: int
    counter: int
    as_of: dt.datetime | None
    #: where the record comes from
    basis: Sentence
    certain: bool
    #: why it is not certain (None when it is)
    said_warning: Sentence | None = None

    @property
    def source(self) -> str:
        """:attr:`basis` in English (the audit log's)."""
        return self.basis.text

    @property
    def warning(self) -> str:
        """:attr:`said_warning` in English ("" when certain)."""
        return "" if self.said_warning is None else self.said_warning.text


@dataclass(frozen=True)
class KnownCard:
    known: LastKnown
    #: the order of the in-doubt write taken as made (its credit is in ``known``)
    taken_as_made: int | None
    #: orders of older writes never settled: not carried, left for staff
    held: tuple[int, ...]


def last_known(s: Session, card: Card) -> KnownCard:
    """What the card last held as far as this kiosk knows (see the module docstring)."""
    uid = card.uid
    committed = s.scalar(
        select(CardWrite)
        .where(
            CardWrite.uid == uid,
            CardWrite.kind == "kiosk",
            CardWrite.status == WriteStatus.COMMITTED,
        )
        .order_by(CardWrite.new_counter.desc(), CardWrite.id.desc())
        .limit(1)
    )
    if committed is not None:
        record = KioskRecord(**committed.plan["new"])
        as_of = committed.settled_at or committed.created_at
        source = say("basis_last_write", counter=record.counter)
    else:
        record, as_of = KioskRecord(0, 0, 0), card.issued_at
        source = say("basis_as_issued")
    pending = list(
        s.scalars(
            select(CardWrite)
            .where(CardWrite.uid == uid, CardWrite.status == WriteStatus.PENDING)
            .order_by(CardWrite.new_counter.desc(), CardWrite.id.desc())
        )
    )
    in_doubt_order = None
    warnings: list[Sentence] = []
    if pending and pending[0].new_counter > record.counter:
        top = pending.pop(0)
        record, as_of = KioskRecord(**top.plan["new"]), top.created_at
        in_doubt_order = top.order_id
        source = say("basis_in_doubt", counter=record.counter)
    # the others were overtaken by later writes: whether they landed cannot be told any more
    held = tuple(w.order_id for w in pending if w.order_id is not None)
    if pending:
        orders = ", ".join(str(o) for o in held) or say("word_none")
        warnings.append(say("warn_unsettled", n=len(pending), orders=orders))
    host = s.scalar(
        select(CardCounter.counter).where(CardCounter.uid == uid, CardCounter.kind == KIOSK_COUNTER)
    )
    if host is not None and host > record.counter:
        warnings.append(say("warn_written_after", host=host, counter=record.counter))
    known = LastKnown(
        value=record.value,
        purchase_seq=record.purchase_seq,
        counter=record.counter,
        as_of=as_of,
        basis=source,
        certain=not warnings,
        said_warning=both(warnings[0], warnings[1] if len(warnings) > 1 else None)
        if warnings
        else None,
    )
    return KnownCard(known, in_doubt_order, held)
