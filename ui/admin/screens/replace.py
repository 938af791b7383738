"""Replace a lost card: find the old card (serial or UID), see what carries over to the new card
(kiosk.admin.replacement's preview), give the new card's serial and the reason, put the new blank
card on the reader and confirm. The old card is refused at every tap from then on.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

from kiosk.admin.directory import CardSummary
from kiosk.admin.replacement import ReplacementPreview, ReplacementResult
from kiosk.db.models import CardRole
from kiosk.money import format_amount
from ui.admin.calls import AdminCalls
from ui.admin.screens.base import AdminScreen, row, set_role
from ui.admin.text import staff_text, word_text
from ui.admin.widgets import (
    ConfirmBar,
    KeypadBinder,
    NumberField,
    add_row,
    chosen,
    line_edit,
    number,
    pick_list,
)
from ui.widgets.keypad import Keypad
from ui.widgets.screen import button, label


class ReplaceScreen(AdminScreen):
    def __init__(self, calls: AdminCalls) -> None:
        super().__init__(calls, "admin_replace")
        self.find_caption = label(name="replace_find_caption")
        self.find_serial = NumberField("replace_find_serial")
        self.find_uid = line_edit("replace_find_uid")
        self.find_button = self.action("secondary", "replace_find")
        self.cards = pick_list("replace_cards")
        self.preview_text = label(name="replace_preview")
        self.accept_uncertain = button("secondary", name="replace_accept_uncertain")
        self.accept_uncertain.setCheckable(True)
        # the style sheet has no "checked" look: a confirmed choice is drawn as a primary button
        self.accept_uncertain.toggled.connect(
            lambda on: set_role(self.accept_uncertain, None if on else "secondary")
        )
        self.first.addWidget(self.find_caption)
        self.first.addLayout(row(self.find_serial, self.find_uid))
        self.first.addWidget(self.find_button)
        self.first.addWidget(self.cards, 1)
        self.first.addWidget(self.preview_text)
        self.first.addWidget(self.accept_uncertain)
        self.keypad = Keypad(decimal_point=False)
        self.keypad.setObjectName("replace_keypad")
        self.new_caption = label(name="replace_new_caption")
        self.new_serial = NumberField("replace_new_serial")
        self.binder = KeypadBinder(self.keypad, [self.find_serial, self.new_serial])
        self.reason_caption = label(name="replace_reason_caption")
        self.reason = line_edit("replace_reason")
        self.instruction = label(name="replace_instruction")
        self.replace_button = self.action("danger", "replace_go")
        self.confirm = ConfirmBar("replace_confirm")
        self.result = label(name="replace_result")
        for widget in (
            self.keypad, self.new_caption, self.new_serial, self.reason_caption, self.reason,
            self.instruction, self.replace_button, self.confirm, self.result,
        ):  # fmt: skip
            self.second.addWidget(widget)
        self.second.addStretch(1)
        self.preview: ReplacementPreview | None = None
        self.find_button.clicked.connect(self._find)
        self.cards.currentItemChanged.connect(lambda *_: self._preview())
        self.replace_button.clicked.connect(self._ask)
        self.confirm.confirmed.connect(self._replace)
        self.retranslate()
        self._clear()

    def _clear(self) -> None:
        self.preview = None
        self.preview_text.setText("")
        self.accept_uncertain.setChecked(False)
        self.accept_uncertain.hide()
        self.confirm.hide()

    def enter(self) -> None:
        super().enter()
        for field in (self.find_serial, self.find_uid, self.new_serial, self.reason):
            field.clear()
        self.binder.select(self.find_serial)
        self.cards.clear()
        self.result.setText("")
        self._clear()

    def retranslate(self) -> None:
        super().retranslate()
        self.title.setText(self.tr("Replace a lost card"))
        self.find_caption.setText(self.tr("Find the lost card by its serial or its UID:"))
        self.find_serial.setPlaceholderText(self.tr("Serial"))
        self.find_uid.setPlaceholderText(self.tr("UID"))
        self.find_button.setText(self.tr("Find"))
        self.accept_uncertain.setText(self.tr("Carry the last known value anyway"))
        self.new_caption.setText(self.tr("Serial of the new card (printed on it)"))
        self.reason_caption.setText(self.tr("Reason (lost, stolen, broken)"))
        self.instruction.setText(self.tr("Put the new blank card on the reader, then tap Replace."))
        self.replace_button.setText(self.tr("Replace"))
        self.confirm.set_texts(self.tr("Yes, replace"), self.tr("No"))
        self.keypad.retranslate()

    # -- finding the old card ----------------------------------------------------------------

    def _find(self) -> None:
        self.cards.clear()
        self._clear()
        uid = self.find_uid.text().strip() or None
        self.calls.run(
            self,
            self.admin.find_cards,
            serial=number(self.find_serial.text()),
            uid=uid,
            on_done=self._found,
        )

    def _found(self, cards: list[CardSummary]) -> None:
        for c in cards:
            who = f"{c.tenant_id} {c.tenant_name or ''}".strip() if c.tenant_id else "-"
            role, status = word_text("role", c.role), word_text("status", c.status)
            add_row(self.cards, f"{c.serial}  {role}  {status}  {who}  {c.uid.upper()}", c)
        if not cards:
            self.show_error(self.tr("No card here has that serial or UID."))
        elif len(cards) == 1:
            self.cards.setCurrentRow(0)

    def _preview(self) -> None:
        card: CardSummary | None = chosen(self.cards)
        self._clear()
        if card is not None:
            self.calls.run(self, self.admin.replacement_preview, card.uid, on_done=self._previewed)

    def _previewed(self, p: ReplacementPreview) -> None:
        self.preview = p
        zone = ZoneInfo(self.admin.timezone)
        value = format_amount(p.value, p.currency)
        lines = [
            self.tr("Card {serial} ({role}, {status}) of tenant {tenant}.").format(
                serial=p.serial,
                role=word_text("role", p.role.value),
                status=word_text("status", p.status.value),
                tenant=p.tenant_id,
            ),
            self.tr("The new card will carry {value}, purchase {seq}.").format(
                value=value, seq=p.purchase_seq
            )
            if p.role is CardRole.METER
            else self.tr("The new card will carry {value}.").format(value=value),
            self.tr("Last known: {source}.").format(source=staff_text(p.last_known.basis)),
        ]
        if p.last_known.as_of is not None:
            when = p.last_known.as_of.astimezone(zone)
            lines.append(self.tr("As of {when}.").format(when=f"{when:%Y-%m-%d %H:%M}"))
        if p.orders:
            lines.append(
                self.tr("{n} paid top-up(s) of {amount} waiting for the old card go on it.").format(
                    n=len(p.orders), amount=format_amount(p.orders_amount, p.currency)
                )
            )
        if p.in_progress:
            lines.append(self.tr("A replacement of this card was begun: Replace finishes it."))
        if p.last_known.said_warning is not None:
            lines.append(staff_text(p.last_known.said_warning))
        if not p.last_known.certain:
            self.accept_uncertain.show()
        self.preview_text.setText("\n".join(lines))

    # -- replacing ---------------------------------------------------------------------------

    def _ask(self) -> None:
        if self.preview is None:
            self.show_error(self.tr("Find the lost card and tap it in the list first."))
            return
        self.confirm.ask(
            self.tr("Replace card {serial}? The old card stops working for good.").format(
                serial=self.preview.serial
            )
        )

    def _replace(self) -> None:
        if self.preview is None:
            return
        self.calls.run(
            self,
            self.admin.replace_card,
            self.preview.old_uid,
            number(self.new_serial.text()) or 0,
            self.reason.text(),
            accept_uncertain=self.accept_uncertain.isChecked(),
            on_done=self._replaced,
        )

    def _replaced(self, r: ReplacementResult) -> None:
        currency = self.preview.currency if self.preview else self.admin.currency
        text = self.tr(
            "Replaced: the new card (serial {serial}, UID {uid}) carries {value}."
        ).format(serial=r.new_serial, uid=r.new_uid.upper(), value=format_amount(r.value, currency))
        if r.resumed:
            text += " " + self.tr("This finished a replacement begun earlier.")
        self.result.setText(text)
        self.show_info(self.tr("The old card is refused at every tap from now on."))
