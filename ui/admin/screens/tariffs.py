"""Tariffs: every stored version; one shown in words and as its JSON, which a manager edits and
publishes as a new version. The JSON is checked by the service, whose sentence names the field.
"""

from __future__ import annotations

import json
from zoneinfo import ZoneInfo

from PySide6.QtWidgets import QPlainTextEdit

from kiosk.admin.roles import Action
from kiosk.admin.tariffs import TariffDetail, TariffSummary
from ui.admin.calls import AdminCalls
from ui.admin.screens.base import AdminScreen
from ui.admin.text import staff_text, word_text
from ui.admin.widgets import add_row, chosen, pick_list, text_view
from ui.widgets.screen import label


class TariffsScreen(AdminScreen):
    def __init__(self, calls: AdminCalls) -> None:
        super().__init__(calls, "admin_tariffs")
        self.heading = label(name="tariffs_heading")
        self.versions = pick_list("tariffs_versions")
        self.words = label(name="tariffs_words")
        self.first.addWidget(self.heading)
        self.first.addWidget(self.versions, 1)
        self.first.addWidget(self.words)
        self.editor_caption = label(name="tariffs_editor_caption")
        self.editor: QPlainTextEdit = text_view("tariffs_editor")
        self.publish = self.action("danger", "tariffs_publish")
        self.second.addWidget(self.editor_caption)
        self.second.addWidget(self.editor, 1)
        self.second.addWidget(self.publish)
        self.versions.currentItemChanged.connect(lambda *_: self._show_chosen())
        self.publish.clicked.connect(self._publish)
        self.retranslate()

    def enter(self) -> None:
        super().enter()
        may_publish = self.calls.allows(Action.PUBLISH_TARIFF)
        self.editor.setReadOnly(not may_publish)
        self.publish.setVisible(may_publish)
        self.words.setText("")
        self.editor.clear()
        self._load()

    def retranslate(self) -> None:
        super().retranslate()
        self.title.setText(self.tr("Tariffs"))
        self.heading.setText(self.tr("Versions (tap one to see it):"))
        self.editor_caption.setText(
            self.tr("The version as JSON. To change a price, edit it, raise the version, publish.")
        )
        self.publish.setText(self.tr("Publish as a new version"))

    def _load(self, keep_status: bool = False) -> None:
        self.calls.run(self, self.admin.tariffs, on_done=self._listed, keep_status=keep_status)

    def _listed(self, tariffs: list[TariffSummary]) -> None:
        self.versions.clear()
        for t in tariffs:
            now = self.tr(" (in force)") if t.in_force else ""
            utility = word_text("utility", t.utility)
            add_row(self.versions, f"{t.ref}  {t.name}  {utility}{now}", t)

    def _show_chosen(self) -> None:
        summary: TariffSummary | None = chosen(self.versions)
        if summary is None:
            return
        self.calls.run(self, self.admin.tariff, summary.code, summary.version, on_done=self._shown)

    def _shown(self, detail: TariffDetail) -> None:
        self.words.setText("\n".join(staff_text(line) for line in detail.said))
        self.editor.setPlainText(json.dumps(detail.definition, indent=2, ensure_ascii=False))

    def _publish(self) -> None:
        self.calls.run(
            self, self.admin.publish_tariff, self.editor.toPlainText(), on_done=self._published
        )

    def _published(self, summary: TariffSummary) -> None:
        zone = ZoneInfo(self.admin.timezone)
        self.show_info(
            self.tr("Published {ref}, valid from {when}.").format(
                ref=summary.ref, when=f"{summary.valid_from.astimezone(zone):%Y-%m-%d %H:%M}"
            )
        )
        self._load(keep_status=True)
