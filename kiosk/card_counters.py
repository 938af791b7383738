"""The host's memory of each card's counters, in the kiosk's database (cardlib's CounterStore).

A card whose counter is lower than remembered holds a restored old copy and is refused. The
counter only goes up here too: a lower value never overwrites a higher one.
"""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

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
        # One conditional UPDATE, so two writers can never let a lower counter overwrite a higher
        # one; the first sighting of a card inserts, and a writer that lost that race retries.
        for _attempt in range(2):
            try:
                with self.db.session() as s:
                    updated = s.execute(
                        update(CardCounter)
                        .where(
                            CardCounter.uid == uid.hex(),
                            CardCounter.kind == kind,
                            CardCounter.counter < counter,
                        )
                        .values(counter=counter, updated_at=utcnow())
                    ).rowcount  # type: ignore[attr-defined]
                    if updated:
                        return
                    exists = s.scalar(
                        select(CardCounter.id).where(
                            CardCounter.uid == uid.hex(), CardCounter.kind == kind
                        )
                    )
                    if exists is None:
                        s.add(CardCounter(uid=uid.hex(), kind=kind, counter=counter))
                return
            except IntegrityError:
                continue
