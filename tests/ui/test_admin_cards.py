"""Cards in admin mode on the touchscreen: issuing a tenant's card onto a blank one, reading any
card for diagnosis (decoded and raw, keys never shown), and replacing a lost card."""

from __future__ import annotations

import pytest
from PySide6.QtGui import QFontMetrics

from cardlib.purse.header import Role
from cardlib.service import CardService
from kiosk.demo_site import SITE_ID
from kiosk.topup.model import BlacklistedCardError
from tests.ui.test_admin_env import admin_ui

pytestmark = pytest.mark.gui


def read_card(ui, name: str):  # noqa: ANN001, ANN201 - the rig and a CardState
    """What card ``name`` holds, read by a fresh card service as the tenant side reads it."""
    ui.tap_card(name)
    with ui.site.reader.connect() as conn:
        state = CardService(ui.site.kiosk.config.keys, SITE_ID).read(conn)
    ui.site.remove()
    return state


def test_issue_a_wallet_card_onto_a_blank_card(qtbot, qapp, tmp_path):
    with admin_ui(qtbot, qapp, tmp_path) as ui:
        ui.sign_in()
        screen = ui.open("issue")
        ui.click(screen.wallet_role)
        ui.type(screen.tenant_id, "")
        ui.keypad(screen.keypad, "3001")
        ui.type(screen.tenant_name, "Nova Labs")
        ui.type(screen.unit, "20-01")
        ui.type(screen.serial, "")
        ui.keypad(screen.keypad, "7001")
        assert (screen.tenant_id.text(), screen.serial.text()) == ("3001", "7001")
        assert "blank card on the reader" in screen.instruction.text()
        ui.tap_card("blank")
        ui.click(screen.issue)
        ui.settle()
        assert screen.result.text().startswith("Issued: wallet card, serial 7001")
        assert "for tenant 3001" in screen.result.text()
        state = read_card(ui, "blank")
        assert state.header.role is Role.WALLET
        assert (state.header.card_serial, state.header.tenant_id) == (7001, 3001)
        issued = ui.audit("card_issued")[-1]
        assert issued.actor == "staff:9001" and issued.detail["serial"] == 7001


def test_issuing_without_a_serial_says_what_is_missing(qtbot, qapp, tmp_path):
    with admin_ui(qtbot, qapp, tmp_path) as ui:
        ui.sign_in()
        screen = ui.open("issue")
        ui.click(screen.wallet_role)
        ui.keypad(screen.keypad, "3001")  # the tenant number is the keypad's first field
        ui.tap_card("blank")
        ui.click(screen.issue)
        ui.settle()
        assert screen.status.text().startswith("A card serial is a number from 1")
        assert screen.status.property("role") == "error"
        assert screen.result.text() == ""
        assert ui.audit("card_issued") == []


def test_read_card_shows_decoded_and_raw_and_no_key(qtbot, qapp, tmp_path):
    with admin_ui(qtbot, qapp, tmp_path) as ui:
        ui.sign_in()
        screen = ui.open("read_card")
        ui.tap_card("elec_1507")  # MIFARE Classic: sector trailers hold keys
        ui.click(screen.read)
        ui.settle()
        assert "accepts this card" in screen.summary.text()
        text = screen.report.toPlainText()
        assert "serial 5002" in text and "tenant 1507" in text  # decoded header
        assert "Kiosk A" in text and "Meter" in text  # decoded records
        assert "Raw memory (keys hidden)" in text and "sector trailer" in text  # raw hex
        uid = ui.site.reader.card.uid
        keys = ui.site.kiosk.config.keys
        secrets = [m.site_master for m in (keys.get(v) for v in keys.versions)]
        secrets += [m.meter_master for m in (keys.get(v) for v in keys.versions)]
        card_keys = keys.card_keys(keys.latest_version, uid, SITE_ID)
        secrets += [card_keys.mac_key, card_keys.classic_key_a, card_keys.classic_key_b]
        secrets += [keys.meter_key(keys.latest_version, 43, SITE_ID)]
        shown = text.upper()
        for secret in secrets:
            for form in (secret.hex(), secret.hex(" ")):
                assert form.upper() not in shown
        # monospace, so the hex columns line up
        metrics = QFontMetrics(screen.report.font())
        assert metrics.horizontalAdvance("i") == metrics.horizontalAdvance("W")
        assert ui.audit("card_read")[-1].subject == uid.hex()


def test_replace_a_lost_meter_card_and_the_old_one_is_refused(qtbot, qapp, tmp_path):
    with admin_ui(qtbot, qapp, tmp_path) as ui:
        ui.sign_in()
        screen = ui.open("replace")
        ui.keypad(screen.keypad, "5001")  # the serial search field is the keypad's first
        ui.click(screen.find_button)
        ui.settle()
        assert screen.cards.count() == 1 and "5001" in screen.cards.item(0).text()
        ui.settle()  # the one card found is previewed at once
        assert "The new card will carry" in screen.preview_text.text()
        assert "tenant 1203" in screen.preview_text.text()
        ui.type(screen.new_serial, "")
        ui.keypad(screen.keypad, "5101")
        ui.type(screen.reason, "lost in the lift")
        ui.tap_card("blank")
        ui.click(screen.replace_button)
        assert screen.confirm.isVisible() and "5001" in screen.confirm.question.text()
        ui.click(screen.confirm.yes)
        ui.settle()
        assert screen.result.text().startswith("Replaced: the new card (serial 5101")
        new = read_card(ui, "blank")
        assert (new.header.card_serial, new.header.tenant_id, new.header.meter_id) == (
            5101,
            1203,
            42,
        )
        # the lost card, found again, is refused at a tap
        ui.tap_card("elec_1203")
        with ui.site.reader.connect() as conn, pytest.raises(BlacklistedCardError):
            ui.site.kiosk.topup.tap(conn)
        assert ui.audit("card_replaced")[-1].detail["reason"] == "lost in the lift"
