"""The transactional outbox (DESIGN.md §8): every change the backend must hear about becomes an
outbox row in the very transaction that makes the change, so a change is never committed without
its message nor a message without its change.

One mechanism instead of an edit at every call site: :class:`OutboxWriter` listens to the sessions
of a :class:`kiosk.db.Database` opened with a kiosk id. After each flush it notes which reported
rows were inserted or changed (orders with their items and transitions, ledger entries, card-write
journal rows, audit entries, meter states read from cards, relay commands, cards issued, blocked or
replaced here, tenants and meters created here); just before the transaction commits it reads each
noted row back as committed state, and inserts one message per row with the next per-kiosk
sequence numbers, taken from a counter row under the same transaction. A transaction that rolls
back writes nothing.

Cards, tenants and meters are also reference data the kiosk pulls from the backend: what
:mod:`kiosk.sync_apply` writes inside :func:`applying_backend_data` is the backend's own and is not
reported back. What a message refers to goes out first: a card issued for a tenant and meter
created with it is reported after them (:data:`SOURCE_TABLE` gives the order).

Rows are found by table name, so a table this module reports need not exist in every schema (a
table that is missing is simply never touched).
"""

from __future__ import annotations

import datetime as dt
import decimal
import enum
import logging
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Table, event, func, insert, select, update
from sqlalchemy.orm import Session, sessionmaker

from kiosk.db.base import Base, utcnow
from kiosk.db.models import CardStatus, OutboxCounter, OutboxMessage, ReplacementStatus
from kiosk.sync_protocol import MessageKind

log = logging.getLogger(__name__)

K = MessageKind

#: session.info key: {(kind, subject id): None} in the order first seen, for this transaction
_TOUCHED = "kiosk.outbox.touched"
#: session.info key: True while reference data pulled from the backend is being applied
_FROM_BACKEND = "kiosk.outbox.from_backend"


@dataclass(frozen=True)
class Tracked:
    """A table whose changes are reported: the kind of message, and which attribute of its row
    names the subject (an order's items and events report the order)."""

    kind: MessageKind
    subject: str = "id"
    #: the table also holds reference data pulled from the backend: rows written while a pull is
    #: applied are the backend's own, and reporting them back would echo every change forever
    reference: bool = False


#: table name -> how its changes are reported
TRACKED: dict[str, Tracked] = {
    "orders": Tracked(K.ORDER),
    "order_items": Tracked(K.ORDER, "order_id"),
    "order_events": Tracked(K.ORDER, "order_id"),
    "ledger_entries": Tracked(K.LEDGER_ENTRY),
    "card_writes": Tracked(K.CARD_WRITE),
    "audit_log": Tracked(K.AUDIT_ENTRY),
    "meter_samples": Tracked(K.METER_STATE),
    "relay_commands": Tracked(K.RELAY_COMMAND),
    # staff issuing a card for a tenant or meter the kiosk has not heard of create them here
    "tenants": Tracked(K.TENANT, reference=True),
    "meters": Tracked(K.METER, reference=True),
    "cards": Tracked(K.CARD, "uid", reference=True),
    # a replacement learns its new card after the old card was blocked: the old card's report
    # then names it
    "card_replacements": Tracked(K.CARD, "old_uid"),
}

#: where each kind's row lives; the messages of one transaction go out in this order: what a
#: message refers to before it (a card's tenant and meter before the card), the order before the
#: money and the card
SOURCE_TABLE = {
    K.TENANT: "tenants",
    K.METER: "meters",
    K.ORDER: "orders",
    K.LEDGER_ENTRY: "ledger_entries",
    K.CARD_WRITE: "card_writes",
    K.CARD: "cards",
    K.AUDIT_ENTRY: "audit_log",
    K.METER_STATE: "meter_samples",
    K.RELAY_COMMAND: "relay_commands",
}

#: the column of each kind's row that the subject names (else "id")
SOURCE_KEY = {K.CARD: "uid"}

#: the rank of each kind in a transaction's messages (see SOURCE_TABLE)
_KIND_ORDER = {kind: n for n, kind in enumerate(SOURCE_TABLE)}


