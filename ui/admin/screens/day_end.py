"""Day end: the X report (the figures since the last Z, nothing recorded) and the Z report that
closes them, up to now -- after a confirmation. Both are shown as printed; the Z is printed too
when there is a printer. A Z may be taken several times a day: each closes the time since the one
before, and one with nothing since says so.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

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
            self.tr(
                "The X report shows the figures since the last Z report and changes nothing. The "
                "Z report closes them for good: the next Z starts where it ends."
            )
        )
        self.x_report.setText(self.tr("X report"))
        self.z_report.setText(self.tr("Close the day (Z report)"))
        self.confirm.set_texts(self.tr("Yes, close the day"), self.tr("No"))

    def _x(self) -> None:
        self.confirm.hide()
        self.calls.run(self, self.admin.x_report, on_done=self._x_shown)

    def _x_shown(self, report: DayReport) -> None:
        self.summary.setText(
            self.tr("X report since {start}: nothing recorded.").format(
                start=_local(report.start, report.timezone)
            )
        )
        self.report.setPlainText(report.text)

    def _ask(self) -> None:
        self.confirm.ask(
            self.tr(
                "Close the figures since the last Z report, up to now? They cannot be reopened."
            )
        )

    def _z(self) -> None:
        self.calls.run(self, self.admin.day_end, on_done=self._z_shown)

    def _z_shown(self, done: DayEnd) -> None:
        report = done.report
        start, end = _local(report.start, report.timezone), _local(report.end, report.timezone)
        if report.empty:
            summary = self.tr("Z {number} recorded: no top-ups or refunds since {start}.")
        else:
            summary = self.tr("Z {number} recorded: {start} to {end} is closed.")
        self.summary.setText(summary.format(number=report.z_number, start=start, end=end))
        self.report.setPlainText(done.text)
        self.show_info(print_sentence(done.printout))


def _local(at: dt.datetime, timezone: str) -> str:
    """A moment as the site's clock shows it, to the minute."""
    return f"{at.astimezone(ZoneInfo(timezone)):%Y-%m-%d %H:%M}"
