"""The admin menu: a button for each function the signed-in staff member's role allows.

Which role may do what is kiosk.admin.roles' to say; buttons for the rest are hidden, not merely
disabled, so an operator's menu shows only what an operator can use.
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QGridLayout, QPushButton

from kiosk.admin import StaffSession
from kiosk.admin.roles import Action, StaffRole
from ui.admin.calls import AdminCalls
from ui.admin.screens.base import SPACING, AdminScreen
from ui.widgets.screen import Orientation, button, label

#: screen key (after "admin.") -> the action that opens it, in menu order
ENTRIES: tuple[tuple[str, Action], ...] = (
    ("cash", Action.CASH_TOPUP),
    ("read_card", Action.READ_CARD),
    ("reprint", Action.REPRINT),
    ("issue", Action.ISSUE_CARD),
    ("replace", Action.REPLACE_CARD),
    ("refund", Action.REFUND),
    ("tariffs", Action.VIEW_TARIFFS),
    ("day_end", Action.X_REPORT),
    ("hardware", Action.HARDWARE_CHECK),
    ("sync", Action.SYNC_STATUS),
    ("audit", Action.VIEW_AUDIT),
)


class MenuScreen(AdminScreen):
    open = Signal(str)  # the screen key, without "admin."
    logout = Signal()

    def __init__(self, calls: AdminCalls) -> None:
        super().__init__(calls, "admin_menu", with_back=False, two_panes=False)
        self.who = label(name="menu_who")
        self.first.addWidget(self.who)
        self.grid = QGridLayout()
        self.grid.setSpacing(SPACING)
        self.first.addLayout(self.grid)
        self.first.addStretch(1)
        self.buttons: dict[str, QPushButton] = {}
        self.allowed: set[str] = {key for key, _action in ENTRIES}
        self.session: StaffSession | None = None
        for key, _action in ENTRIES:
            b = button(name=f"menu_{key}")
            b.clicked.connect(lambda _=False, k=key: self.open.emit(k))
            self.buttons[key] = b
        self.logout_button = button("danger", name="menu_logout")
        self.logout_button.clicked.connect(self.logout.emit)
        self.first.addWidget(self.logout_button)
        self._place()
        self.retranslate()

    def set_session(self, session: StaffSession) -> None:
        self.session = session
        self.allowed = {key for key, action in ENTRIES if self.calls.allows(action)}
        for key, b in self.buttons.items():
            b.setVisible(key in self.allowed)
        self._place()
        self.retranslate()

    def retranslate(self) -> None:
        super().retranslate()
        self.title.setText(self.tr("Admin mode"))
        if self.session is not None:
            roles = {StaffRole.MANAGER: self.tr("manager"), StaffRole.OPERATOR: self.tr("operator")}
            self.who.setText(
                self.tr("Signed in as {name} ({role}).").format(
                    name=self.session.name,
                    role=roles.get(self.session.role, self.session.role.value),
                )
            )
        texts = {
            "cash": self.tr("Cash top-up"),
            "read_card": self.tr("Read a card"),
            "reprint": self.tr("Reprint a receipt"),
            "issue": self.tr("Issue a card"),
            "replace": self.tr("Replace a lost card"),
            "refund": self.tr("Refund a top-up"),
            "tariffs": self.tr("Tariffs"),
            "day_end": self.tr("Day end (X and Z)"),
            "hardware": self.tr("Hardware check"),
            "sync": self.tr("Sync status"),
            "audit": self.tr("Audit log"),
        }
        for key, text in texts.items():
            self.buttons[key].setText(text)
        self.logout_button.setText(self.tr("Log out"))

    def set_orientation(self, orientation: Orientation) -> None:
        super().set_orientation(orientation)
        self._place()

    def _place(self) -> None:
        """Lay the allowed buttons out without gaps: 2 columns in portrait, 3 in landscape."""
        columns = 3 if self.orientation is Orientation.LANDSCAPE else 2
        for b in self.buttons.values():
            self.grid.removeWidget(b)
        shown = [k for k, _a in ENTRIES if k in self.allowed]
        for i, key in enumerate(shown):
            self.grid.addWidget(self.buttons[key], i // columns, i % columns)
        for key, b in self.buttons.items():
            if key not in self.allowed:
                self.grid.addWidget(b, len(ENTRIES), 0)  # hidden, kept parented in the layout
