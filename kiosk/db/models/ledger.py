"""Accounts and ledger entries. Every change of value is a balanced set of entries with a reason;
balances are sums of entries; an entry is never changed or deleted."""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import BigInteger, Enum, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from kiosk.db.base import Base, UTCDateTime, utcnow


class AccountKind(enum.Enum):
    #: money the payment provider (or the cash box) holds for the site: debited when a tenant pays
    CLEARING = "clearing"
    #: a tenant's money paid and not yet delivered (on its way to a card, or CREDIT_PENDING)
    UNDELIVERED = "undelivered"
    #: value delivered onto a tenant's cards (meter purchases, card stored value)
    ON_CARD = "on_card"
    #: stored value the account holds for a tenant (services, parking, EV charging)
    WALLET = "wallet"
    #: money given without payment (goodwill, corrections): the site's cost
    GOODWILL = "goodwill"
    #: service fees earned by the site
    REVENUE = "revenue"
    #: what a tenant owes (positive: owed), paid down by a share of each top-up
    DEBT = "debt"


class EntryKind(enum.Enum):
    PAYMENT = "payment"  # the provider confirmed payment
    DELIVERY = "delivery"  # credit written onto a card
    WALLET_LOAD = "wallet_load"  # credit put on the tenant's account wallet
    REFUND = "refund"
    STAFF_CREDIT = "staff_credit"  # goodwill or correction by staff, audited with a reason
    CASH = "cash"  # cash taken at the kiosk by staff
    FEE = "fee"  # a tariff's service fee taken from a top-up
    DEBT_RECOVERY = "debt_recovery"  # a share of a top-up paying down the tenant's debt
    DEBT = "debt"  # debt recorded for a tenant (migration, consumption in friendly hours)
    CONSUMPTION = "consumption"  # a networked meter's consumption charged to the tenant's wallet


class Account(Base):
    __tablename__ = "accounts"
    __table_args__ = (UniqueConstraint("kind", "tenant_id", "currency", "name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[AccountKind] = mapped_column(Enum(AccountKind, native_enum=False, length=16))
    #: not a foreign key, for the same reason as Order.tenant_id
    tenant_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    currency: Mapped[int] = mapped_column(Integer)
    #: distinguishes system accounts of one kind ("simulator", "stripe", "cash")
    name: Mapped[str] = mapped_column(String(64), default="")


class LedgerEntry(Base):
    __tablename__ = "ledger_entries"
    #: balances are sums per account: with the amount in the index they never touch the table
    #: (106 -> 18 ms for an account of 250,000 entries, docs/benchmarks.md)
    __table_args__ = (Index("ix_ledger_entries_account_amount", "account_id", "amount"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    #: entries of one transaction share it; their amounts sum to zero
    txn: Mapped[str] = mapped_column(String(36), index=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), index=True)
    amount: Mapped[int] = mapped_column(BigInteger)  # minor units, signed
    kind: Mapped[EntryKind] = mapped_column(Enum(EntryKind, native_enum=False, length=16))
    order_id: Mapped[int | None] = mapped_column(ForeignKey("orders.id"), nullable=True, index=True)
    memo: Mapped[str] = mapped_column(String(255), default="")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
