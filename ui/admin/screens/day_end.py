"""Day end: the X report (today's figures, nothing recorded) and the Z report that closes the
business day -- once, after a confirmation. Both are shown as printed; the Z is printed too when
there is a printer. That a day is closed once is the service's rule, and its sentence says so.
"""

from __future__ import annotations

from kiosk.admin import DayEnd
from kiosk.admin.reports import DayReport
from kiosk.admin.roles import Action
from ui.admin.calls import AdminCalls
from ui.admin.screens.base import AdminScreen
from ui.admin.widgets import ConfirmBar, print_sentence, text_view
from ui.widgets.screen import label


class DayEndScreen(AdminScreen):
    def __init__(self, calls: AdminCalls) -> None:
        super().__init__(calls, "admin_day_end")
        self.explain = label(name="day_end_explain")
        self.x_report = self.action("secondary", "day_end_x")
        self.z_report = self.action("danger", "day_end_z")
        self.confirm = ConfirmBar("day_end_confirm")
        self.summary = label(name="day_end_summary")
        for widget in (self.explain, self.x_report, self.z_report, self.confirm, self.summary):
            self.first.addWidget(widget)
        self.first.addStretch(1)
        self.report = text_view("day_end_report")
        self.second.addWidget(self.report, 1)
        self.x_report.clicked.connect(self._x)
        self.z_report.clicked.connect(self._ask)
        self.confirm.confirmed.connect(self._z)
        self.retranslate()

    def enter(self) -> None:
        super().enter()
        self.z_report.setVisible(self.calls.allows(Action.DAY_END))
        self.confirm.hide()
        self.summary.setText("")
        self.report.clear()

    def retranslate(self) -> None:
        super().retranslate()
        self.title.setText(self.tr("Day end"))
        self.explain.setText(
            self.tr("The X report changes nothing. The Z report closes the business day for good.")
        )
        self.x_report.setText(self.tr("X report"))
        self.z_report.setText(self.tr("Close the day (Z report)"))
        self.confirm.set_texts(self.tr("Yes, close the day"), self.tr("No"))

    def _x(self) -> None:
        self.confirm.hide()
        self.calls.run(self, self.admin.x_report, on_done=self._x_shown)

    def _x_shown(self, report: DayReport) -> None:
        self.summary.setText(
            self.tr("X report for {day}: nothing recorded.").format(
                day=report.business_day.isoformat()
            )
        )
        self.report.setPlainText(report.text)

    def _ask(self) -> None:
        self.confirm.ask(self.tr("Close today's business day? It cannot be reopened."))

    def _z(self) -> None:
        self.calls.run(self, self.admin.day_end, on_done=self._z_shown)

    def _z_shown(self, done: DayEnd) -> None:
        self.summary.setText(
            self.tr("Z {number} recorded: {day} is closed.").format(
                number=done.report.z_number, day=done.report.business_day.isoformat()
            )
        )
        self.report.setPlainText(done.text)
        self.show_info(print_sentence(done.printout))
