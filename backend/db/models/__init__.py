"""Every backend table, imported here so Alembic and the application see one metadata."""

from backend.db.models.ingest import (
    AuditRecord,
    CardWriteRecord,
    LedgerRecord,
    MeterStateRecord,
    NoticeRecord,
    OrderRecord,
    RelayRecord,
    SyncMessage,
)
from backend.db.models.kiosks import KioskReportRow, KioskRow, RequestNonce
from backend.db.models.reference import (
    CardRow,
    Counter,
    HolidayRow,
    MeterRow,
    SiteRow,
    StaffRow,
    TariffRow,
    TenantRow,
)
from backend.db.models.users import SignInFailureRow, UserRow, UserSiteRow

__all__ = [
    "AuditRecord",
    "CardRow",
    "CardWriteRecord",
    "Counter",
    "HolidayRow",
    "KioskReportRow",
    "KioskRow",
    "LedgerRecord",
    "MeterRow",
    "MeterStateRecord",
    "NoticeRecord",
    "OrderRecord",
    "RelayRecord",
    "RequestNonce",
    "SignInFailureRow",
    "SiteRow",
    "StaffRow",
    "SyncMessage",
    "TariffRow",
    "TenantRow",
    "UserRow",
    "UserSiteRow",
]
