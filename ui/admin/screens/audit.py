"""The audit log: the latest entries, newest first, in the site's time zone (kiosk.admin.audit)."""

from __future__ import annotations

import json
from zoneinfo import ZoneInfo

from kiosk.admin.audit import AuditRow
from ui.admin.calls import AdminCalls
from ui.admin.screens.base import AdminScreen
from ui.admin.widgets import text_view

LIMIT = 200


def render(rows: list[AuditRow], timezone: str) -> str:
    """One line per entry: when (site time), who, what, to what, and the detail."""
    zone = ZoneInfo(timezone)
    lines = []
    for r in rows:
        detail = json.dumps(r.detail, ensure_ascii=False, sort_keys=True) if r.detail else ""
        when = r.at.astimezone(zone)
        lines.append(
            f"{when:%Y-%m-%d %H:%M:%S}  {r.actor:<14} {r.action:<26} {r.subject}  {detail}"
        )
    return "\n".join(lines)


class AuditScreen(AdminScreen):
    def __init__(self, calls: AdminCalls) -> None:
        super().__init__(calls, "admin_audit", two_panes=False)
        self.log = text_view("audit_log")
        self.refresh = self.action("secondary", "audit_refresh")
        self.first.addWidget(self.log, 1)
        self.first.addWidget(self.refresh)
        self.refresh.clicked.connect(self._load)
        self.rows: list[AuditRow] = []
        self.retranslate()

    def enter(self) -> None:
        super().enter()
        self.log.clear()
        self._load()

    def retranslate(self) -> None:
        super().retranslate()
        self.title.setText(self.tr("Audit log"))
        self.refresh.setText(self.tr("Refresh"))

    def _load(self) -> None:
        self.calls.run(self, self.admin.audit_log, LIMIT, on_done=self._show)

    def _show(self, rows: list[AuditRow]) -> None:
        self.rows = rows
        self.log.setPlainText(render(rows, self.admin.timezone))
        self.show_info(self.tr("The latest {n} entries, newest first.").format(n=len(rows)))
