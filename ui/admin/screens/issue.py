"""Issue a tenant's card: who it is for, the meter (meter cards), the serial printed on the card;
then a blank card on the reader and Issue.

Whether the tenant, meter and serial make a card is kiosk.admin.issuing's to check: empty number
fields go to the service as they are (0 / none) and its sentence says what is missing.
"""

from __future__ import annotations

from PySide6.QtWidgets import QAbstractButton, QButtonGroup, QFormLayout

from kiosk.admin import IssuedCard, TenantCardRequest
from kiosk.db.models import CardRole
from ui.admin.calls import AdminCalls
from ui.admin.screens.base import AdminScreen, row, set_role
from ui.admin.widgets import KeypadBinder, NumberField, line_edit, number
from ui.widgets.keypad import Keypad
from ui.widgets.screen import button, label


class IssueScreen(AdminScreen):
    def __init__(self, calls: AdminCalls) -> None:
        super().__init__(calls, "admin_issue")
        self.meter_role = button("secondary", name="issue_role_meter")
        self.wallet_role = button("secondary", name="issue_role_wallet")
        self.roles = QButtonGroup(self)
        for b in (self.meter_role, self.wallet_role):
            b.setCheckable(True)
            self.roles.addButton(b)
        self.roles.buttonToggled.connect(self._mark_choice)
        self.meter_role.setChecked(True)
        self.tenant_id = NumberField("issue_tenant_id")
        self.tenant_name = line_edit("issue_tenant_name")
        self.unit = line_edit("issue_unit")
        self.meter_id = NumberField("issue_meter_id")
        self.tariff = line_edit("issue_tariff")
        self.serial = NumberField("issue_serial")
        form = QFormLayout()
        self.captions = [label(name=f"issue_caption_{i}") for i in range(6)]
        for caption, field in zip(
            self.captions,
            (self.tenant_id, self.tenant_name, self.unit, self.meter_id, self.tariff, self.serial),
            strict=True,
        ):
            form.addRow(caption, field)
        self.first.addLayout(row(self.meter_role, self.wallet_role))
        self.first.addLayout(form)
        self.first.addStretch(1)
        self.keypad = Keypad(decimal_point=False)
        self.keypad.setObjectName("issue_keypad")
        self.binder = KeypadBinder(self.keypad, [self.tenant_id, self.meter_id, self.serial])
        self.instruction = label(name="issue_instruction")
        self.issue = self.action("ok", "issue_go")
        self.result = label(name="issue_result")
        self.second.addWidget(self.keypad)
        self.second.addWidget(self.instruction)
        self.second.addWidget(self.issue)
        self.second.addWidget(self.result)
        self.second.addStretch(1)
        self.issue.clicked.connect(self._issue)
        self.retranslate()

    def enter(self) -> None:
        super().enter()
        self.result.setText("")

    def retranslate(self) -> None:
        super().retranslate()
        self.title.setText(self.tr("Issue a tenant's card"))
        self.meter_role.setText(self.tr("Meter card"))
        self.wallet_role.setText(self.tr("Wallet card"))
        captions = (
            self.tr("Tenant number"),
            self.tr("Tenant name (new tenant)"),
            self.tr("Unit (new tenant)"),
            self.tr("Meter number (meter card)"),
            self.tr("Tariff code (new meter)"),
            self.tr("Card serial (printed on it)"),
        )
        for caption, text in zip(self.captions, captions, strict=True):
            caption.setText(text)
        self.instruction.setText(self.tr("Put a blank card on the reader, then tap Issue."))
        self.issue.setText(self.tr("Issue"))
        self.keypad.retranslate()

    def _mark_choice(self, choice: QAbstractButton, checked: bool) -> None:
        # the style sheet has no "checked" look: the chosen role is drawn as a primary button
        set_role(choice, None if checked else "secondary")

    def request(self) -> TenantCardRequest:
        """The form as the service takes it (nothing checked here)."""
        return TenantCardRequest(
            role=CardRole.METER if self.meter_role.isChecked() else CardRole.WALLET,
            serial=number(self.serial.text()) or 0,
            tenant_id=number(self.tenant_id.text()) or 0,
            tenant_name=self.tenant_name.text(),
            unit=self.unit.text(),
            meter_id=number(self.meter_id.text()),
            tariff_code=self.tariff.text().strip() or None,
        )

    def _issue(self) -> None:
        self.result.setText("")
        self.calls.run(self, self.admin.issue_card, self.request(), on_done=self._issued)

    def _issued(self, card: IssuedCard) -> None:
        roles = {CardRole.METER: self.tr("meter card"), CardRole.WALLET: self.tr("wallet card")}
        text = self.tr(
            "Issued: {role}, serial {serial}, UID {uid}, for tenant {tenant} ({card_type})."
        ).format(
            role=roles.get(card.role, card.role.value),
            serial=card.serial,
            uid=card.uid.upper(),
            tenant=card.tenant_id,
            card_type=card.card_type,
        )
        if card.meter_id is not None:
            text += " " + self.tr("Bound to meter {meter}.").format(meter=card.meter_id)
        if card.resumed:
            text += " " + self.tr("This finished an issue that was cut short earlier.")
        self.result.setText(text)
        self.show_info(self.tr("The card is ready: hand it to the tenant."))
