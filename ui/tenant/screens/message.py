"""MESSAGE: one sentence -- a refused card, a payment that never came, credit kept for the next
tap -- in its tone's colour, a hint to call staff when the tenant cannot solve it alone; "OK"."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QWidget

from kiosk.session.views import MessageView
from ui.tenant.screens.base import TenantScreen, show_message, toned_label, translate
from ui.widgets.screen import button, label


class MessageScreen(TenantScreen):
    ok = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("message", two_columns=False, parent=parent)
        self.title.hide()  # the sentence is the screen
        self.sentence = toned_label("title", name="message_sentence")
        self.staff_hint = label("muted", name="message_staff_hint")
        self.first.addStretch(1)
        self.first.addWidget(self.sentence)
        self.first.addWidget(self.staff_hint)
        self.first.addStretch(1)
        self.ok_button = button("ok", name="message_ok")
        self.ok_button.clicked.connect(self.ok.emit)
        self.buttons.addWidget(self.ok_button)
        self.retranslate()

    def fixed_texts(self) -> None:
        self.staff_hint.setText(
            translate("MessageScreen", "A member of staff can help: ask at the front desk.")
        )
        self.ok_button.setText(translate("MessageScreen", "OK"))

    def render_view(self, payload: object) -> None:
        if not isinstance(payload, MessageView):
            return
        show_message(self.sentence, payload.message)
        self.staff_hint.setVisible(payload.call_staff)
