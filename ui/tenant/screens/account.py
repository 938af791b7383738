"""ACCOUNT: whose card it is, what it holds, what its meter last said, the tariff, how long the
credit lasts, the last top-ups and what needs the tenant's attention; "Top up" and "Done".

Landscape puts the card and its money on the left and the meter's story on the right; portrait
stacks them.
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QGridLayout, QLabel, QWidget

from kiosk.session.views import AccountView, CardKind, MeterStateView, TransactionView
from ui.tenant.screens.base import (
    TenantScreen,
    panel,
    show_message,
    show_text,
    toned_label,
    translate,
)
from ui.tenant.screens.rows import ROW_GAP, CaptionedRows, MessageList
from ui.tenant.text import message_text
from ui.widgets.screen import button, label

#: rows of the last top-ups (the session sends at most 5)
TRANSACTION_ROWS = 5


class AccountScreen(TenantScreen):
    top_up = Signal()
    done = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("account", parent=parent)
        self.card = label("muted", name="account_card")
        self.balance_caption = label(name="account_balance_caption")
        self.balance = label("amount", name="account_balance")
        for widget in (self.card, self.balance_caption, self.balance):
            self.first.addWidget(widget)
        self.notices = MessageList("account_notice")
        self.first.addLayout(self.notices.box)
        self.forecast = toned_label(name="account_forecast")
        self.first.addWidget(self.forecast)
        self.first.addStretch(1)

        self.meter_panel, box = panel("account_meter")
        self.meter_title = label(name="account_meter_title")
        box.addWidget(self.meter_title)
        grid = QGridLayout()
        box.addLayout(grid)
        self.meter = CaptionedRows(grid, "account_meter")
        for key in ("reading", "credit", "supply", "alerts", "tariff", "fee"):
            self.meter.add(key)
        self.refusal = toned_label(name="account_meter_refusal")
        box.addWidget(self.refusal)
        self.second.addWidget(self.meter_panel)

        self.history_title = label(name="account_history_title")
        self.second.addWidget(self.history_title)
        self.history = QGridLayout()
        self.history.setHorizontalSpacing(ROW_GAP * 3)
        self.history.setVerticalSpacing(ROW_GAP)
        self.history.setColumnStretch(2, 1)
        self.history_rows: list[tuple[QLabel, QLabel, QLabel]] = []
        for row in range(TRANSACTION_ROWS):
            cells = (
                label("small", wrap=False, name=f"account_tx_{row}_at"),
                label(wrap=False, name=f"account_tx_{row}_amount"),
                label("small", wrap=False, name=f"account_tx_{row}_status"),
            )
            for column, cell in enumerate(cells):
                self.history.addWidget(cell, row, column)
            self.history_rows.append(cells)
        self.second.addLayout(self.history)
        self.no_history = label("muted", name="account_no_history")
        self.second.addWidget(self.no_history)
        self.second.addStretch(1)

        self.done_button = button("secondary", name="account_done")
        self.top_up_button = button("ok", name="account_top_up")
        self.done_button.clicked.connect(self.done.emit)
        self.top_up_button.clicked.connect(self.top_up.emit)
        self.buttons.addWidget(self.done_button)
        self.buttons.addWidget(self.top_up_button)
        self.retranslate()

    def fixed_texts(self) -> None:
        self.meter.caption("reading", translate("AccountScreen", "Meter reading"))
        self.meter.caption("credit", translate("AccountScreen", "Credit in the meter"))
        self.meter.caption("supply", translate("AccountScreen", "Supply"))
        self.meter.caption("alerts", translate("AccountScreen", "Alerts"))
        self.meter.caption("tariff", translate("AccountScreen", "Tariff"))
        self.meter.caption("fee", translate("AccountScreen", "Service fee per top-up"))
        self.history_title.setText(translate("AccountScreen", "Last top-ups"))
        self.no_history.setText(translate("AccountScreen", "No top-ups yet."))
        self.done_button.setText(translate("AccountScreen", "Done"))
        self.top_up_button.setText(translate("AccountScreen", "Top up"))

    def render_view(self, payload: object) -> None:
        if not isinstance(payload, AccountView):
            return
        view = payload
        if view.tenant_name:
            who = view.tenant_name + (f" · {view.tenant_unit}" if view.tenant_unit else "")
        else:
            who = translate("AccountScreen", "Your card")
        self.title.setText(who)
        if view.kind is CardKind.METER:
            card = translate("AccountScreen", "Meter card {card}")
            caption = translate("AccountScreen", "Bought, not yet loaded into the meter")
        else:
            card = translate("AccountScreen", "Wallet card {card}")
            caption = translate("AccountScreen", "On your card")
        self.card.setText(card.format(card=view.card_masked))
        self.balance_caption.setText(caption)
        self.balance.setText(view.balance_text)
        self.notices.show(view.notices)
        self._meter(view)
        show_message(self.forecast, view.forecast.message if view.forecast else None)
        self._history(view.transactions)

    def _meter(self, view: AccountView) -> None:
        meter, tariff = view.meter, view.tariff
        self.meter_panel.setVisible(meter is not None or tariff is not None)
        if meter is None:
            self.meter_title.setText(translate("AccountScreen", "Your meter has not reported yet."))
        else:
            self.meter_title.setText(
                translate("AccountScreen", "Your meter reported at {time}").format(
                    time=meter.at_text
                )
            )
        self.meter.set("reading", meter.reading_text if meter else None)
        self.meter.set("credit", meter.credit_text if meter else None)
        self.meter.set("supply", _supply(meter) if meter else None)
        self.meter.set("alerts", _alerts(meter) if meter else None)
        self.meter.set("tariff", f"{tariff.name}: {tariff.price_text}" if tariff else None)
        self.meter.set("fee", tariff.fee_text if tariff and tariff.fee else None)
        show_message(self.refusal, meter.refusal if meter else None)

    def _history(self, transactions: tuple[TransactionView, ...]) -> None:
        self.no_history.setVisible(not transactions)
        for i, cells in enumerate(self.history_rows):
            tx = transactions[i] if i < len(transactions) else None
            texts = (tx.at_text, tx.amount_text, message_text(tx.status)) if tx else ("", "", "")
            for cell, text in zip(cells, texts, strict=True):
                show_text(cell, text)


def _supply(meter: MeterStateView) -> str:
    if meter.relay_closed:
        return translate("AccountScreen", "On")
    return translate("AccountScreen", "Off")


def _alerts(meter: MeterStateView) -> str:
    alerts = [
        text
        for shown, text in (
            (meter.low_credit, translate("AccountScreen", "low credit")),
            (meter.emergency_credit, translate("AccountScreen", "emergency credit in use")),
            (meter.tamper, translate("AccountScreen", "tamper alarm")),
            (meter.low_battery, translate("AccountScreen", "low battery")),
        )
        if shown
    ]
    return translate("AccountScreen", ", ").join(alerts)  # the list separator: "、" in Chinese
