"""Sync status: whether a sync backend is set up and what waits to be sent
(kiosk.admin.hardware)."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from kiosk.admin.hardware import SyncStatus
from ui.admin.calls import AdminCalls
from ui.admin.screens.base import AdminScreen
from ui.admin.text import staff_text
from ui.widgets.screen import label


class SyncScreen(AdminScreen):
    def __init__(self, calls: AdminCalls) -> None:
        super().__init__(calls, "admin_sync")
        self.detail = label(name="sync_detail")
        self.configured = label(name="sync_configured")
        self.unsent = label(name="sync_unsent")
        self.oldest = label(name="sync_oldest")
        self.refresh = self.action("secondary", "sync_refresh")
        for widget in (self.detail, self.configured, self.unsent, self.oldest, self.refresh):
            self.first.addWidget(widget)
        self.first.addStretch(1)
        self.refresh.clicked.connect(self._load)
        self.retranslate()

    def enter(self) -> None:
        super().enter()
        for widget in (self.detail, self.configured, self.unsent, self.oldest):
            widget.setText("")
        self._load()

    def retranslate(self) -> None:
        super().retranslate()
        self.title.setText(self.tr("Sync status"))
        self.refresh.setText(self.tr("Refresh"))

    def _load(self) -> None:
        self.calls.run(self, self.admin.sync_status, on_done=self._show)

    def _show(self, status: SyncStatus) -> None:
        self.detail.setText(staff_text(status.said))
        self.configured.setText(
            self.tr("Sync backend: set up.")
            if status.configured
            else self.tr("Sync backend: not set up yet.")
        )
        self.unsent.setText(self.tr("Messages waiting to be sent: {n}").format(n=status.unsent))
        if status.oldest_unsent is None:
            self.oldest.setText(self.tr("Nothing waits."))
        else:
            local = status.oldest_unsent.astimezone(ZoneInfo(self.admin.timezone))
            self.oldest.setText(
                self.tr("The oldest waits since {when}.").format(when=f"{local:%Y-%m-%d %H:%M}")
            )