class OutboxWriter:
    """Writes outbox rows for one kiosk id in the transactions of a session factory."""

    def __init__(self, kiosk_id: str) -> None:
        if not kiosk_id:
            raise ValueError("the outbox needs the kiosk id (config [kiosk] id)")
        self.kiosk_id = kiosk_id

    def attach(self, sessions: sessionmaker[Session]) -> None:
        event.listen(sessions, "after_flush", self._after_flush)
        event.listen(sessions, "before_commit", self._before_commit)
        event.listen(sessions, "after_soft_rollback", self._after_soft_rollback)

    # -- events ------------------------------------------------------------------------------------

    def _after_flush(self, session: Session, _context: Any) -> None:
        touched: dict[tuple[MessageKind, Any], None] = session.info.setdefault(_TOUCHED, {})
        from_backend = bool(session.info.get(_FROM_BACKEND))
        for obj in (*session.new, *session.dirty):
            tracked = TRACKED.get(getattr(obj, "__tablename__", ""))
            if tracked is None or (tracked.reference and from_backend):
                continue
            if obj not in session.new and not session.is_modified(obj, include_collections=False):
                continue
            subject = getattr(obj, tracked.subject, None)
            if subject is not None:
                touched.setdefault((tracked.kind, subject), None)

    def _before_commit(self, session: Session) -> None:
        if session.in_nested_transaction():
            return  # a savepoint: the outer transaction writes the messages
        if session.new or session.dirty or session.deleted:
            session.flush()  # so that every change is noted before the messages are written
        touched = session.info.pop(_TOUCHED, None)
        if not touched:
            return
        connection = session.connection()
        subjects = sorted(touched, key=lambda key: (_KIND_ORDER[key[0]], key[1]))
        messages = [
            (kind, payload)
            for kind, subject in subjects
            if (payload := snapshot(connection, kind, subject)) is not None
        ]
        if messages:
            self._write(connection, messages)

    def _after_soft_rollback(self, session: Session, previous: Any) -> None:
        if previous.parent is None:  # the whole transaction, not a savepoint, was rolled back
            session.info.pop(_TOUCHED, None)

    # -- writing -----------------------------------------------------------------------------------

    def _write(self, connection: Connection, messages: list[tuple[MessageKind, dict]]) -> None:
        first = take_seqs(connection, self.kiosk_id, len(messages))
        now = utcnow()
        connection.execute(
            insert(_table("outbox")),
            [
                {
                    "kiosk_id": self.kiosk_id,
                    "seq": first + n,
                    "idempotency_key": str(uuid.uuid4()),
                    "kind": kind.value,
                    "payload": payload,
                    "created_at": now,
                    "sent_at": None,
                }
                for n, (kind, payload) in enumerate(messages)
            ],
        )


@contextmanager
def applying_backend_data(session: Session) -> Iterator[None]:
    """Changes to reference tables (tenants, meters, cards) flushed inside the block came from the
    backend (a pull) and are not reported: sent back, each would come round again as a kiosk's
    change. The block flushes before it ends, so nothing it changed is flushed after the flag is
    gone."""
    before = session.info.get(_FROM_BACKEND, False)
    session.info[_FROM_BACKEND] = True
    try:
        yield
        session.flush()
    finally:
        session.info[_FROM_BACKEND] = before


def take_seqs(connection: Connection, kiosk_id: str, count: int) -> int:
    """Reserve ``count`` sequence numbers for ``kiosk_id`` in the caller's transaction; return the
    first. The counter row is locked until commit, so numbers are committed in order too."""
    counters = _table("outbox_counters")
    bump = (
        update(counters)
        .where(counters.c.kiosk_id == kiosk_id)
        .values(last_seq=counters.c.last_seq + count)
    )
    if connection.execute(bump).rowcount == 0:  # type: ignore[attr-defined]
        outbox = _table("outbox")
        start = connection.scalar(
            select(func.coalesce(func.max(outbox.c.seq), 0)).where(outbox.c.kiosk_id == kiosk_id)
        )
        connection.execute(_insert_missing(connection, counters, kiosk_id, int(start or 0)))
        connection.execute(bump)
    last = connection.scalar(select(counters.c.last_seq).where(counters.c.kiosk_id == kiosk_id))
    return int(last or 0) - count + 1


def _insert_missing(connection: Connection, counters: Table, kiosk_id: str, start: int) -> Any:
    """INSERT the counter row unless another transaction just did (PostgreSQL: no error)."""
    values = {"kiosk_id": kiosk_id, "last_seq": start}
    dialect = connection.dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        return pg_insert(counters).values(values).on_conflict_do_nothing()
    if dialect == "sqlite":
        from sqlalchemy.dialects.sqlite import insert as sqlite_insert

        return sqlite_insert(counters).values(values).on_conflict_do_nothing()
    return insert(counters).values(values)


# -- snapshots -------------------------------------------------------------------------------------


def snapshot(connection: Connection, kind: MessageKind, subject: Any) -> dict | None:
    """The payload of a message about ``subject``: its row as committed now, as JSON data; None when
    the row is gone (a savepoint that inserted it was rolled back)."""
    table = _table(SOURCE_TABLE[kind])
    key = table.c[SOURCE_KEY.get(kind, "id")]
    row = connection.execute(select(table).where(key == subject)).mappings().first()
    if row is None:
        return None
    payload = jsonable(row)
    if kind is K.ORDER:
        items = _table("order_items")
        payload["items"] = [
            jsonable(item)
            for item in connection.execute(
                select(items).where(items.c.order_id == subject).order_by(items.c.id)
            ).mappings()
        ]
    elif kind is K.LEDGER_ENTRY:
        # account ids are this kiosk's own: the backend needs what the account *is*
        accounts = _table("accounts")
        account = (
            connection.execute(
                select(
                    accounts.c.kind, accounts.c.tenant_id, accounts.c.currency, accounts.c.name
                ).where(accounts.c.id == row["account_id"])
            )
            .mappings()
            .one()
        )
        payload["account"] = jsonable(account)
    elif kind is K.CARD:
        payload.update(_card_context(connection, row["uid"], row["status"]))
    return payload


