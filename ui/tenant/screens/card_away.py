"""CARD_AWAY: paid, but the card left before its credit was on it: put it back, within the
seconds left (after them the credit waits for the card's next tap; the session says so)."""

from __future__ import annotations

from PySide6.QtWidgets import QWidget

from kiosk.session.views import WritingView
from ui.tenant.screens.base import (
    TenantScreen,
    centred,
    show_message,
    show_text,
    toned_label,
    translate,
)
from ui.tenant.text import countdown_text
from ui.widgets.screen import label


class CardAwayScreen(TenantScreen):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("card_away", two_columns=False, parent=parent)
        self.amount = centred(label("amount", wrap=False, name="card_away_amount"))
        self.message = toned_label(name="card_away_message")
        self.countdown = centred(label("title", name="card_away_countdown"))
        self.first.addStretch(1)
        for widget in (self.amount, self.message, self.countdown):
            self.first.addWidget(widget)
        self.first.addStretch(1)
        self.retranslate()

    def fixed_texts(self) -> None:
        self.title.setText(translate("CardAwayScreen", "Put your card back"))

    def render_view(self, payload: object) -> None:
        if not isinstance(payload, WritingView):
            return
        self.amount.setText(payload.amount_text)
        show_message(self.message, payload.message)
        left = payload.seconds_left
        show_text(
            self.countdown,
            None
            if left is None
            else translate("CardAwayScreen", "Time left: {time}").format(time=countdown_text(left)),
        )
