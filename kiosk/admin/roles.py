"""Who may do what in admin mode: two roles and the table of actions each may take.

An operator works the counter: cash top-ups, reprints, reading a card, the hardware and sync
checks, the audit log and the order list those need. A manager may do everything, including what
creates or moves value or changes what the site charges: issuing, blocking and replacing cards,
refunds, tariffs, the X and Z reports, and setting other staff members' PINs.
"""

from __future__ import annotations

import enum

from kiosk.admin.errors import InvalidInputError
from kiosk.admin.messages import say


class StaffRole(enum.StrEnum):
    OPERATOR = "operator"
    MANAGER = "manager"


class Action(enum.StrEnum):
    CASH_TOPUP = "cash_topup"
    REPRINT = "reprint"
    READ_CARD = "read_card"
    HARDWARE_CHECK = "hardware_check"
    SYNC_STATUS = "sync_status"
    VIEW_AUDIT = "view_audit"
    VIEW_ORDERS = "view_orders"
    CHANGE_OWN_PIN = "change_own_pin"
    ISSUE_CARD = "issue_card"
    ISSUE_STAFF_CARD = "issue_staff_card"
    BLOCK_CARD = "block_card"
    REPLACE_CARD = "replace_card"
    REFUND = "refund"
    VIEW_TARIFFS = "view_tariffs"
    PUBLISH_TARIFF = "publish_tariff"
    X_REPORT = "x_report"
    DAY_END = "day_end"
    SET_PIN = "set_pin"


OPERATOR_ACTIONS = frozenset(
    {
        Action.CASH_TOPUP,
        Action.REPRINT,
        Action.READ_CARD,
        Action.HARDWARE_CHECK,
        Action.SYNC_STATUS,
        Action.VIEW_AUDIT,
        Action.VIEW_ORDERS,
        Action.CHANGE_OWN_PIN,
    }
)

ALLOWED: dict[StaffRole, frozenset[Action]] = {
    StaffRole.OPERATOR: OPERATOR_ACTIONS,
    StaffRole.MANAGER: frozenset(Action),
}


def allowed(role: StaffRole, action: Action) -> bool:
    return action in ALLOWED[role]


def parse_role(text: str) -> StaffRole:
    """A role as stored or typed; anything else is refused with the roles named."""
    try:
        return StaffRole(text.strip().lower())
    except ValueError:
        names = ", ".join(r.value for r in StaffRole)
        raise InvalidInputError(say("unknown_role", role=repr(text), roles=names)) from None
