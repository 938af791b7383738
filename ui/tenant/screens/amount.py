"""AMOUNT: preset buttons, the keypad, the amount as typed (large), what it buys, why it cannot be
bought, the limits; "Pay" and "Back".

The keypad's text goes to the session as typed and the session answers with the preview or the
refusal: nothing is checked here. "Pay" is enabled while the view carries a preview (an amount the
session priced); the session checks again when it is pressed.
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QGridLayout, QPushButton, QWidget

from kiosk.session.views import AmountChoice, AmountView
from ui.tenant.screens.base import (
    TenantScreen,
    centred,
    show_message,
    show_text,
    toned_label,
    translate,
)
from ui.widgets.keypad import Keypad
from ui.widgets.screen import button, label

PRESET_COLUMNS = 2


class AmountScreen(TenantScreen):
    #: a preset amount (minor units) was tapped
    preset_chosen = Signal(int)
    #: the keypad's whole text after a keystroke
    entry_changed = Signal(str)
    pay = Signal()
    back = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("amount", parent=parent)
        self.entry = centred(label("amount", wrap=False, name="amount_entry"))
        self.units = centred(label("title", name="amount_units"))
        self.preview = label(name="amount_preview")
        self.details = label("small", name="amount_details")
        self.error = toned_label(name="amount_error")
        self.limits = label("small", name="amount_limits")
        for widget in (self.entry, self.units, self.preview, self.details, self.error):
            self.first.addWidget(widget)
        self.first.addStretch(1)
        self.first.addWidget(self.limits)

        self.presets = QGridLayout()
        self.presets.setSpacing(16)
        self.preset_buttons: list[QPushButton] = []
        self.second.addLayout(self.presets)
        self.keypad = Keypad(decimal_point=True)
        self.keypad.changed.connect(self.entry_changed.emit)
        self.second.addWidget(self.keypad)

        self.back_button = button("secondary", name="amount_back")
        self.pay_button = button("ok", name="amount_pay")
        self.back_button.clicked.connect(self.back.emit)
        self.pay_button.clicked.connect(self.pay.emit)
        self.buttons.addWidget(self.back_button)
        self.buttons.addWidget(self.pay_button)
        self.retranslate()

    def fixed_texts(self) -> None:
        self.title.setText(translate("AmountScreen", "Choose or type an amount"))
        self.back_button.setText(translate("AmountScreen", "Back"))
        self.pay_button.setText(translate("AmountScreen", "Pay"))
        self.keypad.retranslate()

    def render_view(self, payload: object) -> None:
        if not isinstance(payload, AmountView):
            return
        view = payload
        self._presets(view.presets)
        if not view.entry and view.amount is None:
            # a fresh amount screen (or everything deleted): the keypad starts empty too, quietly
            # -- its signal would send the session an entry it already has
            self._clear_keypad()
        preview = view.preview
        self.entry.setText(view.entry or (preview.amount_text if preview else "") or "0")
        show_text(self.units, preview.units_text if preview else None)
        show_message(self.preview, preview.message if preview else None)
        show_text(self.details, self._details(view))
        show_message(self.error, view.error)
        show_message(self.limits, view.limits)
        self.pay_button.setEnabled(preview is not None)

    def _details(self, view: AmountView) -> str | None:
        preview = view.preview
        if preview is None:
            return None
        parts = []
        if preview.fee:
            parts.append(
                translate("AmountScreen", "Service fee {fee}").format(fee=preview.fee_text)
            )
        if preview.debt_recovered:
            parts.append(
                translate("AmountScreen", "Debt repaid {debt}").format(debt=preview.debt_text)
            )
        if parts:  # only worth a line when something is taken before the card gets it
            parts.append(
                translate("AmountScreen", "Onto the card {credit}").format(
                    credit=preview.credit_text
                )
            )
        return " · ".join(parts) or None

    def _presets(self, choices: tuple[AmountChoice, ...]) -> None:
        while len(self.preset_buttons) < len(choices):
            i = len(self.preset_buttons)
            b = button("secondary", name=f"amount_preset_{i}")
            b.clicked.connect(lambda _=False, i=i: self._preset_tapped(i))
            self.presets.addWidget(b, i // PRESET_COLUMNS, i % PRESET_COLUMNS)
            self.preset_buttons.append(b)
        for i, b in enumerate(self.preset_buttons):
            choice = choices[i] if i < len(choices) else None
            b.setVisible(choice is not None)
            if choice is not None:
                b.setText(choice.text)
                b.setEnabled(choice.enabled)
                b.setProperty("amount", choice.amount)

    def _preset_tapped(self, index: int) -> None:
        self._clear_keypad()  # a preset replaces what was typed
        self.preset_chosen.emit(int(self.preset_buttons[index].property("amount")))

    def _clear_keypad(self) -> None:
        self.keypad.blockSignals(True)
        try:
            self.keypad.clear()
        finally:
            self.keypad.blockSignals(False)
