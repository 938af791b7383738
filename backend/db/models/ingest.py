"""What the kiosks pushed: every message as received (stored once per kiosk and seq), and the
tables the applied messages are projected into for the dashboard -- orders, ledger entries, card
writes, audit entries, meter states and relay commands -- plus the notices sent about them.

A kiosk's own row ids are only unique on that kiosk -- and not even there over time: a kiosk
restored from a backup hands out the ids of the rows it lost again. So every projected row is keyed
by (kiosk_id, local_id, born_at), ``born_at`` being the row's creation time on the kiosk, which a
reused id never repeats. There are no foreign keys between projections: each message is a snapshot
that stands on its own.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, BigInteger, Boolean, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from backend.db.base import Base, UTCDateTime, utcnow


class SyncMessage(Base):
    """A pushed message. ``applied_at`` is empty while it is held beyond a gap in the kiosk's seq
    (an out-of-order delivery): it is applied when the missing ones arrive."""

    __tablename__ = "sync_messages"
    __table_args__ = (
        UniqueConstraint("kiosk_id", "seq"),
        UniqueConstraint("kiosk_id", "idempotency_key"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kiosk_id: Mapped[str] = mapped_column(String(64))
    seq: Mapped[int] = mapped_column(BigInteger)
    idempotency_key: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(32))
    payload: Mapped[dict] = mapped_column(JSON)
    #: SHA-256 of the canonical JSON of kind and payload: "the same message" means this is equal
    payload_hash: Mapped[str] = mapped_column(String(64))
    received_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    applied_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)


class _Projected:
    """Where a projected row came from."""

    kiosk_id: Mapped[str] = mapped_column(String(64))
    local_id: Mapped[int] = mapped_column(BigInteger)
    #: when the kiosk created the row: with the local id, what identifies it (see above)
    born_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    #: the seq of the message that last changed it
    seq: Mapped[int] = mapped_column(BigInteger)


class OrderRecord(_Projected, Base):
    __tablename__ = "orders"
    __table_args__ = (
        UniqueConstraint("kiosk_id", "local_id", "born_at"),
        Index("ix_orders_tenant_created", "tenant_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    out_trade_no: Mapped[str] = mapped_column(String(64), index=True)
    card_uid: Mapped[str] = mapped_column(String(64), index=True)
    tenant_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    state: Mapped[str] = mapped_column(String(20))
    amount: Mapped[int] = mapped_column(BigInteger)  # minor units
    currency: Mapped[int] = mapped_column(Integer)
    method: Mapped[str] = mapped_column(String(32))
    paid_amount: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    paid_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    #: the order as the kiosk holds it, items included
    snapshot: Mapped[dict] = mapped_column(JSON)


class LedgerRecord(_Projected, Base):
    """A kiosk's ledger entry with its account spelled out (kind, tenant, currency, name)."""

    __tablename__ = "ledger_entries"
    __table_args__ = (
        UniqueConstraint("kiosk_id", "local_id", "born_at"),
        Index("ix_ledger_entries_tenant_account", "tenant_id", "account_kind", "currency"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    txn: Mapped[str] = mapped_column(String(36), index=True)
    account_kind: Mapped[str] = mapped_column(String(16))
    account_name: Mapped[str] = mapped_column(String(64), default="")
    tenant_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    currency: Mapped[int] = mapped_column(Integer)
    amount: Mapped[int] = mapped_column(BigInteger)  # minor units, signed
    kind: Mapped[str] = mapped_column(String(16))
    order_local_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    memo: Mapped[str] = mapped_column(String(255), default="")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, index=True)


class CardWriteRecord(_Projected, Base):
    __tablename__ = "card_writes"
    __table_args__ = (UniqueConstraint("kiosk_id", "local_id", "born_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    order_local_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    uid: Mapped[str] = mapped_column(String(64), index=True)
    amount: Mapped[int] = mapped_column(BigInteger)
    status: Mapped[str] = mapped_column(String(16))
    new_counter: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    settled_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    #: the journal row as the kiosk holds it (its plan lets any kiosk judge the write)
    snapshot: Mapped[dict] = mapped_column(JSON)


class AuditRecord(_Projected, Base):
    __tablename__ = "audit_entries"
    __table_args__ = (UniqueConstraint("kiosk_id", "local_id", "born_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, index=True)
    actor: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(64))
    subject: Mapped[str] = mapped_column(String(128), default="")
    detail: Mapped[dict] = mapped_column(JSON)


class MeterStateRecord(_Projected, Base):
    """A state record a card meter wrote back on its card, as a kiosk read it."""

    __tablename__ = "meter_states"
    __table_args__ = (
        UniqueConstraint("kiosk_id", "local_id", "born_at"),
        Index("ix_meter_states_meter_at", "meter_id", "at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    card_uid: Mapped[str] = mapped_column(String(64))
    meter_id: Mapped[int] = mapped_column(BigInteger)
    meter_counter: Mapped[int] = mapped_column(BigInteger)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    reading: Mapped[int] = mapped_column(BigInteger)  # Wh or litres
    credit: Mapped[int] = mapped_column(BigInteger)  # minor units, negative in emergency credit
    loaded_seq: Mapped[int] = mapped_column(BigInteger)


class RelayRecord(_Projected, Base):
    __tablename__ = "relay_commands"
    __table_args__ = (UniqueConstraint("kiosk_id", "local_id", "born_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    meter_id: Mapped[int] = mapped_column(BigInteger, index=True)
    closed: Mapped[bool] = mapped_column(Boolean)  # True: supply on
    reason: Mapped[str] = mapped_column(String(255))
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    confirmed: Mapped[bool] = mapped_column(Boolean, default=False)
    error: Mapped[str] = mapped_column(String(255), default="")


class NoticeRecord(Base):
    """A notice (low credit, disconnection…) raised from an ingested message, and whether the
    notifier delivered it. Recorded with the message, so a notice is raised once."""

    __tablename__ = "notices"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    kind: Mapped[str] = mapped_column(String(32))
    tenant_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True, index=True)
    meter: Mapped[str] = mapped_column(String(100))
    message: Mapped[str] = mapped_column(String(500))
    detail: Mapped[dict] = mapped_column(JSON)
    kiosk_id: Mapped[str] = mapped_column(String(64))
    seq: Mapped[int] = mapped_column(BigInteger)
    delivered: Mapped[bool] = mapped_column(Boolean, default=False)
    error: Mapped[str] = mapped_column(String(255), default="")
