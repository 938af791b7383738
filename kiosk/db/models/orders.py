"""Top-up orders, their items and transitions, payment notifications seen, and receipts."""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import JSON, Enum, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from kiosk.db.base import Base, UTCDateTime, utcnow
from kiosk.topup.states import OrderState


class ItemKind(enum.Enum):
    CARD_CREDIT = "card_credit"  # onto the card tapped: a meter purchase or card stored value
    WALLET_LOAD = "wallet_load"  # onto the tenant's account wallet
    FEE = "fee"  # the tariff's service fee per top-up: the site's revenue
    DEBT_RECOVERY = "debt_recovery"  # the share of the top-up that pays down the tenant's debt


class Order(Base):
    __tablename__ = "orders"
    #: a tenant's latest orders, the account screen's list (10.9 -> 0.5 ms at 250,000 orders)
    __table_args__ = (Index("ix_orders_tenant_created", "tenant_id", "created_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    out_trade_no: Mapped[str] = mapped_column(String(64), unique=True)
    idempotency_key: Mapped[str] = mapped_column(String(64), unique=True)
    kiosk_id: Mapped[str] = mapped_column(String(64))
    card_uid: Mapped[str] = mapped_column(String(64), index=True)
    card_serial: Mapped[int | None] = mapped_column(Integer, nullable=True)  # printed on the card
    #: the tenant id the card carries; not a foreign key: an offline kiosk may serve a card whose
    #: tenant it has not synced yet, and must not refuse the tenant for that
    tenant_id: Mapped[int | None] = mapped_column(Integer, nullable=True, index=True)
    state: Mapped[OrderState] = mapped_column(Enum(OrderState, native_enum=False, length=20))
    amount: Mapped[int] = mapped_column(Integer)  # minor units to pay
    currency: Mapped[int] = mapped_column(Integer)
    method: Mapped[str] = mapped_column(String(32))  # payment provider name, or "cash", "staff"
    provider_ref: Mapped[str | None] = mapped_column(String(128), nullable=True)
    qr_payload: Mapped[str | None] = mapped_column(Text, nullable=True)
    expires_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    paid_amount: Mapped[int | None] = mapped_column(Integer, nullable=True)
    paid_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    tariff_code: Mapped[str | None] = mapped_column(String(64), nullable=True)
    tariff_version: Mapped[int | None] = mapped_column(Integer, nullable=True)
    #: the tariff's content digest: two different tariffs published under one version show
    tariff_digest: Mapped[str | None] = mapped_column(String(64), nullable=True)
    #: staff id and reason for a credit without payment (audited)
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"), nullable=True)
    reason: Mapped[str] = mapped_column(String(255), default="")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    items: Mapped[list[OrderItem]] = relationship(
        back_populates="order", order_by="OrderItem.id", lazy="selectin"
    )


class OrderItem(Base):
    __tablename__ = "order_items"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"), index=True)
    kind: Mapped[ItemKind] = mapped_column(Enum(ItemKind, native_enum=False, length=16))
    amount: Mapped[int] = mapped_column(Integer)
    description: Mapped[str] = mapped_column(String(200), default="")
    #: what the tariff said the amount buys (Wh or litres), for the receipt
    units: Mapped[int | None] = mapped_column(Integer, nullable=True)

    order: Mapped[Order] = relationship(back_populates="items")


class OrderEvent(Base):
    """Every transition, in order: the journal of an order's life."""

    __tablename__ = "order_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"), index=True)
    from_state: Mapped[str | None] = mapped_column(String(20), nullable=True)
    to_state: Mapped[str] = mapped_column(String(20))
    detail: Mapped[str] = mapped_column(String(255), default="")
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class PaymentEvent(Base):
    """Each provider notification or poll result seen: a duplicate event id is counted once."""

    __tablename__ = "payment_events"
    __table_args__ = (UniqueConstraint("provider", "event_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    provider: Mapped[str] = mapped_column(String(32))
    event_id: Mapped[str] = mapped_column(String(128))
    out_trade_no: Mapped[str] = mapped_column(String(64), index=True)
    status: Mapped[str] = mapped_column(String(16))
    outcome: Mapped[str] = mapped_column(String(255), default="")
    received_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class ReceiptRecord(Base):
    __tablename__ = "receipts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"), unique=True)
    number: Mapped[str] = mapped_column(String(32), unique=True)
    body: Mapped[dict] = mapped_column(JSON)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
