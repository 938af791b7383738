"""Cash top-up: staff take the cash, type the amount, put the tenant's card on the reader and
confirm; the service credits the card (audited) and the receipt is shown.

The amount typed is turned into minor units by kiosk.money (the same parser as everywhere, through
kiosk.admin.lower.parse_cash, which says what is wrong in admin mode's words); whether it is
allowed is the service's to say.
"""

from __future__ import annotations

from kiosk.admin import AdminError, CashTopUp
from kiosk.admin.lower import parse_cash
from kiosk.money import CURRENCIES, format_amount
from ui.admin.calls import AdminCalls
from ui.admin.screens.base import AdminScreen
from ui.admin.text import error_text, staff_text
from ui.admin.widgets import ConfirmBar, line_edit, print_sentence, text_view
from ui.widgets.keypad import Keypad
from ui.widgets.screen import label


class CashScreen(AdminScreen):
    def __init__(self, calls: AdminCalls) -> None:
        super().__init__(calls, "admin_cash")
        self.amount_caption = label(name="cash_amount_caption")
        self.amount = label("amount", wrap=False, name="cash_amount")
        self.keypad = Keypad(decimal_point=True)
        self.keypad.setObjectName("cash_keypad")
        self.note_caption = label(name="cash_note_caption")
        self.note = line_edit("cash_note")
        self.instruction = label(name="cash_instruction")
        self.top_up = self.action("ok", "cash_go")
        self.confirm = ConfirmBar("cash_confirm")
        for widget in (self.amount_caption, self.amount, self.keypad, self.note_caption):
            self.first.addWidget(widget)
        self.first.addWidget(self.note)
        self.first.addStretch(1)
        self.result = label(name="cash_result")
        self.receipt = text_view("cash_receipt")
        for step in (self.instruction, self.top_up, self.confirm, self.result):
            self.second.addWidget(step)
        self.second.addWidget(self.receipt, 1)
        self.keypad.changed.connect(self._typed)
        self.top_up.clicked.connect(self._ask)
        self.confirm.confirmed.connect(self._credit)
        self._typed("")
        self.retranslate()

    def enter(self) -> None:
        super().enter()
        self.keypad.clear()
        self.note.clear()
        self.result.setText("")
        self.receipt.clear()
        self.confirm.hide()

    def retranslate(self) -> None:
        super().retranslate()
        self.title.setText(self.tr("Cash top-up"))
        code = CURRENCIES.get(self.admin.currency, (str(self.admin.currency), 2))[0]
        self.amount_caption.setText(self.tr("Cash taken ({currency})").format(currency=code))
        self.note_caption.setText(self.tr("Note (optional)"))
        self.instruction.setText(
            self.tr("Put the tenant's card on the reader and keep it there, then tap Top up.")
        )
        self.top_up.setText(self.tr("Top up"))
        self.confirm.set_texts(self.tr("Yes, put it on the card"), self.tr("No"))
        self.keypad.retranslate()

    def _typed(self, text: str) -> None:
        self.amount.setText(text or "0")
        self.confirm.hide()

    def _amount(self) -> int | None:
        try:
            return parse_cash(self.keypad.text, self.admin.currency)
        except AdminError as exc:
            self.show_error(error_text(exc))
            return None

    def _ask(self) -> None:
        amount = self._amount()
        if amount is None:
            return
        self.show_info("")
        self.confirm.ask(
            self.tr("Put {amount} in cash on the card on the reader?").format(
                amount=format_amount(amount, self.admin.currency)
            )
        )

    def _credit(self) -> None:
        amount = self._amount()
        if amount is None:
            return
        self.result.setText("")
        self.receipt.clear()
        self.calls.run(self, self.admin.cash_topup, amount, self.note.text(), on_done=self._done)

    def _done(self, outcome: CashTopUp) -> None:
        value = format_amount(outcome.card_value, self.admin.currency)
        self.result.setText(
            staff_text(outcome.said)
            + " "
            + self.tr("On the card now: {value}. Order {reference}.").format(
                value=value, reference=outcome.order.reference
            )
        )
        self.receipt.setPlainText(outcome.receipt_text)
        self.keypad.clear()
        if outcome.delivered:
            self.show_info(print_sentence(outcome.printout))
