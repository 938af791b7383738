"""Signing in and out of admin mode on the touchscreen: the PIN (masked, wrong, locked out), every
attempt audited, the menu by role, and the ways staff leave (log out, cancel, idle, session over).
"""

from __future__ import annotations

import pytest

from kiosk.admin.roles import Action, StaffRole, allowed
from kiosk.demo_site import STAFF_ID, STAFF_PIN
from tests.ui.test_admin_env import OPERATOR_ID, OPERATOR_PIN, add_operator, admin_ui
from ui.admin.calls import generic_error
from ui.admin.screens.menu import ENTRIES
from ui.admin.screens.pin import DOT

pytestmark = pytest.mark.gui

WRONG = "135790"


def test_the_right_pin_opens_the_menu_with_every_manager_function(qtbot, qapp, tmp_path):
    with admin_ui(qtbot, qapp, tmp_path) as ui:
        ui.begin()
        pin = ui.controller.pin
        assert "Demo Manager" in pin.greeting.text()
        assert not pin.ok.isEnabled()  # nothing typed yet
        ui.keypad(pin.keypad, STAFF_PIN[:3])
        assert pin.dots.text() == DOT * 3  # dots only, never the digits
        ui.keypad(pin.keypad, STAFF_PIN[3:])
        with qtbot.waitSignal(ui.controller.screen_shown) as shown:
            ui.click(pin.ok)
        assert shown.args == ["admin.menu"]
        menu = ui.controller.menu
        assert all(menu.buttons[key].isVisible() for key, _action in ENTRIES)
        assert menu.logout_button.isVisible()
        assert "manager" in menu.who.text()


def test_a_wrong_pin_says_how_many_attempts_are_left(qtbot, qapp, tmp_path):
    with admin_ui(qtbot, qapp, tmp_path) as ui:
        ui.begin()
        ui.enter_pin(WRONG)
        pin = ui.controller.pin
        assert ui.window.current_key == "admin.pin"
        assert pin.status.text() == "Wrong PIN. 4 attempts left before admin mode locks."
        assert pin.status.property("role") == "error"
        assert pin.keypad.text == "" and WRONG not in pin.dots.text()
        # the next try works as the first did
        ui.enter_pin(STAFF_PIN)
        ui.on("admin.menu")


def test_repeated_wrong_pins_lock_admin_mode_and_say_until_when(qtbot, qapp, tmp_path):
    with admin_ui(qtbot, qapp, tmp_path) as ui:
        ui.begin()
        pin = ui.controller.pin
        for left in (4, 3, 2):
            ui.enter_pin(WRONG)
            assert f"{left} attempts left" in pin.status.text()
        ui.enter_pin(WRONG)
        assert "1 attempt left" in pin.status.text()
        ui.enter_pin(WRONG)
        assert pin.status.text().startswith("Too many wrong PINs: admin mode is locked")
        assert "until" in pin.status.text()
        ui.enter_pin(STAFF_PIN)  # even the right PIN, while locked
        assert "locked" in pin.status.text()
        assert ui.window.current_key == "admin.pin" and ui.controller.session is None
        attempts = [e for e in ui.audit() if e.action.startswith("login")]
        assert [e.action for e in attempts] == ["login_failed"] * 4 + ["login_locked"] * 2
        assert all(e.actor == f"staff:{STAFF_ID}" for e in attempts)


def test_every_attempt_is_in_the_audit_log_screen_and_no_pin_is(qtbot, qapp, tmp_path):
    with admin_ui(qtbot, qapp, tmp_path) as ui:
        ui.begin()
        ui.enter_pin(WRONG)
        ui.enter_pin(STAFF_PIN)
        ui.on("admin.menu")
        screen = ui.open("audit")
        lines = screen.log.toPlainText().splitlines()
        # newest first: the successful sign-in, then the wrong PIN
        logins = [line for line in lines if " login_" in line]
        assert "login_ok" in logins[0] and "login_failed" in logins[1]
        assert "wrong_pin" in logins[1] and f"staff:{STAFF_ID}" in logins[1]
        assert WRONG not in screen.log.toPlainText()
        assert STAFF_PIN not in screen.log.toPlainText()


