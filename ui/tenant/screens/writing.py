"""WRITING: paid, the credit is on its way to the card: keep it on the reader (a busy bar moves
so the tenant sees the kiosk working)."""

from __future__ import annotations

from PySide6.QtWidgets import QProgressBar, QWidget

from kiosk.session.views import WritingView
from ui.tenant.screens.base import TenantScreen, centred, show_message, translate
from ui.widgets.screen import label


class WritingScreen(TenantScreen):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("writing", two_columns=False, parent=parent)
        self.amount = centred(label("amount", wrap=False, name="writing_amount"))
        self.message = label(name="writing_message")
        self.progress = QProgressBar()
        self.progress.setObjectName("writing_progress")
        self.progress.setRange(0, 0)  # busy: how long a card write takes is not known
        self.progress.setTextVisible(False)
        self.first.addStretch(1)
        for widget in (self.amount, self.message, self.progress):
            self.first.addWidget(widget)
        self.first.addStretch(1)
        self.retranslate()

    def fixed_texts(self) -> None:
        self.title.setText(translate("WritingScreen", "Keep your card on the reader"))

    def render_view(self, payload: object) -> None:
        if not isinstance(payload, WritingView):
            return
        self.amount.setText(payload.amount_text)
        show_message(self.message, payload.message)
