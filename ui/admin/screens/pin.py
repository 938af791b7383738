"""The PIN screen: the staff card is on the reader, the staff member types their PIN.

The entry is shown as dots only. What a wrong PIN, a lockout or a card that opens nothing means is
the service's to say (kiosk.admin.auth); this screen shows its sentence and clears the entry.
"""

from __future__ import annotations

from PySide6.QtCore import Signal

from kiosk.admin import StaffSession
from kiosk.session.views import StaffCardView
from ui.admin.calls import AdminCalls
from ui.admin.screens.base import AdminScreen, row
from ui.widgets.keypad import Keypad
from ui.widgets.screen import button, label

DOT = "●"


class PinScreen(AdminScreen):
    signed_in = Signal(object)  # StaffSession
    cancelled = Signal()

    def __init__(self, calls: AdminCalls) -> None:
        super().__init__(calls, "admin_pin", with_back=False)
        self.staff: StaffCardView | None = None
        self.greeting = label(name="pin_greeting")
        self.hint = label("muted", name="pin_hint")
        self.dots = label("amount", wrap=False, name="pin_dots")
        self.keypad = Keypad(decimal_point=False)
        self.keypad.setObjectName("pin_keypad")
        self.ok = self.action("ok", "pin_ok")
        self.cancel = button("secondary", name="pin_cancel")
        self.first.addWidget(self.greeting)
        self.first.addWidget(self.hint)
        self.first.addWidget(self.dots)
        self.first.addStretch(1)
        self.second.addWidget(self.keypad)
        self.second.addLayout(row(self.cancel, self.ok))
        self.second.addStretch(1)
        self.keypad.changed.connect(self._typed)
        self.ok.clicked.connect(self._sign_in)
        self.cancel.clicked.connect(self.cancelled.emit)
        self.retranslate()
        self._typed("")

    def begin(self, staff: StaffCardView) -> None:
        self.staff = staff
        self.keypad.clear()
        self.enter()
        self.retranslate()

    def retranslate(self) -> None:
        super().retranslate()
        self.title.setText(self.tr("Staff sign-in"))
        name = self.staff.staff_name if self.staff is not None else ""
        self.greeting.setText(
            self.tr("Hello, {name}. Enter your PIN.").format(name=name)
            if name
            else self.tr("Enter your PIN.")
        )
        self.hint.setText(self.tr("Keep your staff card on the reader until you are signed in."))
        self.ok.setText(self.tr("OK"))
        self.cancel.setText(self.tr("Cancel"))
        self.keypad.retranslate()

    def _typed(self, text: str) -> None:
        # a placeholder dash keeps the line's height when nothing is typed yet
        self.dots.setText(DOT * len(text) if text else "–")
        self.ok.setEnabled(bool(text) and not self.busy)

    def set_busy(self, busy: bool) -> None:
        super().set_busy(busy)
        self.keypad.setEnabled(not busy)
        # not while the PIN is checked: a session opened meanwhile would be left signed in
        self.cancel.setEnabled(not busy)
        self.ok.setEnabled(not busy and bool(self.keypad.text))

    def _sign_in(self) -> None:
        pin = self.keypad.text
        if not pin:
            return
        # the PIN leaves the keypad now: it is not kept on screen while the service checks it
        self.keypad.clear()
        self.calls.run_unsigned(self, self.admin.login, pin, on_done=self._signed_in)

    def _signed_in(self, session: StaffSession) -> None:
        self.signed_in.emit(session)

    def show_error(self, text: str) -> None:
        self.keypad.clear()
        super().show_error(text)
