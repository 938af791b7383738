"""Admin mode of the kiosk, without Qt: staff sign in with a staff card and a PIN, then issue,
block and replace cards, take cash, refund, reprint, read any card for diagnosis, set tariffs, run
the X and Z reports, and check the hardware and sync.

    messages     every sentence for staff by key (Sentence: key + values; English for logs)
    errors       AdminError and its shallow tree: a sentence and a stable code
    lower        the errors of the layers below as admin mode says them; typed cash amounts
    roles        operator and manager, and which actions each may take
    auth         PINs (argon2id), sign-in with lockout, idle sessions
    audit        writing and reading the audit log
    directory    cards and staff known here; adding staff (the command line)
    issuing      issuing tenant and staff cards, blocking a lost one
    inspect      a card read in full for diagnosis (rawread: its memory, keys hidden)
    replacement  a lost card replaced, its value and purchase sequence carried over
    orders       recent orders, receipts as recorded
    tariffs      listing, showing and publishing tariff versions
    reports      the X and Z (day-end) reports with reconciliation
    hardware     the hardware and sync check (the printer: kiosk.receipts.printer)
    service      AdminService: the one object the touchscreen holds
"""

from kiosk.admin.auth import LoginPolicy, StaffAuth, StaffSession, check_pin
from kiosk.admin.errors import (
    AdminError,
    CardProblemError,
    InvalidInputError,
    LockedError,
    LoginRefusedError,
    NotAllowedError,
    NotFoundError,
    PinError,
    RefusedError,
    ServiceError,
    SessionExpiredError,
    WeakPinError,
)
from kiosk.admin.issuing import IssuedCard, TenantCardRequest
from kiosk.admin.roles import Action, StaffRole
from kiosk.admin.service import AdminService, CashTopUp, DayEnd, PrintOutcome, Reprint

__all__ = [
    "Action",
    "AdminError",
    "AdminService",
    "CardProblemError",
    "CashTopUp",
    "DayEnd",
    "InvalidInputError",
    "IssuedCard",
    "LockedError",
    "LoginPolicy",
    "LoginRefusedError",
    "NotAllowedError",
    "NotFoundError",
    "PinError",
    "PrintOutcome",
    "RefusedError",
    "Reprint",
    "ServiceError",
    "SessionExpiredError",
    "StaffAuth",
    "StaffRole",
    "StaffSession",
    "TenantCardRequest",
    "WeakPinError",
    "check_pin",
]