def _card_context(connection: Connection, uid: str, status: Any) -> dict[str, Any]:
    """What the backend needs besides the card row: whether the card is the new card of a
    replacement not finished yet (held blocked until the carried value is on it -- not a block
    to keep), the card that replaced it, and why staff blocked it."""
    held, replaced_by, reason = False, None, ""
    replacements = Base.metadata.tables.get("card_replacements")
    if replacements is not None:
        held = (
            connection.scalar(
                select(replacements.c.id).where(
                    replacements.c.new_uid == uid,
                    replacements.c.status == ReplacementStatus.STARTED,
                )
            )
            is not None
        )
        replaced = (
            connection.execute(
                select(replacements.c.new_uid, replacements.c.reason).where(
                    replacements.c.old_uid == uid
                )
            )
            .mappings()
            .first()
        )
        if replaced is not None:
            replaced_by, reason = replaced["new_uid"], replaced["reason"]
    if jsonable(status) == CardStatus.BLACKLISTED.value and not held:
        audit = _table("audit_log")
        detail = connection.scalar(
            select(audit.c.detail)
            .where(audit.c.subject == uid, audit.c.action == "card_blocked")
            .order_by(audit.c.id.desc())
            .limit(1)
        )
        if isinstance(detail, Mapping):
            reason = str(detail.get("reason", ""))
    return {"held_for_replacement": held, "replaced_by": replaced_by, "reason": reason[:200]}


def jsonable(value: Any) -> Any:
    """Database values as JSON data: aware datetimes and dates in ISO 8601, enums by value."""
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if isinstance(value, dt.datetime):
        return (value if value.tzinfo else value.replace(tzinfo=dt.UTC)).isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, bytes):
        return value.hex()
    return value


def _table(name: str) -> Table:
    return Base.metadata.tables[name]


# -- reading the outbox (the sync client) ----------------------------------------------------------


@dataclass(frozen=True)
class Backlog:
    """What is waiting to be sent: a technician's first question when sync looks stuck."""

    unsent: int
    oldest_unsent_at: dt.datetime | None
    last_seq: int
    last_sent_seq: int


def pending(session: Session, kiosk_id: str, limit: int) -> list[OutboxMessage]:
    """The oldest unsent messages of ``kiosk_id``, in sequence order."""
    return list(
        session.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.kiosk_id == kiosk_id, OutboxMessage.sent_at.is_(None))
            .order_by(OutboxMessage.seq)
            .limit(limit)
        )
    )


def mark_sent(session: Session, kiosk_id: str, up_to_seq: int, at: dt.datetime) -> int:
    """Mark every unsent message up to ``up_to_seq`` sent (the backend holds them); return how
    many."""
    result = session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.kiosk_id == kiosk_id,
            OutboxMessage.seq <= up_to_seq,
            OutboxMessage.sent_at.is_(None),
        )
        .values(sent_at=at)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


def continue_after(session: Session, kiosk_id: str, seq: int) -> None:
    """Make the next sequence number at least ``seq + 1`` (a kiosk restored from a backup learns
    from the backend which numbers it already used)."""
    counter = session.get(OutboxCounter, kiosk_id)
    if counter is None:
        session.add(OutboxCounter(kiosk_id=kiosk_id, last_seq=seq))
    elif counter.last_seq < seq:
        log.warning(
            "outbox of %s continues after seq %s (the backend has it; was %s): restored backup?",
            kiosk_id,
            seq,
            counter.last_seq,
        )
        counter.last_seq = seq


def backlog(session: Session, kiosk_id: str) -> Backlog:
    unsent = OutboxMessage.kiosk_id == kiosk_id, OutboxMessage.sent_at.is_(None)
    count, oldest = session.execute(
        select(func.count(), func.min(OutboxMessage.created_at)).where(*unsent)
    ).one()
    sent = session.scalar(
        select(func.max(OutboxMessage.seq)).where(
            OutboxMessage.kiosk_id == kiosk_id, OutboxMessage.sent_at.is_not(None)
        )
    )
    counter = session.get(OutboxCounter, kiosk_id)
    return Backlog(
        unsent=int(count),
        oldest_unsent_at=oldest,
        last_seq=counter.last_seq if counter else 0,
        last_sent_seq=int(sent or 0),
    )


def iter_messages(session: Session, kiosk_id: str) -> Iterator[OutboxMessage]:
    """Every message of ``kiosk_id`` in sequence order (tests and the status command)."""
    yield from session.scalars(
        select(OutboxMessage).where(OutboxMessage.kiosk_id == kiosk_id).order_by(OutboxMessage.seq)
    )
