"""All tables, imported here so Alembic and the application see one metadata."""

from kiosk.db.models.audit import AuditEntry, OutboxMessage
from kiosk.db.models.cards import Card, CardCounter, CardRole, CardStatus, CardWrite, WriteStatus
from kiosk.db.models.ledger import Account, AccountKind, EntryKind, LedgerEntry
from kiosk.db.models.metering import MeterReadingRow, RelayCommand
from kiosk.db.models.orders import (
    ItemKind,
    Order,
    OrderEvent,
    OrderItem,
    PaymentEvent,
    ReceiptRecord,
)
from kiosk.db.models.people import Site, Staff, Tenant
from kiosk.db.models.reference import Meter, MeterKind, TariffVersion

__all__ = [
    "Account",
    "AccountKind",
    "AuditEntry",
    "Card",
    "CardCounter",
    "CardRole",
    "CardStatus",
    "CardWrite",
    "EntryKind",
    "ItemKind",
    "LedgerEntry",
    "Meter",
    "MeterKind",
    "MeterReadingRow",
    "Order",
    "OrderEvent",
    "OrderItem",
    "OutboxMessage",
    "PaymentEvent",
    "ReceiptRecord",
    "RelayCommand",
    "Site",
    "Staff",
    "TariffVersion",
    "Tenant",
    "WriteStatus",
]
