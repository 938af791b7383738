"""DONE: the top-up is finished. What it did, the receipt as printed, the QR code of its signed
verification link when the kiosk has one, whether it printed; "OK".

Landscape puts the receipt beside the code; portrait puts the code under it.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QWidget

from kiosk.session.views import ReceiptView
from ui.tenant.screens.base import TenantScreen, panel, show_message, toned_label, translate
from ui.widgets.qr import QrCode
from ui.widgets.screen import button, label

#: a receipt link is scanned to keep it, not in a hurry: a smaller code than the payment's
RECEIPT_QR_SIDE = 360


class DoneScreen(TenantScreen):
    ok = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("done", parent=parent)
        self.message = toned_label(name="done_message")
        self.print_message = toned_label(name="done_print_message")
        self.receipt_panel, box = panel("done_receipt_panel")
        self.receipt = label("receipt", wrap=False, name="done_receipt")
        box.addWidget(self.receipt)
        self.first.addWidget(self.message)
        self.first.addWidget(self.print_message)
        self.first.addWidget(self.receipt_panel)
        self.first.addStretch(1)
        self.qr = QrCode(RECEIPT_QR_SIDE)
        self.qr.setObjectName("done_qr")
        self.qr.setMaximumSize(RECEIPT_QR_SIDE, RECEIPT_QR_SIDE)
        self.second.addWidget(self.qr, 0, Qt.AlignmentFlag.AlignHCenter)
        self.second.addStretch(1)
        self.ok_button = button("ok", name="done_ok")
        self.ok_button.clicked.connect(self.ok.emit)
        self.buttons.addWidget(self.ok_button)
        self.retranslate()

    def fixed_texts(self) -> None:
        self.title.setText(translate("DoneScreen", "Thank you"))
        self.ok_button.setText(translate("DoneScreen", "OK"))

    def render_view(self, payload: object) -> None:
        if not isinstance(payload, ReceiptView):
            return
        view = payload
        show_message(self.message, view.message)
        show_message(self.print_message, view.print_message)
        self.receipt.setText("\n".join(view.lines))  # as printed, line for line
        self.receipt_panel.setVisible(bool(view.lines))
        self.qr.set_payload(view.verify_url or "")
        self.qr.setVisible(bool(view.verify_url))
