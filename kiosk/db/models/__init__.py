"""All tables, imported here so Alembic and the application see one metadata."""

from kiosk.db.models.admin import CardReplacement, DayClose, ReplacementStatus
from kiosk.db.models.audit import AuditEntry, OutboxMessage
from kiosk.db.models.cards import Card, CardCounter, CardRole, CardStatus, CardWrite, WriteStatus
from kiosk.db.models.ledger import Account, AccountKind, EntryKind, LedgerEntry
from kiosk.db.models.metering import MeterReadingRow, MeterSample, RelayCommand
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
from kiosk.db.models.sync import Holiday, OutboxCounter, SyncState

__all__ = [
    "Account",
    "AccountKind",
    "AuditEntry",
    "Card",
    "CardCounter",
    "CardReplacement",
    "CardRole",
    "CardStatus",
    "CardWrite",
    "DayClose",
    "EntryKind",
    "Holiday",
    "ItemKind",
    "LedgerEntry",
    "Meter",
    "MeterKind",
    "MeterReadingRow",
    "MeterSample",
    "Order",
    "OrderEvent",
    "OrderItem",
    "OutboxCounter",
    "OutboxMessage",
    "PaymentEvent",
    "ReceiptRecord",
    "RelayCommand",
    "ReplacementStatus",
    "Site",
    "Staff",
    "SyncState",
    "TariffVersion",
    "Tenant",
    "WriteStatus",
]
