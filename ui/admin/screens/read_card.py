"""Read any card for diagnosis: whether a tap here accepts it, its records decoded and its raw
memory, as kiosk.admin.inspect reports it (keys are hidden there, never shown here)."""

from __future__ import annotations

from kiosk.admin.inspect import CardReport
from kiosk.admin.messages import card_sentence
from ui.admin.calls import AdminCalls
from ui.admin.screens.base import AdminScreen
from ui.admin.text import staff_text
from ui.admin.widgets import text_view
from ui.widgets.screen import label


class ReadCardScreen(AdminScreen):
    def __init__(self, calls: AdminCalls) -> None:
        super().__init__(calls, "admin_read_card")
        self.instruction = label(name="read_instruction")
        self.read = self.action("ok", "read_go")
        self.summary = label(name="read_summary")
        self.report = text_view("read_report")
        self.first.addWidget(self.instruction)
        self.first.addWidget(self.read)
        self.first.addWidget(self.summary)
        self.first.addStretch(1)
        self.second.addWidget(self.report, 1)
        self.read.clicked.connect(self._read)
        self.retranslate()

    def enter(self) -> None:
        super().enter()
        self.summary.setText("")
        self.report.clear()

    def retranslate(self) -> None:
        super().retranslate()
        self.title.setText(self.tr("Read a card"))
        self.instruction.setText(
            self.tr("Put the card on the reader, then tap Read. Nothing is written to it.")
        )
        self.read.setText(self.tr("Read"))

    def _read(self) -> None:
        self.summary.setText("")
        self.report.clear()
        self.calls.run(self, self.admin.read_card, on_done=self._show)

    def _show(self, report: CardReport) -> None:
        tap = (
            self.tr("A tap at this kiosk accepts this card.")
            if report.tap_ok
            else self.tr("A tap at this kiosk refuses this card: {why}").format(
                why=staff_text(card_sentence(report.tap_code))
            )
        )
        self.summary.setText(
            self.tr("{card_type}, UID {uid}.").format(
                card_type=report.card_type, uid=report.uid.upper()
            )
            + " "
            + tap
        )
        # the service's own rendering: decoded records, counters, database view, raw memory -- a
        # technician's dump, in English like the printed reports
        self.report.setPlainText(report.text)