def test_log_out_ends_the_session_and_hands_the_kiosk_back(qtbot, qapp, tmp_path):
    with admin_ui(qtbot, qapp, tmp_path) as ui:
        ui.sign_in()
        session = ui.controller.session
        with qtbot.waitSignal(ui.controller.finished):
            ui.click(ui.controller.menu.logout_button)
        assert not ui.controller.active and ui.controller.session is None
        assert not ui.admin.is_live(session)
        assert [e.actor for e in ui.audit("logout")] == [f"staff:{STAFF_ID}"]


def test_cancel_on_the_pin_screen_leaves_without_signing_in(qtbot, qapp, tmp_path):
    with admin_ui(qtbot, qapp, tmp_path) as ui:
        ui.begin()
        with qtbot.waitSignal(ui.controller.finished):
            ui.click(ui.controller.pin.cancel)
        assert ui.audit("login_ok") == []


def test_idle_time_without_a_tap_signs_staff_out(qtbot, qapp, tmp_path):
    with admin_ui(qtbot, qapp, tmp_path, idle_timeout_s=3) as ui:
        ui.sign_in()
        ui.open("sync")
        ui.window.tick.emit()
        ui.window.tick.emit()
        ui.back()  # a tap: the idle count starts again
        ui.window.tick.emit()
        ui.window.tick.emit()
        assert ui.controller.active
        with qtbot.waitSignal(ui.controller.finished):
            ui.window.tick.emit()
        assert len(ui.audit("logout")) == 1


def test_a_staff_session_the_service_ended_hands_the_kiosk_back(qtbot, qapp, tmp_path):
    with admin_ui(qtbot, qapp, tmp_path) as ui:
        ui.sign_in()
        session = ui.controller.session
        # longer than the service's idle timeout, on its clock: the next tick asks is_live
        ui.clock.advance(minutes=6)
        with qtbot.waitSignal(ui.controller.finished):
            ui.window.tick.emit()
        assert not ui.controller.active and not ui.admin.is_live(session)


def test_a_call_refused_because_the_session_expired_hands_the_kiosk_back(qtbot, qapp, tmp_path):
    with admin_ui(qtbot, qapp, tmp_path) as ui:
        ui.sign_in()
        ui.clock.advance(minutes=6)
        with qtbot.waitSignal(ui.controller.finished):
            ui.click(ui.controller.menu.buttons["hardware"])
        assert ui.audit("session_expired")[-1].actor == f"staff:{STAFF_ID}"
        assert ui.audit("hardware_check") == []  # the check did not run


def test_an_operator_sees_no_manager_functions(qtbot, qapp, tmp_path):
    with admin_ui(qtbot, qapp, tmp_path) as ui:
        add_operator(ui.site, ui.admin)
        ui.sign_in("operator", OPERATOR_PIN)
        menu = ui.controller.menu
        assert "Olga Operator" in menu.who.text() and "operator" in menu.who.text()
        for key, action in ENTRIES:
            assert menu.buttons[key].isVisible() == allowed(StaffRole.OPERATOR, action), key
        assert not menu.buttons["refund"].isVisible()
        assert not menu.buttons["day_end"].isVisible()
        assert menu.buttons["cash"].isVisible() and menu.buttons["audit"].isVisible()
        assert not allowed(StaffRole.OPERATOR, Action.DAY_END)
        assert ui.controller.session.staff_id == OPERATOR_ID


def test_a_failure_that_is_not_an_admin_error_shows_a_sentence_not_a_traceback(
    qtbot, qapp, tmp_path, monkeypatch, caplog
):
    with admin_ui(qtbot, qapp, tmp_path) as ui:
        ui.sign_in()

        def broken(session):  # noqa: ANN001, ANN202 - stands in for AdminService.sync_status
            raise RuntimeError("disk I/O error at /var/lib/kiosk/kiosk.db")

        monkeypatch.setattr(ui.admin, "sync_status", broken)
        screen = ui.open("sync")
        assert screen.status.text() == generic_error()
        assert screen.status.property("role") == "error"
        assert "disk I/O" not in screen.status.text()
        assert "disk I/O error" in caplog.text  # but the log has it for the technician
