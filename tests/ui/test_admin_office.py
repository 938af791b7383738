"""The back office in admin mode on the touchscreen: tariffs (show, publish, mistakes named), the
day end (X report, Z close once), the sync status, the hardware check and the audit log."""

from __future__ import annotations

import json

import pytest
from PySide6.QtCore import Qt

from kiosk.demo_site import STAFF_ID
from tests.ui.test_admin_env import admin_ui

pytestmark = pytest.mark.gui


def replace_text(qtbot, editor, text: str) -> None:  # noqa: ANN001 - qtbot, a QPlainTextEdit
    """Select everything in the editor and type ``text`` over it, as a person would."""
    qtbot.mouseClick(editor.viewport(), Qt.MouseButton.LeftButton)
    qtbot.keyClick(editor, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClick(editor, Qt.Key.Key_Delete)
    qtbot.keyClicks(editor, text)


def test_tariffs_show_a_version_and_publish_an_edited_one(qtbot, qapp, tmp_path):
    with admin_ui(qtbot, qapp, tmp_path) as ui:
        ui.sign_in()
        screen = ui.open("tariffs")
        ui.pick(screen.versions, "ELEC v1")
        ui.settle()
        assert "Flat rate: 0.86 CNY/kWh" in screen.words.text()
        shown = json.loads(screen.editor.toPlainText())
        assert (shown["code"], shown["version"], shown["rate"]["price"]) == ("ELEC", 1, "86")
        shown["version"], shown["rate"]["price"] = 2, "92"
        replace_text(qtbot, screen.editor, json.dumps(shown))
        ui.click(screen.publish)
        ui.settle()
        assert screen.status.text().startswith("Published ELEC v2, valid from")
        ui.pick(screen.versions, "ELEC v2")  # the list was loaded again
        published = ui.audit("tariff_published")[-1]
        assert published.actor == f"staff:{STAFF_ID}" and published.subject == "ELEC v2"


def test_a_bad_tariff_shows_the_services_sentence_and_publishes_nothing(qtbot, qapp, tmp_path):
    with admin_ui(qtbot, qapp, tmp_path) as ui:
        ui.sign_in()
        screen = ui.open("tariffs")
        replace_text(qtbot, screen.editor, '{"code": "ELEC", ')
        ui.click(screen.publish)
        ui.settle()
        assert screen.status.text().startswith("Tariff: this is not JSON (line 1")
        assert screen.status.property("role") == "error"
        ui.pick(screen.versions, "ELEC v1")
        ui.settle()
        definition = json.loads(screen.editor.toPlainText())
        definition["version"], definition["rate"]["price"] = 2, "-1"
        replace_text(qtbot, screen.editor, json.dumps(definition))
        ui.click(screen.publish)
        ui.settle()
        assert screen.status.text() == "Tariff: rate.price: must be more than zero, got -1"
        assert ui.audit("tariff_published") == []


def test_day_end_x_report_then_z_then_a_z_with_nothing_since(qtbot, qapp, tmp_path):
    with admin_ui(qtbot, qapp, tmp_path) as ui:
        ui.paid_order("wallet", 20_00, deliver=True)
        ui.sign_in()
        screen = ui.open("day_end")
        ui.click(screen.x_report)
        ui.settle()
        assert screen.summary.text().startswith("X report since ")
        assert "nothing recorded" in screen.summary.text()
        x_text = screen.report.toPlainText()
        assert "20.00" in x_text
        ui.click(screen.z_report)
        assert screen.confirm.isVisible()
        ui.click(screen.confirm.no)  # changed their mind: nothing closed
        assert not screen.confirm.isVisible() and ui.audit("day_closed") == []
        ui.click(screen.z_report)
        ui.click(screen.confirm.yes)
        ui.settle()
        assert screen.summary.text().startswith("Z 1 recorded: ")
        assert screen.summary.text().endswith(" is closed.")
        assert "20.00" in screen.report.toPlainText()
        assert screen.status.text() == "No printer is set up: the text is shown here."
        # a second Z right after: taken, and it says plainly that nothing was sold since Z 1
        ui.click(screen.z_report)
        ui.click(screen.confirm.yes)
        ui.settle()
        assert screen.summary.text().startswith("Z 2 recorded: no top-ups or refunds since ")
        shown = " ".join(screen.report.toPlainText().split())
        assert "Z REPORT 2" in shown and "No top-ups or refunds since Z 1." in shown
        assert "20.00" not in shown
        assert [e.detail["z_number"] for e in ui.audit("day_closed")] == [1, 2]


def test_sync_status_says_what_waits(qtbot, qapp, tmp_path):
    with admin_ui(qtbot, qapp, tmp_path) as ui:
        ui.sign_in()
        screen = ui.open("sync")
        assert screen.detail.text().startswith("No sync backend is configured yet")
        assert screen.configured.text() == "Sync backend: not set up yet."
        assert screen.unsent.text().startswith("Messages waiting to be sent: ")
        ui.click(screen.refresh)
        ui.settle()
        assert screen.detail.text().startswith("No sync backend is configured yet")


def test_hardware_check_shows_a_row_per_part(qtbot, qapp, tmp_path):
    with admin_ui(qtbot, qapp, tmp_path) as ui:
        ui.sign_in()
        screen = ui.open("hardware")
        rows = {name.text(): (status.text(), detail.text()) for name, status, detail in screen.rows}
        assert rows["reader"][0] == "OK" and "Demo reader (emulated)" in rows["reader"][1]
        assert rows["printer"][0] == "Not set up"
        assert rows["database"][0] == "OK"
        assert rows["sync"][0] == "Not set up"
        assert any(k.startswith("payments") and v[0] == "OK" for k, v in rows.items())
        # rows added to a shown screen are shown by Qt on the next pass of the event loop
        qtbot.waitUntil(lambda: all(status.isVisible() for _n, status, _d in screen.rows))
        assert screen.status.text() == "Every part that is set up works."
        ui.click(screen.run_again)
        ui.settle()
        assert len(screen.rows) == len(rows)
        assert len(ui.audit("hardware_check")) == 2


def test_audit_log_lists_the_latest_entries_newest_first(qtbot, qapp, tmp_path):
    with admin_ui(qtbot, qapp, tmp_path) as ui:
        ui.sign_in()
        ui.open("hardware")
        ui.back()
        screen = ui.open("audit")
        lines = screen.log.toPlainText().splitlines()
        assert len(lines) == len(screen.rows) == len(ui.audit())
        assert " hardware_check " in lines[0] and " login_ok " in lines[1]
        assert screen.status.text() == f"The latest {len(lines)} entries, newest first."
        assert screen.log.isReadOnly()


def test_the_kiosk_app_prints_staff_reports_on_the_configured_printer(qtbot, qapp, tmp_path):
    """ui.app.build_ui gives admin mode the [printer] the tenant side prints receipts on: a Z
    report comes out of the printer, not only on screen."""
    import dataclasses

    from kiosk.config import PrinterConfig
    from kiosk.demo_site import STAFF_PIN, build_demo_site
    from tests.ui.test_admin_env import set_pin
    from ui.app import build_ui

    site = build_demo_site(tmp_path / "demo", set_pin=set_pin)
    device = tmp_path / "lp0"
    printer = PrinterConfig(kind="file", path=str(device))
    site.kiosk.config = dataclasses.replace(site.kiosk.config, printer=printer)
    kiosk_ui = build_ui(qapp, site.kiosk, site.reader)
    qtbot.addWidget(kiosk_ui.window)
    try:
        site.tap("staff")
        staff = kiosk_ui.admin_service.login(STAFF_PIN)
        closed = kiosk_ui.admin_service.day_end(staff)
        assert closed.printout.printed, closed.printout
        printed = device.read_bytes().decode("ascii", "replace")
        assert closed.text.splitlines()[0] in printed
    finally:
        kiosk_ui.runner.wait_idle()
        kiosk_ui.admin_runner.wait_idle()
        kiosk_ui.window.close()
        site.close()
