"""Refund a paid top-up whose credit never reached a card: pick it from the recent refundable
orders, give the reason, confirm. Which orders may be refunded is the service's to say."""

from __future__ import annotations

from kiosk.admin.orders import OrderSummary
from kiosk.money import format_amount
from ui.admin.calls import AdminCalls
from ui.admin.screens.base import AdminScreen
from ui.admin.widgets import ConfirmBar, chosen, fill_orders, line_edit, order_label, pick_list
from ui.widgets.screen import label

LIMIT = 50


class RefundScreen(AdminScreen):
    def __init__(self, calls: AdminCalls) -> None:
        super().__init__(calls, "admin_refund")
        self.heading = label(name="refund_heading")
        self.orders = pick_list("refund_orders")
        self.first.addWidget(self.heading)
        self.first.addWidget(self.orders, 1)
        self.caption = label(name="refund_reason_caption")
        self.reason = line_edit("refund_reason")
        self.refund = self.action("danger", "refund_go")
        self.confirm = ConfirmBar("refund_confirm")
        self.result = label(name="refund_result")
        for widget in (self.caption, self.reason, self.refund, self.confirm, self.result):
            self.second.addWidget(widget)
        self.second.addStretch(1)
        self.refund.clicked.connect(self._ask)
        self.confirm.confirmed.connect(self._refund)
        self.retranslate()

    def enter(self) -> None:
        super().enter()
        self.reason.clear()
        self.result.setText("")
        self.confirm.hide()
        self._load()

    def retranslate(self) -> None:
        super().retranslate()
        self.title.setText(self.tr("Refund a top-up"))
        self.heading.setText(self.tr("Paid top-ups whose credit is not on a card:"))
        self.caption.setText(self.tr("Reason for the refund"))
        self.refund.setText(self.tr("Refund"))
        self.confirm.set_texts(self.tr("Yes, refund"), self.tr("No"))

    def _load(self, keep_status: bool = False) -> None:
        self.calls.run(
            self,
            self.admin.recent_orders,
            LIMIT,
            refundable_only=True,
            on_done=self._listed,
            keep_status=keep_status,
        )

    def _listed(self, orders: list[OrderSummary]) -> None:
        fill_orders(self.orders, orders, self.admin.timezone)
        if not orders and not self.status.text():  # an outcome on show stays
            self.show_info(self.tr("No paid top-up waits to be refunded."))

    def _ask(self) -> None:
        order: OrderSummary | None = chosen(self.orders)
        if order is None:
            self.show_error(self.tr("Tap the top-up to refund in the list first."))
            return
        self.confirm.ask(
            self.tr("Refund {amount} of {reference} to the tenant?").format(
                amount=format_amount(order.amount, order.currency), reference=order.reference
            )
        )

    def _refund(self) -> None:
        order: OrderSummary | None = chosen(self.orders)
        if order is None:
            return
        self.calls.run(
            self, self.admin.refund, order.id, self.reason.text(), on_done=self._refunded
        )

    def _refunded(self, order: OrderSummary) -> None:
        self.result.setText(self.tr("Done: {order}").format(order=order_label(order)))
        self.show_info(self.tr("The refund is booked."))
        self.reason.clear()
        self._load(keep_status=True)
