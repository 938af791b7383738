"""Reprint a receipt exactly as it was recorded at the time of sale: pick a finished top-up, tap
Reprint; the receipt is shown here, and printed when the kiosk has a printer."""

from __future__ import annotations

from kiosk.admin import Reprint
from kiosk.admin.orders import OrderSummary
from ui.admin.calls import AdminCalls
from ui.admin.screens.base import AdminScreen
from ui.admin.widgets import chosen, fill_orders, pick_list, print_sentence, text_view
from ui.widgets.screen import label

LIMIT = 50


class ReprintScreen(AdminScreen):
    def __init__(self, calls: AdminCalls) -> None:
        super().__init__(calls, "admin_reprint")
        self.heading = label(name="reprint_heading")
        self.orders = pick_list("reprint_orders")
        self.reprint = self.action("ok", "reprint_go")
        self.first.addWidget(self.heading)
        self.first.addWidget(self.orders, 1)
        self.first.addWidget(self.reprint)
        self.receipt = text_view("reprint_receipt")
        self.second.addWidget(self.receipt, 1)
        self.reprint.clicked.connect(self._reprint)
        self.retranslate()

    def enter(self) -> None:
        super().enter()
        self.receipt.clear()
        self.calls.run(
            self, self.admin.recent_orders, LIMIT, with_receipt_only=True, on_done=self._listed
        )

    def retranslate(self) -> None:
        super().retranslate()
        self.title.setText(self.tr("Reprint a receipt"))
        self.heading.setText(self.tr("Finished top-ups:"))
        self.reprint.setText(self.tr("Reprint"))

    def _listed(self, orders: list[OrderSummary]) -> None:
        fill_orders(self.orders, orders, self.admin.timezone)
        if not orders:
            self.show_info(self.tr("No finished top-up has a receipt yet."))

    def _reprint(self) -> None:
        order: OrderSummary | None = chosen(self.orders)
        if order is None:
            self.show_error(self.tr("Tap the top-up in the list first."))
            return
        self.calls.run(self, self.admin.reprint, order.id, on_done=self._shown)

    def _shown(self, reprint: Reprint) -> None:
        self.receipt.setPlainText(reprint.text)
        self.show_info(print_sentence(reprint.printout))
