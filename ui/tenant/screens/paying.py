"""PAYING: the QR code to scan, large and sharp; the amount; what to do; the seconds left in the
payment window (re-rendered on every tick); "Cancel".

Landscape puts the code on the left and the words on the right; portrait puts the words under it.
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QWidget

from kiosk.session.views import PaymentView
from ui.tenant.screens.base import TenantScreen, centred, show_message, toned_label, translate
from ui.tenant.text import countdown_text
from ui.widgets.qr import QrCode
from ui.widgets.screen import button, label


class PayingScreen(TenantScreen):
    cancel = Signal()
    PORTRAIT_STRETCH = (1, 0)  # the code takes the height the words leave

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("paying", parent=parent)
        self.qr = QrCode()
        self.qr.setObjectName("paying_qr")
        self.first.addWidget(self.qr, 1)
        self.amount = centred(label("amount", wrap=False, name="paying_amount"))
        self.hint = label(name="paying_hint")
        self.notice = toned_label(name="paying_notice")
        self.countdown = centred(label("title", name="paying_countdown"))
        self.preview = label("muted", name="paying_preview")
        for widget in (self.amount, self.hint, self.notice, self.countdown, self.preview):
            self.second.addWidget(widget)
        self.second.addStretch(1)
        self.cancel_button = button("danger", name="paying_cancel")
        self.cancel_button.clicked.connect(self.cancel.emit)
        self.buttons.addWidget(self.cancel_button)
        self.retranslate()

    def fixed_texts(self) -> None:
        self.title.setText(translate("PayingScreen", "Scan the code with your phone to pay"))
        self.cancel_button.setText(translate("PayingScreen", "Cancel"))

    def render_view(self, payload: object) -> None:
        if not isinstance(payload, PaymentView):
            return
        view = payload
        self.qr.set_payload(view.qr_payload)
        self.amount.setText(view.amount_text)
        show_message(self.hint, view.hint)
        show_message(self.notice, view.notice)
        self.countdown.setText(
            translate("PayingScreen", "Time left to pay: {time}").format(
                time=countdown_text(view.seconds_left)
            )
        )
        show_message(self.preview, view.preview.message if view.preview else None)
