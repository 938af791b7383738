"""The hardware check: a row per part of the kiosk -- reader, printer, payments, meters, database,
sync -- with OK / problem / not set up and the service's sentence (kiosk.admin.hardware)."""

from __future__ import annotations

from PySide6.QtWidgets import QGridLayout, QLabel, QScrollArea, QWidget

from kiosk.admin.hardware import CheckStatus, HardwareCheck
from ui.admin.calls import AdminCalls
from ui.admin.screens.base import SPACING, AdminScreen
from ui.admin.text import staff_text
from ui.widgets.screen import label


class HardwareScreen(AdminScreen):
    def __init__(self, calls: AdminCalls) -> None:
        super().__init__(calls, "admin_hardware", two_panes=False)
        self.run_again = self.action("secondary", "hardware_run")
        self.table = QWidget()
        self.table.setObjectName("hardware_rows")
        self.grid = QGridLayout(self.table)
        self.grid.setSpacing(SPACING)
        self.grid.setColumnStretch(2, 1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(self.table)
        self.first.addWidget(scroll, 1)
        self.first.addWidget(self.run_again)
        #: (component, status, detail) labels of the last check, in the service's order
        self.rows: list[tuple[QLabel, QLabel, QLabel]] = []
        self.run_again.clicked.connect(self._run)
        self.retranslate()

    def enter(self) -> None:
        super().enter()
        self._clear()
        self._run()

    def retranslate(self) -> None:
        super().retranslate()
        self.title.setText(self.tr("Hardware check"))
        self.run_again.setText(self.tr("Check again"))

    def _run(self) -> None:
        self.calls.run(self, self.admin.hardware_check, on_done=self._show)

    def _clear(self) -> None:
        for labels in self.rows:
            for widget in labels:
                self.grid.removeWidget(widget)
                widget.deleteLater()
        self.rows = []

    def _show(self, checks: list[HardwareCheck]) -> None:
        self._clear()
        words = {
            CheckStatus.OK: self.tr("OK"),
            CheckStatus.PROBLEM: self.tr("Problem"),
            CheckStatus.NOT_CONFIGURED: self.tr("Not set up"),
        }
        for i, check in enumerate(checks):
            name = label(wrap=False, name=f"hardware_component_{i}")
            name.setText(staff_text(check.part))
            roles = {CheckStatus.OK: None, CheckStatus.PROBLEM: "error"}
            status = label(
                roles.get(check.status, "muted"), wrap=False, name=f"hardware_status_{i}"
            )
            status.setText(words.get(check.status, check.status.value))
            detail = label(name=f"hardware_detail_{i}")
            detail.setText(staff_text(check.said))
            self.grid.addWidget(name, i, 0)
            self.grid.addWidget(status, i, 1)
            self.grid.addWidget(detail, i, 2)
            self.rows.append((name, status, detail))
        for i in range(self.grid.rowCount()):
            self.grid.setRowStretch(i, 0)
        self.grid.setRowStretch(len(checks), 1)  # rows packed at the top, the space below
        problems = sum(1 for c in checks if c.status is CheckStatus.PROBLEM)
        if problems:
            self.show_error(self.tr("{n} part(s) need attention.").format(n=problems))
        else:
            self.show_info(self.tr("Every part that is set up works."))
