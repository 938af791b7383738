"""The host's memory of each card's counters, in the kiosk's database (cardlib's CounterStore).

A card whose counter is lower than remembered holds a restored old copy and is refused. The
counter only goes up here too: a lower value never overwrites a higher one.
"""

from __future__ import annotations

from sqlalchemy import select

from kiosk.db import Database
from kiosk.db.base import utcnow
from kiosk.db.models import CardCounter


class DbCounterStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    def get(self, uid: bytes, kind: str) -> int | None:
        with self.db.session() as s:
            return s.scalar(
                select(CardCounter.counter).where(
                    CardCounter.uid == uid.hex(), CardCounter.kind == kind
                )
            )

    def put(self, uid: bytes, kind: str, counter: int) -> None:
        with self.db.session() as s:
            row = s.scalar(
                select(CardCounter).where(CardCounter.uid == uid.hex(), CardCounter.kind == kind)
            )
            if row is None:
                s.add(CardCounter(uid=uid.hex(), kind=kind, counter=counter))
            elif counter > row.counter:
                row.counter = counter
                row.updated_at = utcnow()
