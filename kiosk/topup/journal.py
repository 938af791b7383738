"""The card-write journal: a planned write as a database row, committed before the card is touched,
and turned back into a plan when a later tap has to judge or finish it."""

from __future__ import annotations

from dataclasses import asdict

from cardlib.purse.records import KioskRecord
from cardlib.purse.slots import RecordKind, Slot
from cardlib.service import PlannedWrite
from kiosk.db.models import CardWrite, WriteStatus


def to_row(plan: PlannedWrite, amount: int, order_id: int | None) -> CardWrite:
    if plan.kind is not RecordKind.KIOSK:
        raise ValueError("the kiosk journals kiosk records only")
    return CardWrite(
        order_id=order_id,
        uid=plan.uid.hex(),
        kind=plan.kind.value,
        slot=int(plan.slot),
        old_counter=plan.old_counter,
        new_counter=plan.new_counter,
        amount=amount,
        plan={
            "old": asdict(plan.old) if plan.old is not None else None,
            "new": asdict(plan.new),
            "data": plan.data.hex(),
        },
        status=WriteStatus.PENDING,
    )


def to_plan(row: CardWrite) -> PlannedWrite:
    old = row.plan["old"]
    return PlannedWrite(
        uid=bytes.fromhex(row.uid),
        kind=RecordKind(row.kind),
        slot=Slot(row.slot),
        old=KioskRecord(**old) if old is not None else None,
        new=KioskRecord(**row.plan["new"]),
        data=bytes.fromhex(row.plan["data"]),
    )
